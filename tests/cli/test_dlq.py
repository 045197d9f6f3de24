"""dlq list / redrive / parked (--requeue, --drop): the runbook for a parked message, run
against ``local up`` (DURABLE_MAX_REDRIVES=1: the second redrive parks)."""
from __future__ import annotations

import json
import uuid
from typing import Any

import boto3

from tests.cli.conftest import LocalUp, eventually


def _mine(result: Any, marker: str) -> list[dict[str, Any]]:
    return [item for item in result["items"] if marker in item["body"]]


def test_poison_message_dead_lettered_redriven_parked_fixed_and_requeued(
        local_up: LocalUp) -> None:
    actor = f"poison-{uuid.uuid4().hex[:8]}"
    local_up.cli("actor", "send", "durable-counter", actor, '{"fail": true}')

    def in_dlq() -> list[dict[str, Any]]:
        return _mine(local_up.cli("--json", "dlq", "list").json(), actor)

    [dead] = eventually(in_dlq, what="the poison message dead-lettered after 5 attempts")
    assert "ValueError: refused" in dead["error"] and dead["redrives"] == 0
    human = local_up.cli("dlq", "list")
    assert "MESSAGEID" in human.out and dead["messageId"] in human.out

    first = local_up.cli("--json", "dlq", "redrive")
    assert first.code == 0 and first.json()["redriven"] >= 1
    assert "DLQ holds ~" in first.err and "redriven" in first.err  # progress lines
    [again] = eventually(in_dlq, what="it failed again and came back to the DLQ")
    assert again["redrives"] == 1

    second = local_up.cli("--json", "dlq", "redrive").json()
    assert second["parked"] >= 1

    def parked() -> list[dict[str, Any]]:
        return _mine(local_up.cli("--json", "dlq", "parked").json(), actor)

    [parked_message] = eventually(parked, what="parked after its last redrive")
    assert "redriven 1 times already" in parked_message["parkedReason"]

    assert local_up.cli("actor", "call", "durable-counter", actor, '{"fix": true}').code == 0
    moved = local_up.cli("--json", "dlq", "parked", "--requeue", parked_message["messageId"])
    assert moved.code == 0 and moved.json()["requeued"] == 1
    eventually(lambda: json.loads(local_up.cli("--json", "actor", "state", "durable-counter",
                                               actor).out)["state"].get("n") == 1,
               what="the requeued message applied once the bug was fixed")
    assert parked() == []


def test_malformed_message_parked_then_dropped(local_up: LocalUp) -> None:
    marker = f"garbage-{uuid.uuid4().hex[:8]}"
    env = local_up.state
    sqs = boto3.client("sqs", endpoint_url=env["endpoint"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    sqs.send_message(QueueUrl=env["environment"]["DURABLE_QUEUE"], MessageBody=marker,
                     MessageGroupId=marker, MessageDeduplicationId=marker)
    eventually(lambda: _mine(local_up.cli("--json", "dlq", "list").json(), marker),
               what="the router dead-letters a malformed record at once")
    assert local_up.cli("--json", "dlq", "redrive").json()["parked"] >= 1
    [parked] = _mine(local_up.cli("--json", "dlq", "parked").json(), marker)
    assert "malformed message" in parked["parkedReason"]
    dropped = local_up.cli("--json", "dlq", "parked", "--drop", parked["messageId"])
    assert dropped.code == 0 and dropped.json()["dropped"] == 1
    assert _mine(local_up.cli("--json", "dlq", "parked").json(), marker) == []
    unknown = local_up.cli("dlq", "parked", "--drop", "no-such-id")
    assert unknown.code == 1 and "not found: no-such-id" in unknown.out


def test_redrive_via_the_deployed_function(local_up: LocalUp) -> None:
    result = local_up.cli("--json", "dlq", "redrive", "--via-function", "--max", "5")
    assert result.code == 0 and result.json()["stopped"] in ("empty", "max_messages")
