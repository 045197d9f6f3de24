"""A message is applied to an actor at most once, however late it comes back.

The recent ids live on the actor item; older ones are archived (``actors/applied.py``), so a
message that returns through the DLQ redriver — or a timer fired again — after hundreds of newer
messages is still recognised. A message too old to be recognised is refused, never re-applied.
"""
from __future__ import annotations

import time
from typing import Any

from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope
from durable_lambda.testing.local_lambda import LambdaContext

from .conftest import World, counter

HOUR_MS = 3600 * 1000


def _record(envelope: Envelope, n: int, redrives: int = 0) -> dict[str, Any]:
    record: dict[str, Any] = {
        "messageId": f"sqs-{envelope.id}-{n}", "body": envelope.to_json(),
        "eventSource": "aws:sqs",
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": envelope.group_id}}
    if redrives:  # as the DLQ redriver re-sends it: same body, a new SQS message
        record["messageAttributes"] = {"durable-redrives": {
            "dataType": "Number", "stringValue": str(redrives)}}
    return record


def _message(tag: Any, sent_at: int | None = None, msg_id: str | None = None) -> Envelope:
    extra: dict[str, Any] = {"id": msg_id} if msg_id else {}
    if sent_at is not None:
        extra["sent_at"] = sent_at
    return Envelope(kind="actor", target="counter", key="w", payload={"tag": tag}, **extra)


def _deliver(*records: dict[str, Any]) -> dict[str, Any]:
    return counter({"Records": list(records)}, LambdaContext("counter"))


def _apply_newer(count: int) -> None:
    for start in range(0, count, 10):
        _deliver(*[_record(_message(f"new{i}"), i) for i in range(start, start + 10)])


def test_a_message_redriven_after_200_newer_ones_is_not_applied_again(world: World) -> None:
    first = _message("first")
    assert _deliver(_record(first, 0)) == {"batchItemFailures": []}
    _apply_newer(200)
    assert world.state("w")["n"] == 201
    aws.call_counter.clear()
    assert _deliver(_record(first, 1, redrives=1)) == {"batchItemFailures": []}
    state = world.state("w")
    assert state["n"] == 201 and state["seen"].count("first") == 1, "applied once"
    assert aws.call_counter["dynamodb.GetItem"] + aws.call_counter["dynamodb.BatchGetItem"] <= 1


def test_a_late_message_never_applied_before_is_applied_once(world: World) -> None:
    _apply_newer(200)
    late = _message("late", sent_at=int(time.time() * 1000) - HOUR_MS)  # e.g. dead-lettered
    _deliver(_record(late, 0, redrives=1))
    _deliver(_record(late, 1, redrives=2))
    state = world.state("w")
    assert state["n"] == 201 and state["seen"].count("late") == 1


def test_archiving_old_ids_costs_a_fraction_of_a_write_per_message(world: World) -> None:
    aws.call_counter.clear()
    _apply_newer(500)
    writes = sum(v for k, v in aws.call_counter.items() if k.startswith("dynamodb."))
    turns = 50
    assert writes <= 2 * turns + 500 / 128 + 1, dict(aws.call_counter)
    assert aws.call_counter["dynamodb.GetItem"] == 0, "fresh messages need no look-up"


def test_a_message_older_than_the_horizon_is_refused_not_applied(world: World) -> None:
    from durable_lambda.actors.applied import HORIZON_MS
    ancient = _message("ancient", sent_at=int(time.time() * 1000) - HORIZON_MS - HOUR_MS)
    _apply_newer(300)  # ids old enough to have been forgotten exist
    reply = _deliver(_record(ancient, 0, redrives=1))
    assert reply == {"batchItemFailures": []}, "dead-lettered with its reason, not retried"
    assert "ancient" not in world.state("w")["seen"]
