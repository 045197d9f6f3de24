"""Callback deadlines are their own timers (``Callback.Timeout`` / ``Callback.Heartbeat``, at
their own time), ``CallbackStartedDetails`` carries the timeouts, and ``ChainedInvokeStarted``
names the child execution — on the local runner and on the fabric."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.scheduler_pump import ManualClock
from durable_lambda.workflows import CallbackConfig, DurableContext, durable_function
from durable_lambda.workflows.client import get_execution_history, start_execution
from durable_lambda.workflows.history import history_events
from durable_lambda.workflows.model import ExecutionStatus, OperationUpdate
from durable_lambda.workflows.model import OperationAction as A
from durable_lambda.workflows.model import OperationType as T
from durable_lambda.workflows.outcome import child_execution_id
from durable_lambda.workflows.store import InMemoryStore

from .hosting_world import World


@durable_function(name="cb-during-wait")
def callback_during_wait(event: Any, ctx: DurableContext) -> str:
    cb = ctx.create_callback(name="cb", config=CallbackConfig(
        timeout=event.get("timeout", 0), heartbeat_timeout=event.get("heartbeat", 0)))
    ctx.wait(6, name="w")
    try:
        return cb.result()
    except Exception as exc:  # noqa: BLE001 - the test reads what the callback recorded
        return type(exc).__name__


@durable_function(name="hist-child")
def child(event: Any, ctx: DurableContext) -> int:
    return ctx.step(lambda _: event["n"] * 2, name="double")


@durable_function(name="hist-parent")
def parent(event: Any, ctx: DurableContext) -> int:
    return ctx.invoke("hist-child", {"n": 21}, name="child")


def types(history: list[dict[str, Any]]) -> list[str]:
    return [e["EventType"] for e in history]


def detail(history: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    [event] = [e for e in history if e["EventType"] == event_type]
    return event[f"{event_type}Details"]


def check_timed_out_before_the_wait(history: list[dict[str, Any]], error_type: str) -> None:
    kinds = types(history)
    assert kinds.index("CallbackTimedOut") < kinds.index("WaitSucceeded")
    error = detail(history, "CallbackTimedOut")["Error"]["Payload"]
    assert error["ErrorType"] == error_type
    assert kinds[-1] == "ExecutionSucceeded"


def test_runner_a_3s_callback_timeout_during_a_6s_wait_times_out_first() -> None:
    result = DurableTestRunner(callback_during_wait).run({"timeout": 3})
    assert result.status is ExecutionStatus.SUCCEEDED
    check_timed_out_before_the_wait(result.history, "Callback.Timeout")
    assert types(result.history) == [
        "ExecutionStarted", "CallbackStarted", "WaitStarted", "InvocationCompleted",
        "CallbackTimedOut", "InvocationCompleted", "WaitSucceeded", "InvocationCompleted",
        "ExecutionSucceeded"]
    assert detail(result.history, "CallbackStarted")["Timeout"] == 3
    assert detail(result.history, "CallbackTimedOut")["Error"]["Payload"]["ErrorMessage"] == \
        "Callback timed out"


def test_runner_a_heartbeat_deadline_passed_by_a_wait_is_callback_heartbeat() -> None:
    result = DurableTestRunner(callback_during_wait).run({"heartbeat": 2})
    check_timed_out_before_the_wait(result.history, "Callback.Heartbeat")
    started = detail(result.history, "CallbackStarted")
    assert started["HeartbeatTimeout"] == 2 and "Timeout" not in started


def test_runner_a_callback_with_a_later_deadline_is_left_to_the_test() -> None:
    runner = DurableTestRunner(callback_during_wait)
    waiting = runner.run({"timeout": 60})  # after the wait: the test may still answer
    assert waiting.status is ExecutionStatus.RUNNING
    assert "CallbackTimedOut" not in types(waiting.history)
    assert types(runner.advance_time(60).history)[-1] == "ExecutionSucceeded"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda, clock: ManualClock) -> Iterator[World]:
    w = World(fabric, local_lambda, clock=clock)
    w.deploy(callback_during_wait, parent, child)
    yield w


def test_fabric_a_3s_callback_timeout_during_a_6s_wait_times_out_first(
        world: World, clock: ManualClock) -> None:
    eid = start_execution("cb-during-wait", {"timeout": 3, "heartbeat": 60})
    world.run_until(lambda: world.queue_depth() == 0 and len(world.scheduler.schedule_names()) == 2)
    clock.advance(4)  # the callback's own deadline fires; the wait is not due yet
    world.run_until(lambda: any(e["EventType"] == "CallbackTimedOut" for e in
                                history_events(*world.store.load_history(eid))))
    clock.advance(3)
    world.run_until(world.finished(eid))
    history = get_execution_history(eid)  # what a user reads: one Query
    check_timed_out_before_the_wait(history, "Callback.Timeout")
    started = detail(history, "CallbackStarted")
    assert (started["Timeout"], started["HeartbeatTimeout"]) == (3, 60)
    assert world.store.describe(eid).result in ('"CallbackTimeoutError"', '"CallbackError"')


def test_runner_chained_invoke_names_the_child_execution() -> None:
    runner = DurableTestRunner(parent, functions={"hist-child": child})
    result = runner.run()
    assert result.result == 42
    started = detail(result.history, "ChainedInvokeStarted")
    child_id = started["DurableExecutionArn"]
    assert started["ExecutedVersion"] == "$LATEST"  # an unqualified function name
    assert child_id == child_execution_id(result.execution_id, result.get_operation("child").id)
    child_history = runner.result(child_id).history
    assert child_history[0]["Id"] == child_id and types(child_history)[-1] == "ExecutionSucceeded"


def test_fabric_chained_invoke_names_the_child_execution(world: World) -> None:
    eid = start_execution("hist-parent", {})
    world.run_until(world.finished(eid))
    history = history_events(*world.store.load_history(eid))
    started = detail(history, "ChainedInvokeStarted")
    [op] = world.record(eid).operations
    assert started["DurableExecutionArn"] == world.store.find_by_name("hist-child",
                                                                      f"{eid}:{op.id}")
    assert world.store.describe(started["DurableExecutionArn"]).result == "42"


def test_tenant_id_is_carried_to_chained_invoke_started() -> None:
    store = InMemoryStore()
    record, _ = store.start_execution("fn", None)
    store.acquire(record.execution_id, "h", 60_000)
    store.checkpoint(record.execution_id, "h", [OperationUpdate(
        id="i", type=T.CHAINED_INVOKE, action=A.START, name="pay", function_name="payments",
        payload="{}", tenant_id="tenant-7")])
    history = history_events(*store.load_history(record.execution_id))
    started = detail(history, "ChainedInvokeStarted")
    assert started["TenantId"] == "tenant-7" and started["FunctionName"] == "payments"


def test_executed_version_is_the_numeric_qualifier_or_latest() -> None:
    from durable_lambda.workflows.history import executed_version
    assert executed_version("pay") == "$LATEST"
    assert executed_version("pay:7") == "7"
    assert executed_version("pay:live") is None  # an alias: Lambda resolves it
    assert executed_version("arn:aws:lambda:us-east-1:123456789012:function:pay:3") == "3"
    assert executed_version("arn:aws:lambda:us-east-1:123456789012:function:pay") == "$LATEST"
