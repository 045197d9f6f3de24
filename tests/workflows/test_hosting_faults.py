"""Hosting guarantees under faults: crashes between checkpoint and effect, duplicate resumes,
busy leases, retries, callback timeouts/heartbeats, payload limits, bad events."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda.core import invoke
from durable_lambda.core.envelope import send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.workflows import (
    CallbackConfig,
    DurableContext,
    Duration,
    JsonSerDes,
    RetryDecision,
    StepConfig,
    durable_function,
)
from durable_lambda.workflows.callbacks import (
    complete_callback,
    expire_callback,
    handle_callback_event,
)
from durable_lambda.workflows.client import get_execution, start_execution, wait_for_result
from durable_lambda.workflows.errors import CallbackNotFoundError, PayloadTooLargeError
from durable_lambda.workflows.model import ExecutionStatus, OperationStatus, OperationType
from durable_lambda.workflows.resume import resume_envelope

from .hosting_world import World

EFFECTS: Counter[str] = Counter()  # side effects of steps, by name
CALLBACK_IDS: dict[str, str] = {}


@durable_function(name="wf-waiter")
def waiter(event: Any, ctx: DurableContext) -> Any:
    cb = ctx.create_callback(name="cb", config=CallbackConfig(  # JSON results, decoded
        timeout=event.get("timeout", 0), heartbeat_timeout=event.get("heartbeat", 0),
        serdes=JsonSerDes()))
    ctx.step(lambda _: (EFFECTS.update(["publish"]),
                        CALLBACK_IDS.__setitem__(ctx.execution_id, cb.callback_id))[0],
             name="publish")
    return cb.result()


@durable_function(name="wf-flaky")
def flaky(event: Any, ctx: DurableContext) -> Any:
    def attempt(_: Any) -> str:
        EFFECTS.update(["attempt"])
        if EFFECTS["attempt"] < 2:
            raise RuntimeError("transient")
        return "done"
    return ctx.step(attempt, name="flaky", config=StepConfig(
        retry_strategy=lambda error, n: RetryDecision.retry(Duration(seconds=1)) if n < 3
        else RetryDecision.no_retry()))


@durable_function(name="wf-adder")
def adder(event: Any, ctx: DurableContext) -> Any:
    return ctx.step(lambda _: event["n"] + 1, name="add")


@durable_function(name="wf-caller")
def caller(event: Any, ctx: DurableContext) -> Any:
    EFFECTS.update(["caller-run"])
    return ctx.invoke("wf-adder", {"n": event["n"]}, name="call")


@durable_function(name="wf-big")
def big(event: Any, ctx: DurableContext) -> Any:
    return ctx.step(lambda _: "x" * (300 * 1024), name="huge")


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda) -> Iterator[World]:
    w = World(fabric, local_lambda)
    w.deploy(waiter, flaky, adder, caller, big)
    EFFECTS.clear()
    CALLBACK_IDS.clear()
    yield w


def _resume(world: World, execution_id: str, function: str = "wf-waiter", **payload: Any) -> None:
    send(resume_envelope(function, execution_id, payload.pop("reason", "timer"), **payload))


def test_duplicate_resumes_are_harmless(world: World) -> None:
    eid = start_execution("wf-waiter", {})
    world.run_until(lambda: eid in CALLBACK_IDS)
    before = world.record(eid)
    for _ in range(3):  # a storm of resumes for a suspended execution
        _resume(world, eid, reason="callback", operation_id=before.operations[0].id)
    world.run_until(lambda: world.queue_depth() == 0)
    after = world.record(eid)
    assert after.operations == before.operations and after.status is ExecutionStatus.RUNNING
    assert EFFECTS["publish"] == 1
    assert complete_callback(CALLBACK_IDS[eid], result='"r"')
    world.run_until(world.finished(eid))
    for _ in range(2):  # and for a finished one
        _resume(world, eid, reason="callback")
    world.run_until(lambda: world.queue_depth() == 0)
    assert wait_for_result(eid, timeout=5) == "r" and EFFECTS["publish"] == 1


def test_busy_lease_fails_the_record_back_then_it_is_retried(world: World) -> None:
    eid = start_execution("wf-waiter", {})
    world.run_until(lambda: eid in CALLBACK_IDS)
    world.store.acquire(eid, "someone-else", 60_000)
    complete_callback(CALLBACK_IDS[eid], result='"late"')
    world.pump()  # the resume meets the held lease: reported as a batch item failure
    assert world.queue_depth() == 1 and world.store.describe(eid).status is ExecutionStatus.RUNNING
    world.store.release(eid, "someone-else", settled=False)
    world.run_until(world.finished(eid))
    assert get_execution(eid).result == "late"


def test_crash_between_checkpoint_and_child_start_is_recovered(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    real = invoke._override
    crashes = Counter[str]()

    def crashing(name: str, payload: Any, asynchronous: bool = False) -> Any:
        if name == "wf-adder" and not crashes["adder"]:
            crashes["adder"] += 1
            raise RuntimeError("injected: process died after the checkpoint")
        return real(name, payload, asynchronous)

    monkeypatch.setattr(invoke, "_override", crashing)
    eid = start_execution("wf-caller", {"n": 41})
    world.run_until(world.finished(eid))
    assert crashes["adder"] == 1
    assert wait_for_result(eid, timeout=5) == 42
    # the retried run found the CHAINED_INVOKE already checkpointed and started the child once
    ops = world.record(eid).operations
    assert [(op.type, op.status) for op in ops] == [
        (OperationType.CHAINED_INVOKE, OperationStatus.SUCCEEDED)]


def test_crash_right_after_a_checkpoint_resumes_without_redoing_the_step(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.workflows.dynamodb import DynamoDBStore
    real_checkpoint = DynamoDBStore.checkpoint

    def checkpoint_then_die(self: DynamoDBStore, *args: Any, **kwargs: Any) -> Any:
        ops = real_checkpoint(self, *args, **kwargs)
        if any(op.status is OperationStatus.SUCCEEDED for op in ops) and not EFFECTS["died"]:
            EFFECTS.update(["died"])
            raise RuntimeError("injected: crash after the checkpoint committed")
        return ops

    monkeypatch.setattr(DynamoDBStore, "checkpoint", checkpoint_then_die)
    eid = start_execution("wf-waiter", {})
    world.run_until(lambda: eid in CALLBACK_IDS)
    assert EFFECTS["died"] == 1 and EFFECTS["publish"] == 1  # the step ran once, not again
    complete_callback(CALLBACK_IDS[eid], result='"ok"')
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == "ok"


def test_step_retry_is_resumed_by_its_timer(world: World) -> None:
    eid = start_execution("wf-flaky", None)
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == "done" and EFFECTS["attempt"] == 2
    [op] = world.record(eid).operations
    assert op.status is OperationStatus.SUCCEEDED and op.attempt == 2


def test_callback_timeout_fails_the_execution(world: World) -> None:
    eid = start_execution("wf-waiter", {"timeout": 1})
    world.run_until(world.finished(eid))
    info = get_execution(eid)
    assert info.status is ExecutionStatus.FAILED
    assert info.error.error_type == \
        "aws_durable_execution_sdk_python.exceptions.CallbackTimeoutError"  # (Callback.Timeout)
    assert "timed out" in info.error.error_message
    assert complete_callback(CALLBACK_IDS[eid], result='"too late"') is False


def test_missed_heartbeat_times_the_callback_out(world: World) -> None:
    eid = start_execution("wf-waiter", {"heartbeat": 1, "timeout": 600})
    world.run_until(world.finished(eid))
    [cb] = [op for op in world.record(eid).operations if op.type is OperationType.CALLBACK]
    assert cb.status is OperationStatus.TIMED_OUT
    assert get_execution(eid).status is ExecutionStatus.FAILED


def test_heartbeat_extends_the_deadline(world: World) -> None:
    eid = start_execution("wf-waiter", {"heartbeat": 30, "timeout": 600})
    world.run_until(lambda: eid in CALLBACK_IDS)
    cb_id = CALLBACK_IDS[eid]
    first = world.store.callback_info(cb_id)["heartbeat_deadline_ms"]
    complete_callback(cb_id, heartbeat=True)
    extended = world.store.callback_info(cb_id)["heartbeat_deadline_ms"]
    assert extended > first
    # a check at the old deadline finds the heartbeat and re-arms instead of timing out
    assert expire_callback(cb_id, world.store, now_ms=first + 1) is None
    assert expire_callback(cb_id, world.store, now_ms=extended + 1) is True
    _resume(world, eid, reason="callback_timeout")  # what the firing timer does next
    world.run_until(world.finished(eid))
    info = get_execution(eid)
    assert info.status is ExecutionStatus.FAILED and "heartbeat" in info.error.error_message


def test_callback_through_the_signal_forwarder(world: World) -> None:
    from durable_lambda.platform import signal_forwarder as signal
    eid = start_execution("wf-waiter", {})
    world.run_until(lambda: eid in CALLBACK_IDS)
    event = {"id": "evt-1", "source": "durable-lambda", "detail-type": "WorkflowCallback",
             "detail": {"callbackId": CALLBACK_IDS[eid], "result": {"ok": True}}}
    assert signal.handler(event, None) == {"completed": True}
    assert signal.handler(event, None) == {"completed": False}  # redelivered event: no change
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == {"ok": True}
    with pytest.raises(CallbackNotFoundError):
        handle_callback_event({"callbackId": "unknown", "result": "1"})
    with pytest.raises(InvalidRequestError, match="result or an error"):
        handle_callback_event({"callbackId": CALLBACK_IDS[eid], "result": "1",
                               "error": {"ErrorType": "E"}})


def test_payload_limits_give_clear_errors(world: World) -> None:
    with pytest.raises(PayloadTooLargeError, match="400"):
        start_execution("wf-waiter", "x" * (401 * 1024))
    eid = start_execution("wf-big", None)
    world.run_until(world.finished(eid))
    info = get_execution(eid)
    assert info.status is ExecutionStatus.FAILED
    assert "PayloadTooLarge" in info.error.error_type + info.error.error_message


def test_malformed_and_foreign_records_are_dead_lettered(world: World) -> None:
    send(resume_envelope("wf-waiter", "no-such-execution", "timer"))
    from durable_lambda.core.envelope import Envelope
    send(Envelope(kind="actor", target="wf-waiter", key="a1", payload={}))
    world.run_until(lambda: world.queue_depth() == 0)
    import boto3
    sqs = boto3.client("sqs", endpoint_url=world.fabric.endpoint_url, region_name="us-east-1")
    dead = sqs.receive_message(QueueUrl=world.fabric.dlq, MaxNumberOfMessages=10,
                               MessageAttributeNames=["All"]).get("Messages", [])
    reasons = sorted(m["MessageAttributes"]["durable-error"]["StringValue"] for m in dead)
    assert len(reasons) == 2
    assert "no-such-execution" in reasons[0]
    assert reasons[1] == ("InvalidRequestError: workflow function received an 'actor' message")


def test_resumes_in_one_batch_make_one_run_per_execution(world: World) -> None:
    from durable_lambda.core import aws
    eids = [start_execution("wf-waiter", {}) for _ in range(2)]
    world.run_until(lambda: all(e in CALLBACK_IDS for e in eids))
    for eid in eids:
        for _ in range(2):
            _resume(world, eid, reason="callback")
    aws.call_counter.clear()
    assert world.poller.poll_once() == 4  # one batch: 2 executions x 2 resumes
    assert aws.call_counter["lambda.Invoke"] == 1  # the router invokes the function once
    assert aws.call_counter["dynamodb.Query"] == 2  # one load (one run) per execution
    assert world.queue_depth() == 0
    assert all(world.store.describe(e).status is ExecutionStatus.RUNNING for e in eids)


@durable_function(name="wf-self-completer")
def self_completer(event: Any, ctx: DurableContext) -> Any:
    cb = ctx.create_callback(name="cb", config=CallbackConfig(serdes=JsonSerDes()))

    def answer_and_lose_the_resume(_: Any) -> None:
        complete_callback(cb.callback_id, result='"answered"')
        # the resume it enqueued meets this run's lease and waits out SQS's visibility
        # timeout (minutes in AWS): take it off the queue to show it is not needed
        import boto3

        from durable_lambda.core.settings import get_settings
        sqs = boto3.client("sqs", endpoint_url=get_settings().endpoint_url,
                           region_name="us-east-1")
        sqs.purge_queue(QueueUrl=get_settings().queue)
    ctx.step(answer_and_lose_the_resume, name="answer")
    return cb.result()


def test_completion_during_the_run_resumes_after_release(world: World) -> None:
    world.deploy(self_completer)
    eid = start_execution("wf-self-completer", None)
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == "answered"
