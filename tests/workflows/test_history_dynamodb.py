"""History of executions stored in DynamoDB: commit sequence numbers and EventId order.

The fabric run uses a frozen ``ManualClock`` (advanced only to let the wait elapse), so
timestamps tie and only the commit numbers recorded by ``DynamoDBStore`` can put an outside
callback completion after the operations that ran before it while the execution suspended.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from durable_lambda.core import aws
from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.scheduler_pump import ManualClock
from durable_lambda.workflows import DurableContext, durable_function
from durable_lambda.workflows.callbacks import complete_callback
from durable_lambda.workflows.client import start_execution, wait_for_result
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.dynamodb.items import header_key
from durable_lambda.workflows.history import history_events
from durable_lambda.workflows.model import (
    ExecutionRecord,
    ExecutionStatus,
    Operation,
    OperationUpdate,
)
from durable_lambda.workflows.model import OperationAction as A
from durable_lambda.workflows.model import OperationType as T

from .hosting_world import World

PUBLISHED: dict[str, str] = {}  # execution id -> callback id handed out


@durable_function(name="hist-flow")
def flow(event: Any, ctx: DurableContext) -> Any:
    a = ctx.step(lambda _: event["x"] + 1, name="add")
    ctx.wait(3600, name="pause")
    callback = ctx.create_callback(name="approval")
    ctx.step(lambda _: PUBLISHED.__setitem__(ctx.execution_id, callback.callback_id),
             name="publish")
    approved = callback.result()
    inner = ctx.run_in_child_context(
        lambda child: child.step(lambda _: a * 10, name="inner"), name="group")
    return ctx.step(lambda _: f"{approved}-{inner}", name="finish")


def shape(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(e["EventType"], e.get("Name")) for e in events]


def leased(eid: str) -> bool:
    item = aws.client("dynamodb").get_item(
        TableName=DynamoDBStore().table, Key=header_key(eid),
        ConsistentRead=True)["Item"]
    return "lease_holder" in item


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda, clock: ManualClock) -> Iterator[World]:
    w = World(fabric, local_lambda, clock=clock)
    w.deploy(flow)
    PUBLISHED.clear()
    yield w


def run_on_fabric(world: World, clock: ManualClock) -> ExecutionRecord:
    eid = start_execution("hist-flow", {"x": 1})
    world.run_until(lambda: world.queue_depth() == 0 and bool(world.scheduler.schedule_names()))
    clock.advance(3601)  # the wait's schedule fires (on whole seconds, never early)
    world.run_until(lambda: eid in PUBLISHED and world.queue_depth() == 0 and not leased(eid))
    # suspended on the callback, lease released: complete it from outside
    assert complete_callback(PUBLISHED[eid], result='"yes"', store=world.store) is True
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == '"yes"-20'  # a callback result is the raw string
    return world.record(eid)


def run_locally() -> ExecutionRecord:
    runner = DurableTestRunner(flow)
    waiting = runner.run({"x": 1})
    [callback] = waiting.pending_callbacks
    done = runner.send_callback_success(callback.callback_id, "yes")
    assert done.status is ExecutionStatus.SUCCEEDED and done.result == '"yes"-20'
    return runner.store.get(done.execution_id)


def by_name(record: ExecutionRecord, name: str) -> Operation:
    [op] = [op for op in record.operations if op.name == name]
    return op


def test_fabric_history_is_in_commit_order_like_the_local_runner(
        world: World, clock: ManualClock) -> None:
    record = run_on_fabric(world, clock)
    assert {op.type for op in record.operations} >= {T.STEP, T.WAIT, T.CALLBACK, T.CONTEXT}
    for op in record.operations:
        assert op.start_seq is not None and op.end_seq is not None, op
        assert op.start_seq <= op.end_seq, op
    numbers = [n for op in record.operations for n in {op.start_seq, op.end_seq}]
    assert len(numbers) == len(set(numbers)), "a commit number was handed out twice"

    events = history_events(record)
    assert [e["EventId"] for e in events] == list(range(1, len(events) + 1))
    assert shape(events) == shape(history_events(run_locally()))
    assert shape(events)[0][0] == "ExecutionStarted"
    assert shape(events)[-1][0] == "ExecutionSucceeded"


def test_outside_callback_completion_sits_between_suspension_and_resume(
        world: World, clock: ManualClock) -> None:
    record = run_on_fabric(world, clock)
    callback, publish = by_name(record, "approval"), by_name(record, "publish")
    later = [by_name(record, n) for n in ("group", "inner", "finish")]
    assert callback.start_seq < publish.start_seq < publish.end_seq < callback.end_seq
    assert all(callback.end_seq < op.start_seq for op in later)

    order = shape(history_events(record))
    at = order.index
    assert at(("CallbackStarted", "approval")) < at(("StepSucceeded", "publish")) \
        < at(("CallbackSucceeded", "approval")) < at(("ContextStarted", "group")) \
        < at(("StepStarted", "inner")) < at(("StepStarted", "finish"))
    # the frozen clock makes timestamps tie: without the numbers the order would differ
    unnumbered = replace(record, operations=[
        op.with_changes(start_seq=None, end_seq=None) for op in record.operations])
    assert shape(history_events(unnumbered)) != order


def step(op_id: str, action: A = A.SUCCEED) -> OperationUpdate:
    return OperationUpdate(id=op_id, type=T.STEP, action=action, name=op_id,
                           payload='"r"' if action is A.SUCCEED else None)


def test_holder_renumbers_after_outside_completions_and_finishes_last(fabric: Fabric) -> None:
    store = DynamoDBStore()
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    store.checkpoint(eid, "h", [OperationUpdate(id="c", type=T.CALLBACK, action=A.START),
                                step("s1", A.START)])
    # completed from outside while the holder runs: the holder's known counter is stale
    assert store.complete_external(eid, "c", OperationUpdate(
        id="c", type=T.CALLBACK, action=A.SUCCEED, payload="1"))
    aws.call_counter.clear()
    [s1] = store.checkpoint(eid, "h", [step("s1")])
    assert aws.call_counter["dynamodb.TransactWriteItems"] == 2  # lost the race once, renumbered
    store.checkpoint(eid, "h", [step("s2", A.START), step("s2"),
                                OperationUpdate(id="c2", type=T.CALLBACK, action=A.START)])
    assert store.complete_external(eid, "c2", OperationUpdate(
        id="c2", type=T.CALLBACK, action=A.SUCCEED, payload="2"))
    store.finish(eid, "h", ExecutionStatus.SUCCEEDED, result="3")  # renumbers past c2 too

    final = store.get(eid)
    ops = {op.id: op for op in final.operations}
    commits = [ops["c"].start_seq, ops["s1"].start_seq, ops["c"].end_seq, ops["s1"].end_seq,
               ops["s2"].start_seq, ops["s2"].end_seq, ops["c2"].start_seq, ops["c2"].end_seq]
    assert commits == sorted(commits) and len(set(commits)) == len(commits), commits
    assert s1.end_seq == ops["s1"].end_seq  # what checkpoint returned is what was stored
    assert final.version > max(commits)
    assert shape(history_events(final))[-2:] == [("CallbackSucceeded", None),
                                                 ("ExecutionSucceeded", None)]


def test_chunked_checkpoint_numbers_updates_in_order(fabric: Fabric) -> None:
    store = DynamoDBStore()
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    updates = [u for i in range(120) for u in (step(f"s{i:03d}", A.START), step(f"s{i:03d}"))]
    aws.call_counter.clear()
    store.checkpoint(eid, "h", updates)
    assert aws.call_counter["dynamodb.TransactWriteItems"] == 2  # 99 + 21 operations
    loaded = store.get(eid)
    numbers = [n for op in loaded.operations for n in (op.start_seq, op.end_seq)]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    store.checkpoint(eid, "h", [step("after")])
    assert store.get(eid).operations[-1].end_seq > numbers[-1]
