"""The redriver parks what can never be redriven (with the reason) instead of counting it
"failed" forever and holding its FIFO group; only transient faults leave a message on the DLQ."""
from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope
from durable_lambda.platform import redriver
from durable_lambda.testing.fabric import Fabric

from .conftest import Peek
from .records import actor_body


def _dead_body(peek: Peek, body: str, group: str, dedup: str,
               attributes: dict[str, Any] | None = None) -> None:
    peek.send_fifo(peek.fabric.dlq, body, group, dedup, attributes)


def _healthy(peek: Peek, key: str, n: int) -> Envelope:
    envelope = Envelope(kind="actor", target="counter", key=key, payload={"n": n},
                        id=f"{key}-{n}")
    _dead_body(peek, envelope.to_json(), envelope.group_id, envelope.dedup_id)
    return envelope


def _reason(message: dict[str, Any]) -> str:
    return str(message["MessageAttributes"][redriver.PARKED_REASON_ATTRIBUTE]["StringValue"])


@pytest.mark.parametrize("fault, body", [
    ("sentAt", actor_body("a", sentAt="abc")),
    ("sentAt", actor_body("a", sentAt={})),
    ("sentAt", actor_body("a").replace('"sentAt": 1', '"sentAt": 1e400')),
    ("actorId", actor_body("\U0001F600" * 1000)),
    ("target", actor_body("a", target="not a function")),
])
def test_a_message_that_can_never_succeed_is_parked_and_its_group_moves_on(
        fabric: Fabric, peek: Peek, fault: str, body: str) -> None:
    _dead_body(peek, body, "counter#a", "bad")
    after = _healthy(peek, "a", 1)
    other = _healthy(peek, "b", 1)
    report = redriver.redrive()
    assert (report.parked, report.redriven, report.failed) == (1, 2, 0)
    [parked] = peek.drain(fabric.parked_queue)
    assert parked["Body"] == body and fault in _reason(parked)
    assert sorted(json.loads(m["Body"])["id"] for m in peek.drain(fabric.queue)) == sorted(
        [after.id, other.id])
    assert peek.drain(fabric.dlq) == []


def _refuse(monkeypatch: pytest.MonkeyPatch, url: str, code: str, only: str = "") -> list[str]:
    """The work queue answers SendMessage with ``code`` (once per message whose body has
    ``only``)."""
    sqs = aws.client("sqs")
    real = sqs.send_message
    refused: list[str] = []

    def send_message(**kwargs: Any) -> Any:
        body = kwargs["MessageBody"]
        if kwargs["QueueUrl"] == url and only in body and body not in refused:
            refused.append(kwargs["MessageBody"])
            raise ClientError({"Error": {"Code": code, "Message": "refused"}}, "SendMessage")
        return real(**kwargs)

    monkeypatch.setattr(sqs, "send_message", send_message)
    return refused


def test_a_message_the_work_queue_refuses_for_good_is_parked_with_the_code(
        fabric: Fabric, peek: Peek, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _healthy(peek, "a", 0)
    second = _healthy(peek, "a", 1)
    _refuse(monkeypatch, fabric.queue, "InvalidParameterValue")
    report = redriver.redrive()
    assert (report.parked, report.redriven, report.failed) == (2, 0, 0)
    parked = peek.drain(fabric.parked_queue)
    assert [json.loads(m["Body"])["id"] for m in parked] == [first.id, second.id]
    assert all("InvalidParameterValue" in _reason(m) for m in parked)
    assert peek.drain(fabric.dlq) == []


def test_a_transient_refusal_leaves_the_message_and_its_group_on_the_dlq(
        fabric: Fabric, peek: Peek, monkeypatch: pytest.MonkeyPatch) -> None:
    _healthy(peek, "a", 0)
    _healthy(peek, "a", 1)
    other = _healthy(peek, "b", 0)
    _refuse(monkeypatch, fabric.queue, "ThrottlingException", only='"id":"a-0"')
    report = redriver.redrive(max_messages=3, visibility_timeout=0)
    assert (report.parked, report.redriven, report.failed) == (0, 1, 2), "a-1 held behind a-0"
    assert peek.drain(fabric.parked_queue) == []
    assert sorted(json.loads(m["Body"])["id"] for m in peek.drain(fabric.dlq)) == ["a-0", "a-1"]
    assert [json.loads(m["Body"])["id"] for m in peek.drain(fabric.queue)] == [other.id]


def test_ten_attributes_plus_the_counter_stay_within_what_sqs_accepts(
        fabric: Fabric, peek: Peek) -> None:
    """The send audit (conftest) fails the test if a send carries more than 10 attributes."""
    attributes = {f"user{i}": {"DataType": "String", "StringValue": str(i)} for i in range(10)}
    envelope = Envelope(kind="actor", target="counter", key="a", id="m")
    _dead_body(peek, envelope.to_json(), envelope.group_id, envelope.dedup_id, attributes)
    assert redriver.redrive().redriven == 1
    [moved] = peek.drain(fabric.queue)
    assert moved["MessageAttributes"][redriver.REDRIVES_ATTRIBUTE]["StringValue"] == "1"
    assert len(moved["MessageAttributes"]) == 10
