"""DLQ redriver: keeps group and order, counts redrives, parks, loses nothing to a crash."""
from __future__ import annotations

import json
from typing import Any

import pytest

from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.platform import redriver
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LambdaContext

from .conftest import Peek


def _dead(peek: Peek, key: str, n: int, redrives: int | None = None,
          extra: dict[str, Any] | None = None) -> Envelope:
    """Put an actor message on the DLQ as the work queue's redrive would leave it."""
    envelope = Envelope(kind="actor", target="counter", key=key, payload={"n": n},
                        id=f"{key}-{n}")
    attributes = dict(extra or {})
    if redrives is not None:
        attributes[redriver.REDRIVES_ATTRIBUTE] = {"DataType": "Number",
                                                   "StringValue": str(redrives)}
    peek.send_fifo(peek.fabric.dlq, envelope.to_json(), envelope.group_id, envelope.dedup_id,
                   attributes)
    return envelope


def _by_group(messages: list[dict[str, Any]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for m in messages:
        out.setdefault(m["Attributes"]["MessageGroupId"], []).append(
            json.loads(m["Body"])["payload"]["n"])
    return out


def _attr(message: dict[str, Any], name: str) -> str:
    return str(message["MessageAttributes"][name]["StringValue"])


def test_redrive_keeps_group_order_body_and_attributes(fabric: Fabric, peek: Peek) -> None:
    sent = []
    for n in range(6):  # interleaved groups
        sent.append(_dead(peek, "a" if n % 2 else "b", n, extra={
            "trace": {"DataType": "String", "StringValue": f"t{n}"}}))
    report = redriver.redrive()
    assert (report.received, report.redriven, report.parked, report.failed) == (6, 6, 0, 0)
    assert report.stopped == "empty"
    moved = peek.drain(fabric.queue)
    assert _by_group(moved) == {"counter#a": [1, 3, 5], "counter#b": [0, 2, 4]}
    assert sorted(m["Body"] for m in moved) == sorted(e.to_json() for e in sent)
    assert {_attr(m, "trace") for m in moved} == {f"t{n}" for n in range(6)}
    assert {_attr(m, redriver.REDRIVES_ATTRIBUTE) for m in moved} == {"1"}
    assert peek.drain(fabric.dlq) == []


def test_the_counter_grows_and_messages_over_the_limit_are_parked(
        fabric: Fabric, peek: Peek) -> None:
    limit = 3
    _dead(peek, "a", 0, redrives=limit - 1)
    _dead(peek, "b", 0, redrives=limit)
    report = redriver.redrive(max_redrives=limit)
    assert (report.redriven, report.parked) == (1, 1)
    [back] = peek.drain(fabric.queue)
    assert back["Attributes"]["MessageGroupId"] == "counter#a"
    assert _attr(back, redriver.REDRIVES_ATTRIBUTE) == str(limit)
    [parked] = peek.drain(fabric.parked_queue)
    assert parked["Attributes"]["MessageGroupId"] == "counter#b"
    assert _attr(parked, redriver.REDRIVES_ATTRIBUTE) == str(limit + 1)
    assert "DURABLE_MAX_REDRIVES=3" in _attr(parked, redriver.PARKED_REASON_ATTRIBUTE)


def test_the_limit_comes_from_durable_max_redrives(fabric: Fabric, peek: Peek,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.core.settings import reset_settings
    monkeypatch.setenv("DURABLE_MAX_REDRIVES", "0")
    reset_settings()
    _dead(peek, "a", 0)
    assert redriver.redrive().parked == 1
    assert len(peek.drain(fabric.parked_queue)) == 1


def test_a_malformed_message_is_parked_at_once(fabric: Fabric, peek: Peek) -> None:
    peek.send_fifo(fabric.dlq, "{not an envelope", "malformed", "m1")
    report = redriver.redrive()
    assert (report.redriven, report.parked) == (0, 1)
    [parked] = peek.drain(fabric.parked_queue)
    assert parked["Body"] == "{not an envelope"
    assert "malformed" in _attr(parked, redriver.PARKED_REASON_ATTRIBUTE)
    assert peek.drain(fabric.queue) == []


def test_a_crash_between_send_and_delete_loses_nothing(fabric: Fabric, peek: Peek,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(4):
        _dead(peek, "a", n)
    in_flight: list[dict[str, Any]] = []

    def crash(sqs: Any, dlq: str, messages: list[dict[str, Any]]) -> None:
        in_flight.extend(messages)
        raise SystemExit("redriver killed after sending, before deleting")

    monkeypatch.setattr(redriver, "_delete", crash)
    with pytest.raises(SystemExit):
        redriver.redrive()
    monkeypatch.undo()
    # the visibility timeout of the crashed run's receive elapses (time skipped)
    for m in in_flight:
        peek.sqs.change_message_visibility(QueueUrl=fabric.dlq, ReceiptHandle=m["ReceiptHandle"],
                                           VisibilityTimeout=0)
    again = redriver.redrive()
    assert again.redriven == 4, "the re-run sends them again..."
    moved = peek.drain(fabric.queue)
    assert _by_group(moved) == {"counter#a": [0, 1, 2, 3]}, "...and SQS drops the copies"
    assert peek.drain(fabric.dlq) == []


def test_a_failed_send_leaves_the_rest_of_its_group_on_the_dlq_in_order(
        fabric: Fabric, peek: Peek, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        _dead(peek, "a", n)
    _dead(peek, "b", 0)
    real = redriver._forward
    seen: list[dict[str, Any]] = []

    def flaky(sqs: Any, message: dict[str, Any], *args: Any) -> bool:
        seen.append(message)
        if '"id":"a-1"' in message["Body"] and [m["Body"] for m in seen].count(
                message["Body"]) == 1:
            raise ConnectionError("SQS unreachable")
        return real(sqs, message, *args)

    monkeypatch.setattr(redriver, "_forward", flaky)
    sqs = aws.client("sqs")
    real_receive = sqs.receive_message
    received: list[dict[str, Any]] = []

    def receive(**kwargs: Any) -> dict[str, Any]:
        response = real_receive(**kwargs)
        received.extend(response.get("Messages", []))
        return response

    monkeypatch.setattr(sqs, "receive_message", receive)
    first = redriver.redrive()
    assert (first.redriven, first.failed) == (2, 2), "a1 failed, a2 held back behind it"
    assert _by_group(peek.drain(fabric.queue)) == {"counter#a": [0], "counter#b": [0]}
    assert "a-2" not in {json.loads(m["Body"])["id"] for m in seen}, "a2 never overtakes a1"
    # the visibility timeout elapses (time skipped): a1 and a2 are back on the DLQ, in order
    for m in received:
        if json.loads(m["Body"])["id"] in ("a-1", "a-2"):
            peek.sqs.change_message_visibility(
                QueueUrl=fabric.dlq, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    second = redriver.redrive()
    assert second.redriven == 2
    assert _by_group(peek.drain(fabric.queue)) == {"counter#a": [1, 2]}
    assert peek.drain(fabric.dlq) == []


def test_a_run_is_bounded_by_max_messages_and_time(fabric: Fabric, peek: Peek) -> None:
    for n in range(25):
        _dead(peek, f"g{n % 5}", n)
    report = redriver.redrive(max_messages=12)
    assert (report.received, report.stopped) == (12, "max_messages")
    assert len(peek.drain(fabric.queue)) == 12
    assert redriver.redrive(max_seconds=0).stopped == "deadline"
    assert redriver.redrive(max_messages=100).received == 13


def test_api_calls_per_redriven_message(fabric: Fabric, peek: Peek) -> None:
    for n in range(20):
        _dead(peek, f"g{n % 4}", n)
    aws.call_counter.clear()
    report = redriver.redrive()
    assert report.redriven == 20
    calls = dict(aws.call_counter)
    assert calls["sqs.SendMessage"] == 20
    assert calls["sqs.DeleteMessageBatch"] == report.batches
    assert calls["sqs.ReceiveMessage"] == report.batches + 1, "plus the empty receive"
    assert sum(calls.values()) <= 20 + 2 * 3 + 1


def test_the_handler_takes_max_messages_on_demand(fabric: Fabric, peek: Peek) -> None:
    for n in range(5):
        _dead(peek, "a", n)
    result = redriver.handler({"maxMessages": 2}, LambdaContext("durable-dlq-redriver"))
    assert (result["received"], result["redriven"], result["stopped"]) == (2, 2, "max_messages")
    scheduled = redriver.handler({"source": "aws.scheduler"}, LambdaContext("r"))
    assert scheduled["redriven"] == 3


@pytest.mark.parametrize("value", ["lots", 0, -1, 2.5, True, redriver.MAX_MESSAGES_LIMIT + 1])
def test_a_bad_max_messages_is_a_typed_error(fabric: Fabric, value: Any) -> None:
    with pytest.raises(InvalidRequestError, match="max_messages"):
        redriver.handler({"maxMessages": value}, None)


def test_runs_of_the_handler_take_turns_on_the_lease(fabric: Fabric, peek: Peek) -> None:
    from durable_lambda.platform.locks import Locks
    _dead(peek, "a", 0)
    other = Locks().acquire(redriver.LEASE_NAME, 60)
    assert other is not None
    aws.call_counter.clear()
    assert redriver.handler({}, LambdaContext("r"))["stopped"] == "busy"
    assert aws.call_counter == {"dynamodb.UpdateItem": 1}, "a busy run touches no queue"
    assert peek.drain(fabric.queue) == []
    Locks().release(other)
    assert redriver.handler({}, LambdaContext("r"))["redriven"] == 1
    assert Locks().acquire(redriver.LEASE_NAME, 60) is not None, "released after the run"
