"""Signals: publisher -> bus -> (local rule -> SQS) -> forwarder -> work queue / callbacks."""
from __future__ import annotations

import json
from typing import Any

import pytest

from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope
from durable_lambda.core.errors import InvalidRequestError, SerializationError
from durable_lambda.platform import signal_forwarder as signal_forwarder
from durable_lambda.platform import signals
from durable_lambda.testing.event_pump import EventPump
from durable_lambda.testing.fabric import Fabric
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.model import (
    ExecutionStatus,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
)

from .conftest import Peek


def _event(detail_type: str, detail: Any, event_id: str = "ev-1") -> dict[str, Any]:
    return {"version": "0", "id": event_id, "detail-type": detail_type,
            "source": "durable-lambda", "detail": detail}


def test_a_signal_reaches_the_work_queue_end_to_end(fabric: Fabric, peek: Peek) -> None:
    pump = EventPump()
    aws.call_counter.clear()
    message_id = signals.send_signal("counter", "a1", {"by": 2})
    assert dict(aws.call_counter) == {"events.PutEvents": 1}
    assert pump.drain() == 1
    assert dict(aws.call_counter) == {"events.PutEvents": 1, "sqs.SendMessage": 1}
    [message] = peek.drain(fabric.queue)
    envelope = Envelope.from_json(message["Body"])
    assert (envelope.kind, envelope.target, envelope.key, envelope.payload, envelope.id) == (
        "actor", "counter", "a1", {"by": 2}, message_id)
    assert message["Attributes"]["MessageGroupId"] == "counter#a1"


def test_signals_to_one_actor_keep_their_order(fabric: Fabric, peek: Peek) -> None:
    pump = EventPump()
    for n in range(5):
        signals.send_signal("counter", "a1", {"n": n})
    pump.drain()
    assert [b["payload"]["n"] for b in peek.bodies(fabric.queue)] == list(range(5))


def test_a_republished_signal_id_is_queued_once(fabric: Fabric, peek: Peek) -> None:
    pump = EventPump()
    signals.send_signal("counter", "a1", {"by": 1}, id="order-42")
    signals.send_signal("counter", "a1", {"by": 1}, id="order-42")
    assert pump.drain() == 2
    assert [b["id"] for b in peek.bodies(fabric.queue)] == ["order-42"]


def test_a_signal_without_id_gets_one_from_the_event_id(fabric: Fabric, peek: Peek) -> None:
    event = _event("ActorSignal", {"target": "counter", "actorId": "a1", "payload": 1}, "ev-9")
    assert signal_forwarder.handler(event, None) == {"queued": "sig:ev-9"}
    signal_forwarder.handler(event, None)  # EventBridge redelivers the same event
    assert [b["id"] for b in peek.bodies(fabric.queue)] == ["sig:ev-9"]


def _callback(store: DynamoDBStore) -> tuple[str, str]:
    """A running execution suspended on a CALLBACK operation: (execution id, callback id)."""
    record, _ = store.start_execution("approvals", json.dumps({"order": 1}))
    store.acquire(record.execution_id, "h1", 30_000)
    [op] = store.checkpoint(record.execution_id, "h1", [OperationUpdate(
        id="op-1", type=OperationType.CALLBACK, action=OperationAction.START, name="approve")])
    store.release(record.execution_id, "h1")
    assert op.callback_id
    return record.execution_id, op.callback_id


def test_a_callback_result_completes_the_callback_and_resumes_the_execution(
        fabric: Fabric, peek: Peek) -> None:
    store = DynamoDBStore()
    execution_id, callback_id = _callback(store)
    pump = EventPump()
    aws.call_counter.clear()
    signals.send_callback_result(callback_id, result=json.dumps({"approved": True}))
    assert pump.drain() == 1
    calls = dict(aws.call_counter)
    op = store.get(execution_id).operations[0]
    assert (op.status, op.result) == (OperationStatus.SUCCEEDED, '{"approved": true}')
    [resume] = peek.bodies(fabric.queue)
    assert (resume["kind"], resume["target"], resume["executionId"]) == (
        "workflow", "approvals", execution_id)
    assert resume["payload"]["reason"] == "callback"
    assert store.get(execution_id).status is ExecutionStatus.RUNNING
    assert calls["events.PutEvents"] == 1 and calls["sqs.SendMessage"] == 1


def test_a_callback_failure_fails_the_callback(fabric: Fabric) -> None:
    store = DynamoDBStore()
    execution_id, callback_id = _callback(store)
    pump = EventPump()
    signals.send_callback_result(callback_id, error=PermissionError("rejected by Bob"))
    pump.drain()
    op = store.get(execution_id).operations[0]
    assert op.status is OperationStatus.FAILED
    assert (op.error.error_type, op.error.error_message) == ("PermissionError", "rejected by Bob")


def test_the_callback_path_hands_the_detail_to_the_workflow_callbacks(
        fabric: Fabric, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    from durable_lambda.workflows import callbacks
    monkeypatch.setattr(callbacks, "handle_callback_event", lambda d: seen.append(d) or True)
    detail = {"callbackId": "cb-1", "heartbeat": True}
    assert signal_forwarder.handler(_event("WorkflowCallback", detail), None) == {
        "completed": True}
    assert seen == [detail]


@pytest.mark.parametrize("event, fault", [
    ("text", "must be an object"),
    (_event("Mystery", {}), "unknown detail-type 'Mystery'"),
    (_event("ActorSignal", "not an object"), "detail must be an object"),
    (_event("ActorSignal", {"actorId": "a1"}), "target"),
    (_event("ActorSignal", {"target": "counter"}), "actorId"),
    (_event("ActorSignal", {"target": "counter", "actorId": "a1", "id": 7}), "detail.id"),
    (_event("WorkflowCallback", {"result": "x"}), "callbackId"),
])
def test_bad_events_raise_a_typed_error_and_send_nothing(
        fabric: Fabric, peek: Peek, event: Any, fault: str) -> None:
    with pytest.raises(InvalidRequestError, match=fault):
        signal_forwarder.handler(event, None)
    assert peek.drain(fabric.queue) == []


def test_bad_events_never_fail_the_other_events_of_a_batch(fabric: Fabric, peek: Peek,
                                                          caplog: Any) -> None:
    good = _event("ActorSignal", {"target": "counter", "actorId": "a1", "payload": 1}, "ev-ok")
    bodies = ["{broken", json.dumps(_event("Mystery", {})), json.dumps(good),
              json.dumps(_event("WorkflowCallback", {"callbackId": "no-such-callback"}))]
    records = [{"messageId": f"m{i}", "body": body, "eventSource": "aws:sqs"}
               for i, body in enumerate(bodies)]
    assert signal_forwarder.handler({"Records": records}, None) == {"batchItemFailures": []}
    assert [b["id"] for b in peek.bodies(fabric.queue)] == ["sig:ev-ok"]
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 3 and any("CallbackNotFoundError" in m for m in dropped)


def test_a_transient_failure_is_retried_for_that_event_only(
        fabric: Fabric, peek: Peek, monkeypatch: pytest.MonkeyPatch) -> None:
    real_send = signal_forwarder.send
    attempts: list[str] = []

    def flaky(envelope: Envelope) -> str:
        attempts.append(envelope.key)
        if envelope.key == "a2" and attempts.count("a2") == 1:
            raise ConnectionError("SQS unreachable")
        return real_send(envelope)

    monkeypatch.setattr(signal_forwarder, "send", flaky)
    pump = EventPump()
    for actor_id in ("a1", "a2", "a3"):
        signals.send_signal("counter", actor_id, None)
    assert pump.drain() == 4, "three events, the failed one once more"
    assert sorted(b["actorId"] for b in peek.bodies(fabric.queue)) == ["a1", "a2", "a3"]


@pytest.mark.parametrize("call, error, fault", [
    (lambda: signals.send_signal("", "a1", 1), InvalidRequestError, "target"),
    (lambda: signals.send_signal("counter", "", 1), InvalidRequestError, "actorId"),
    (lambda: signals.send_signal("counter", "a1", 1, id=""), InvalidRequestError, "id"),
    (lambda: signals.send_signal("counter", "a1", {1, 2}), SerializationError, "JSON"),
    (lambda: signals.send_signal("counter", "a1", "x" * 300_000), InvalidRequestError,
     "at most"),
    (lambda: signals.send_callback_result(""), InvalidRequestError, "callbackId"),
    (lambda: signals.send_callback_result("cb", result="1", error="e"), InvalidRequestError,
     "not both"),
    (lambda: signals.send_callback_result("cb", result="1", heartbeat=True),
     InvalidRequestError, "heartbeat"),
    (lambda: signals.send_callback_result("cb", error=3.5), InvalidRequestError, "error"),
])
def test_bad_publisher_arguments_raise_typed_errors_and_publish_nothing(
        fabric: Fabric, call: Any, error: type, fault: str) -> None:
    with pytest.raises(error, match=fault):
        call()
    assert aws.call_counter["events.PutEvents"] == 0


def test_events_the_bus_rejects_raise_a_publish_error(fabric: Fabric,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    events = aws.client("events")
    calls: list[Any] = []

    def rejecting(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        return {"FailedEntryCount": 1, "Entries": [
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}]}

    monkeypatch.setattr(events, "put_events", rejecting)
    with pytest.raises(signals.SignalPublishError, match="ThrottlingException"):
        signals.send_signal("counter", "a1", 1)
    assert len(calls) == signals.MAX_ATTEMPTS
