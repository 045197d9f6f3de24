"""Durable executions on the local fabric: step + wait + callback + invoke, end to end."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda.core import aws
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.workflows import CallbackConfig, DurableContext, JsonSerDes, durable_function
from durable_lambda.workflows.callbacks import complete_callback
from durable_lambda.workflows.client import get_execution, start_execution, wait_for_result
from durable_lambda.workflows.errors import CallbackNotFoundError, InvokeError
from durable_lambda.workflows.model import ExecutionStatus, OperationStatus, OperationType

from .hosting_world import World

CALLBACK_IDS: dict[str, str] = {}  # execution id -> callback id the workflow handed out
RUNS: list[str] = []


@durable_function(name="wf-child")
def child(event: Any, ctx: DurableContext) -> Any:
    doubled = ctx.step(lambda _: event["n"] * 2, name="double")
    if event.get("fail"):
        raise ValueError(f"child refused {doubled}")
    return doubled


@durable_function(name="wf-parent")
def parent(event: Any, ctx: DurableContext) -> Any:
    RUNS.append(ctx.execution_id)
    a = ctx.step(lambda _: event["x"] + 1, name="add")
    ctx.wait(1, name="pause")
    callback = ctx.create_callback(name="approval", config=CallbackConfig(serdes=JsonSerDes()))
    ctx.step(lambda _: CALLBACK_IDS.__setitem__(ctx.execution_id, callback.callback_id),
             name="publish")
    approved = callback.result()
    doubled = ctx.invoke("wf-child", {"n": a, "fail": event.get("child_fails", False)},
                         name="child")
    return {"a": a, "approved": approved, "doubled": doubled}


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda) -> Iterator[World]:
    w = World(fabric, local_lambda)
    w.deploy(parent, child)
    CALLBACK_IDS.clear()
    RUNS.clear()
    yield w


def test_step_wait_callback_invoke_end_to_end(world: World) -> None:
    eid = start_execution("wf-parent", {"x": 1}, name="order-1")
    world.run_until(lambda: eid in CALLBACK_IDS)  # step, wait (timer resume), callback
    record = world.record(eid)
    assert record.status is ExecutionStatus.RUNNING
    wait_op = next(op for op in record.operations if op.type is OperationType.WAIT)
    assert wait_op.status is OperationStatus.SUCCEEDED
    assert wait_op.end_ms >= wait_op.scheduled_end_ms

    assert complete_callback(CALLBACK_IDS[eid], result='"yes"') is True
    assert complete_callback(CALLBACK_IDS[eid], result='"again"') is False  # once only
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == {"a": 2, "approved": "yes", "doubled": 4}

    children = [op for op in world.record(eid).operations
                if op.type is OperationType.CHAINED_INVOKE]
    assert [(op.function_name, op.status) for op in children] == [
        ("wf-child", OperationStatus.SUCCEEDED)]
    child_id = world.store.find_by_name("wf-child", f"{eid}:{children[0].id}")
    assert get_execution(child_id).result == 4
    # the same name gives the same execution (and its result), not a new run
    assert start_execution("wf-parent", {"x": 100}, name="order-1") == eid
    assert wait_for_result(eid, timeout=5)["a"] == 2


def test_failed_callback_and_failed_child_surface_as_errors(world: World) -> None:
    eid = start_execution("wf-parent", {"x": 1, "child_fails": True})
    world.run_until(lambda: eid in CALLBACK_IDS)
    complete_callback(CALLBACK_IDS[eid], result='"ok"')
    world.run_until(world.finished(eid))
    with pytest.raises(InvokeError) as failed:
        wait_for_result(eid, timeout=5)
    assert "child refused 4" in str(failed.value)

    other = start_execution("wf-parent", {"x": 1})
    world.run_until(lambda: other in CALLBACK_IDS)
    complete_callback(CALLBACK_IDS[other], error={"ErrorType": "Rejected",
                                                  "ErrorMessage": "no approval"})
    world.run_until(world.finished(other))
    info = get_execution(other)
    assert info.status is ExecutionStatus.FAILED and "no approval" in info.error.error_message
    with pytest.raises(CallbackNotFoundError):
        complete_callback("no-such-callback", result='"x"')


def test_direct_invoke_starts_runs_and_is_idempotent_by_name(world: World) -> None:
    first = world.functions.invoke("wf-child", {"input": {"n": 5}, "name": "c-1"})
    assert first["status"] == "SUCCEEDED" and first["result"] == 10
    again = world.functions.invoke("wf-child", {"input": {"n": 7}, "name": "c-1"})
    assert again == first
    plain = world.functions.invoke("wf-child", {"n": 3})  # a plain input object
    assert plain["result"] == 6 and plain["executionId"] != first["executionId"]
    failed = world.functions.invoke("wf-child", {"input": {"n": 1, "fail": True}})
    assert failed["status"] == "FAILED" and failed["error"]["ErrorType"] == "ValueError"


def test_one_wait_costs_bounded_calls(world: World) -> None:
    """Budget guard: a start + wait + resume stays within a fixed number of AWS calls."""
    eid = start_execution("wf-parent", {"x": 1})
    world.run_until(lambda: eid in CALLBACK_IDS)
    ddb = sum(v for k, v in aws.call_counter.items() if k.startswith("dynamodb."))
    assert ddb <= 20, dict(aws.call_counter)


@durable_function(name="wf-sleeper")
def sleeper(event: Any, ctx: DurableContext) -> Any:
    ctx.wait(3600, name="an hour")
    return ctx.step(lambda _: "rested", name="after")


def test_long_wait_is_resumed_by_the_scheduler(fabric: Fabric, local_lambda: LocalLambda) -> None:
    from durable_lambda.testing.scheduler_pump import ManualClock
    clock = ManualClock()
    world = World(fabric, local_lambda, clock=clock)
    world.deploy(sleeper)
    eid = start_execution("wf-sleeper", None)
    world.run_until(lambda: world.queue_depth() == 0 and bool(world.record(eid).operations))
    assert world.scheduler.due() == [] and len(world.scheduler.schedule_names()) == 1
    assert world.store.describe(eid).status is ExecutionStatus.RUNNING
    clock.advance(3601)  # schedules fire on whole seconds, never early
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == "rested"
    assert world.scheduler.schedule_names() == []  # the one-shot schedule was deleted
