"""Invocations in the history: each one's InvocationCompleted, a dead one (lease expired with no
outcome) recorded with an error by whoever takes over, and the SDK's resume of an at-most-once
step that was started but never finished (``StepInterruptedError``)."""
from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from durable_lambda.core import aws
from durable_lambda.testing.fabric import Fabric
from durable_lambda.workflows import StepConfig, StepSemantics, durable_execution
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.events import DEAD_INVOCATION_ERROR_TYPE
from durable_lambda.workflows.execution import DurableFunction
from durable_lambda.workflows.history import history_events
from durable_lambda.workflows.model import ErrorObject, ExecutionStatus
from durable_lambda.workflows.outcome import OutcomeStatus
from durable_lambda.workflows.store import CheckpointStore, InMemoryStore


class Crash(BaseException):
    """The invocation dies (Lambda timeout, out of memory): nothing is recorded, no release."""


class Clock:
    def __init__(self) -> None:
        self.ms = 1_700_000_000_000

    def __call__(self) -> int:
        return self.ms


def charging_workflow(crashes: list[int]) -> DurableFunction:
    @durable_execution
    def handler(event: Any, ctx: Any) -> str:
        def charge(_: Any) -> str:
            if not crashes:
                crashes.append(1)
                raise Crash()
            return "charged"
        return ctx.step(charge, name="charge", config=StepConfig(
            step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY))
    return handler


def run_with_a_death(store: CheckpointStore, clock: Clock, lease_ms: int,
                     expire: Callable[[], None]) -> tuple[str, list[int]]:
    crashes: list[int] = []
    fn = charging_workflow(crashes)
    record, _ = store.start_execution("fn", "null")
    eid = record.execution_id
    with pytest.raises(Crash):
        fn.run(store, eid, "dead-request:1", lease_ms=lease_ms)
    expire()
    for number in range(10):
        outcome = fn.run(store, eid, f"request-{number}:x", lease_ms=60_000)
        if outcome.status is not OutcomeStatus.SUSPENDED:
            break
        clock.ms = max(clock.ms, outcome.plan.earliest_due_ms or clock.ms)
    return eid, crashes


def check_death_history(store: Any, eid: str) -> None:
    record, events = store.load_history(eid)
    assert record.status is ExecutionStatus.SUCCEEDED and record.result == '"charged"'
    history = history_events(record, events)
    kinds = [e["EventType"] for e in history]
    assert kinds == ["ExecutionStarted", "StepStarted", "InvocationCompleted", "StepFailed",
                     "InvocationCompleted", "StepStarted", "StepSucceeded", "InvocationCompleted",
                     "ExecutionSucceeded"]
    dead = history[2]["InvocationCompletedDetails"]
    assert dead["RequestId"] == "dead-request"
    assert dead["Error"]["Payload"]["ErrorType"] == DEAD_INVOCATION_ERROR_TYPE
    assert "timed out" in dead["Error"]["Payload"]["ErrorMessage"]
    interrupted = history[3]["StepFailedDetails"]
    assert "StepInterruptedError" in interrupted["Error"]["Payload"]["ErrorType"]
    assert interrupted["RetryDetails"]["CurrentAttempt"] == 1
    assert all("Error" not in e["InvocationCompletedDetails"] for e in history[4::3]
               if e["EventType"] == "InvocationCompleted")


def test_a_dead_invocation_is_recorded_and_the_at_most_once_step_is_interrupted() -> None:
    clock = Clock()
    store = InMemoryStore(clock=clock)

    def expire() -> None:
        clock.ms += 2_000

    eid, crashes = run_with_a_death(store, clock, 1_000, expire)
    assert crashes == [1]  # the body ran once per attempt, never twice for the first
    check_death_history(store, eid)


def test_the_same_death_on_dynamodb_costs_no_extra_call(fabric: Fabric) -> None:
    clock = Clock()
    store = DynamoDBStore(clock=clock, retention_days=0)
    eid, _ = run_with_a_death(store, clock, 150, lambda: time.sleep(0.3))  # wall-clock lease
    check_death_history(store, eid)


def test_taking_over_records_the_dead_holder_inside_its_own_release(fabric: Fabric) -> None:
    store = DynamoDBStore(retention_days=0)
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "gone:1", 100)
    time.sleep(0.2)
    aws.call_counter.clear()
    store.acquire(eid, "next:2", 60_000)
    store.release(eid, "next:2")
    assert dict(aws.call_counter) == {"dynamodb.UpdateItem": 1, "dynamodb.Query": 1,
                                      "dynamodb.TransactWriteItems": 1}
    history = history_events(*store.load_history(eid))
    ends = [e["InvocationCompletedDetails"] for e in history
            if e["EventType"] == "InvocationCompleted"]
    assert [e["RequestId"] for e in ends] == ["gone", "next"]
    assert "Error" in ends[0] and "Error" not in ends[1]


def test_a_host_failure_is_the_invocation_error(fabric: Fabric) -> None:
    store = DynamoDBStore(retention_days=0)
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "req:1", 60_000)
    store.release(eid, "req:1", settled=False, error=ErrorObject("ThrottlingException", "slow"))
    [ended] = [e for e in history_events(*store.load_history(eid))
               if e["EventType"] == "InvocationCompleted"]
    assert ended["InvocationCompletedDetails"]["Error"]["Payload"]["ErrorType"] == \
        "ThrottlingException"


def test_a_duplicate_run_of_a_finished_execution_records_no_invocation() -> None:
    store = InMemoryStore()
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "a", 60_000)
    store.finish(eid, "a", ExecutionStatus.SUCCEEDED, result="1")
    store.acquire(eid, "b", 60_000)
    store.release(eid, "b")
    kinds = [e["EventType"] for e in history_events(*store.load_history(eid))]
    assert kinds == ["ExecutionStarted", "InvocationCompleted", "ExecutionSucceeded"]


class TickingClock(Clock):
    def __call__(self) -> int:
        self.ms += 1
        return self.ms


@pytest.mark.parametrize("backend", ["memory", "dynamodb"])
def test_invocations_failing_at_one_commit_keep_their_order_and_the_last_ends_it(
        backend: str, request: pytest.FixtureRequest) -> None:
    """Retries of an invocation that fails before checkpointing anything all know the same
    commit: they are listed in the order they ended (DynamoDB reads them by request id: here
    the reverse order), and the one that ends the execution carries its own error
    (``finish(invocation_error=)``) with no error-free InvocationCompleted after it."""
    clock = TickingClock()
    if backend == "dynamodb":
        request.getfixturevalue("fabric")
    store: CheckpointStore = InMemoryStore(clock=clock) if backend == "memory" else \
        DynamoDBStore(clock=clock, retention_days=0)
    eid = store.start_execution("fn", None)[0].execution_id
    for number, request_id in enumerate(["c", "b", "a"], 1):
        holder, error = f"{request_id}:x", ErrorObject("Transient", f"failed {number}")
        store.acquire(eid, holder, 60_000)
        if number < 3:
            store.release(eid, holder, error=error)
        else:
            store.finish(eid, holder, ExecutionStatus.FAILED, error=error, invocation_error=error)
    events = history_events(*store.load_history(eid))

    def summary(event: dict[str, Any]) -> tuple[str, Any, Any]:
        details = event.get(f"{event['EventType']}Details", {})
        error = (details.get("Error") or {}).get("Payload") or {}
        return event["EventType"], details.get("RequestId"), error.get("ErrorMessage")
    assert [summary(e) for e in events] == [
        ("ExecutionStarted", None, None), ("InvocationCompleted", "c", "failed 1"),
        ("InvocationCompleted", "b", "failed 2"), ("InvocationCompleted", "a", "failed 3"),
        ("ExecutionFailed", None, "failed 3")]


@pytest.mark.parametrize("backend", ["memory", "dynamodb"])
def test_the_failed_invocations_in_a_row_come_with_the_lease(
        backend: str, request: pytest.FixtureRequest) -> None:
    """``failed_invocations`` (the host's and the local runner's count for the last attempt):
    the trailing failed InvocationCompleted events, a dead holder taken over included; on
    DynamoDB kept on the header by ``release`` and read by ``acquire``, so no call of its own."""
    if backend == "dynamodb":
        request.getfixturevalue("fabric")
    store: CheckpointStore = InMemoryStore() if backend == "memory" else \
        DynamoDBStore(retention_days=0)
    eid = store.start_execution("fn", None)[0].execution_id
    counts = []

    def take(holder: str, lease_ms: int = 60_000) -> None:
        store.acquire(eid, holder, lease_ms)
        counts.append(store.failed_invocations(eid, holder))

    def fail(holder: str) -> None:  # as the host releases a failed invocation
        unsettled = {"settled": False} if backend == "dynamodb" else {}
        store.release(eid, holder, error=ErrorObject("Transient", holder), **unsettled)

    take("ok:1")
    store.release(eid, "ok:1")
    take("bad:2")
    fail("bad:2")
    take("gone:3", 100)
    time.sleep(0.2)  # its lease expires: it died
    aws.call_counter.clear()
    take("bad:4")
    fail("bad:4")
    if backend == "dynamodb":
        assert dict(aws.call_counter) == {"dynamodb.UpdateItem": 1, "dynamodb.Query": 1,
                                          "dynamodb.TransactWriteItems": 1}
    take("ok:5")
    ends = [e["InvocationCompletedDetails"] for e in history_events(*store.load_history(eid))
            if e["EventType"] == "InvocationCompleted"]
    assert [(e["RequestId"], "Error" in e) for e in ends][-3:] == [
        ("bad", True), ("gone", True), ("bad", True)]
    store.release(eid, "ok:5")
    take("next:6")
    assert counts == [0, 0, 1, 2, 3, 0]
