"""Logs, metrics and the trace header through the real path: SQS FIFO -> router -> @actor
(local Lambda) -> ctx.send -> SQS again, on the local AWS."""
from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from durable_lambda import ActorClient, actor
from durable_lambda.core import logging as dlog
from durable_lambda.core import metrics
from durable_lambda.core.settings import reset_settings
from durable_lambda.platform import router
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.sqs_poller import SqsPoller

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
TRACE_ID = "1-5759e988-bd862e3fe1be46a994272793"


@actor
def relay(ctx: Any, payload: Any) -> Any:
    """Counts; forwards ``{"to": id}`` to the ``sink`` actor; ``{"fail": true}`` raises."""
    if payload.get("fail"):
        raise ValueError("refused")
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    if "to" in payload:
        ctx.send(payload["to"], {"from": ctx.actor_id}, target="sink")
    return ctx.state["n"]


@actor
def sink(ctx: Any, payload: Any) -> Any:
    ctx.state.setdefault("from", []).append(payload["from"])


@pytest.fixture
def observed(fabric: Fabric, local_lambda: LocalLambda,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    monkeypatch.setenv("DURABLE_METRICS", "true")
    monkeypatch.setenv("DURABLE_MAX_RECEIVE_COUNT", "1")  # a failure is its last attempt
    reset_settings()
    local_lambda.register("relay", relay)
    local_lambda.register("sink", sink)
    logs = io.StringIO()
    dlog.configure_logging(stream=logs, level="INFO", lambda_json=False)
    yield logs
    dlog.reset_logging()
    metrics.discard()


def drain(fabric: Fabric) -> None:
    SqsPoller(fabric.queue, router.handler, endpoint_url=fabric.endpoint_url,
              function_name="router").drain(idle_polls=1)


def sent_trace_headers(sent: list[dict[str, Any]]) -> list[str]:
    """The AWSTraceHeader of each SendMessage to the work queue so far (and forget them)."""
    headers = [params.get("MessageSystemAttributes", {}).get("AWSTraceHeader", {}).get(
        "StringValue", "") for params in sent if params["QueueUrl"].endswith("work.fifo")]
    sent.clear()
    return headers


@pytest.fixture
def sent(observed: io.StringIO) -> Iterator[list[dict[str, Any]]]:
    """Every SendMessage the runtime makes, as its parameters (read without consuming)."""
    from durable_lambda.core import aws

    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(dict(params))

    events = aws.client("sqs").meta.events
    events.register("provide-client-params.sqs.SendMessage", record)
    yield calls
    events.unregister("provide-client-params.sqs.SendMessage", record)


def test_trace_ids_follow_messages_across_the_queue(
        observed: io.StringIO, sent: list[dict[str, Any]], fabric: Fabric,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)  # the sender runs in a traced invocation
    client = ActorClient("relay")
    client.send("alice", {"to": "bob"})
    client.send("alice", {"fail": True})
    monkeypatch.delenv("_X_AMZN_TRACE_ID")
    assert sent_trace_headers(sent) == [TRACE, TRACE]  # SendMessage carried it
    drain(fabric)  # relay's turn (the poison message dead-lettered), then sink's
    [dead] = [p for p in sent if p["QueueUrl"].endswith("dlq.fifo")]
    assert dead["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"] == TRACE
    assert sent_trace_headers(sent) == [TRACE]  # ctx.send kept the message's trace
    logs = dlog.parse_lines(observed.getvalue())

    failed = [line for line in logs if "failed on message" in line["message"]]
    assert failed, logs
    line = failed[0]
    assert (line["level"], line["actorId"], line["traceId"]) == ("ERROR", "alice", TRACE_ID)
    assert line["function"] == "relay" and line["requestId"] and line["messageId"]
    assert line["errorType"] == "ValueError" and line["stackTrace"]

    emf = [m for m in dlog.parse_lines(capsys.readouterr().out) if "_aws" in m]
    turns = [m for m in emf if "Turns" in m]
    assert {m["function"] for m in turns} == {"relay", "sink"}
    relay_turn = next(m for m in turns if m["function"] == "relay")
    assert relay_turn["MessagesApplied"] == 1 and relay_turn["TurnLatency"] >= 0
    assert relay_turn["actorId"] == "alice" and relay_turn["traceId"] == TRACE_ID
    assert sum(m.get("MessagesDeadLettered", 0) for m in emf) == 1
    sink_turn = next(m for m in turns if m["function"] == "sink")
    assert sink_turn["traceId"] == TRACE_ID  # two hops, one trace


def test_duplicates_and_sync_turns_are_counted(
        observed: io.StringIO, fabric: Fabric, capsys: pytest.CaptureFixture[str]) -> None:
    from durable_lambda.core.envelope import Envelope

    client = ActorClient("relay")
    assert client.call("carol", {}) == 1
    client.send("carol", {}, message_id="m-1")
    drain(fabric)
    # the same message again, past SQS's deduplication: the actor's applied ids skip it
    envelope = Envelope(kind="actor", target="relay", key="carol", payload={}, id="m-1")
    boto3.client("sqs", endpoint_url=fabric.endpoint_url, region_name="us-east-1").send_message(
        QueueUrl=fabric.queue, MessageBody=envelope.to_json(), MessageGroupId=envelope.group_id,
        MessageDeduplicationId="another")
    drain(fabric)
    emf = [m for m in dlog.parse_lines(capsys.readouterr().out) if "_aws" in m]
    assert sum(m.get("Turns", 0) for m in emf) == 3
    assert sum(m.get("MessagesApplied", 0) for m in emf) == 1
    assert sum(m.get("DuplicatesSkipped", 0) for m in emf) == 1
    assert client.call("carol", {}) == 3
