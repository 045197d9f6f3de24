"""History per attempt: retried steps and wait_for_condition polls, the same from both stores,
written inside the checkpoint transactions (no extra call) within DynamoDB's limits."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from durable_lambda.core import aws
from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.testing.fabric import Fabric
from durable_lambda.workflows import (
    Duration,
    RetryStrategyConfig,
    StepConfig,
    WaitForConditionConfig,
    WaitForConditionDecision,
    create_retry_strategy,
    durable_execution,
)
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.dynamodb.event_items import event_items
from durable_lambda.workflows.dynamodb.items import MAX_ITEM_BYTES
from durable_lambda.workflows.events import RETRY, EventRecord
from durable_lambda.workflows.execution import DurableFunction
from durable_lambda.workflows.history import history_events
from durable_lambda.workflows.model import ErrorObject, ExecutionStatus, OperationUpdate
from durable_lambda.workflows.model import OperationAction as A
from durable_lambda.workflows.model import OperationType as T
from durable_lambda.workflows.outcome import OutcomeStatus
from durable_lambda.workflows.store import CheckpointStore, InMemoryStore


class Clock:
    def __init__(self) -> None:
        self.ms = 1_700_000_000_000

    def __call__(self) -> int:
        return self.ms


def flaky_handler(failures: int) -> DurableFunction:
    calls = {"n": 0}
    strategy = create_retry_strategy(RetryStrategyConfig(
        max_attempts=failures + 1, initial_delay=Duration(seconds=2)))

    @durable_execution
    def handler(event: Any, ctx: Any) -> str:
        def flaky(_: Any) -> str:
            calls["n"] += 1
            if calls["n"] <= failures:
                raise ValueError(f"boom {calls['n']}")
            return "ok"
        return ctx.step(flaky, name="flaky", config=StepConfig(retry_strategy=strategy))
    return handler


def polling_handler(polls: int) -> DurableFunction:
    config = WaitForConditionConfig(
        wait_strategy=lambda state, attempt: (
            WaitForConditionDecision.continue_waiting(5) if state < polls
            else WaitForConditionDecision.stop_polling()),
        initial_state=0)

    @durable_execution
    def handler(event: Any, ctx: Any) -> int:
        return ctx.wait_for_condition(lambda state, _ctx: state + 1, config, name="poll")
    return handler


def drive(store: CheckpointStore, clock: Clock, fn: DurableFunction) -> str:
    """Run invocations as the service would (time skipped to each due timer)."""
    record, _ = store.start_execution("fn", "null")
    for number in range(50):
        outcome = fn.run(store, record.execution_id, f"request-{number}:x")
        if outcome.status is not OutcomeStatus.SUSPENDED:
            return record.execution_id
        clock.ms = max(clock.ms, outcome.plan.earliest_due_ms or clock.ms)
    raise AssertionError("did not finish in 50 invocations")


def history(store: Any, execution_id: str) -> list[dict[str, Any]]:
    return history_events(*store.load_history(execution_id))


def shape(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    out = []
    for e in events:
        details = e.get(f"{e['EventType']}Details", {})
        error = (details.get("Error") or {}).get("Payload") or {}
        retry = details.get("RetryDetails")
        if retry and "NextAttemptDelaySeconds" in retry:  # jittered: only its presence compares
            retry = {**retry, "NextAttemptDelaySeconds": retry["NextAttemptDelaySeconds"] >= 1}
        out.append((e["EventType"], e.get("Name"), retry,
                    error.get("ErrorType"), (details.get("Result") or {}).get("Payload")))
    return out


RETRIED = ["ExecutionStarted",
           "StepStarted", "StepFailed", "InvocationCompleted",
           "StepStarted", "StepFailed", "InvocationCompleted",
           "StepStarted", "StepFailed", "InvocationCompleted",
           "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"]


def same_on_both_stores(fn: Callable[[], DurableFunction]) -> list[tuple[Any, ...]]:
    """Drive a fresh ``fn()`` on InMemoryStore and on DynamoDBStore; their histories must be
    the same; returns it."""
    runs = []
    for make in (lambda c: InMemoryStore(clock=c), lambda c: DynamoDBStore(clock=c)):
        clock = Clock()
        store = make(clock)
        runs.append(shape(history(store, drive(store, clock, fn()))))
    memory, dynamo = runs
    assert memory == dynamo
    return memory


def test_a_step_failing_three_times_shows_every_attempt_on_both_stores(fabric: Fabric) -> None:
    memory = same_on_both_stores(lambda: flaky_handler(3))
    assert [e[0] for e in memory] == RETRIED
    failed = [e for e in memory if e[0] == "StepFailed"]
    assert [f[2]["CurrentAttempt"] for f in failed] == [1, 2, 3]
    assert all(f[2]["NextAttemptDelaySeconds"] is True and f[3] for f in failed)
    assert memory[-3][4] == '"ok"'


def test_the_local_runner_shows_every_attempt() -> None:
    result = DurableTestRunner(flaky_handler(3)).run()
    assert result.status is ExecutionStatus.SUCCEEDED
    assert [e["EventType"] for e in result.history] == RETRIED
    assert [e["EventId"] for e in result.history] == list(range(1, len(RETRIED) + 1))
    assert len(result.invocations) == 4


def test_each_condition_poll_that_continues_is_a_succeeded_attempt(fabric: Fabric) -> None:
    memory = same_on_both_stores(lambda: polling_handler(3))
    assert [e[0] for e in memory] == [
        "ExecutionStarted",
        "StepStarted", "StepSucceeded", "InvocationCompleted",
        "StepStarted", "StepSucceeded", "InvocationCompleted",
        "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"]
    polls = [e for e in memory if e[0] == "StepSucceeded"]
    assert [p[4] for p in polls] == ["1", "2", "3"]  # Result = the state after each poll
    assert [p[2] for p in polls[:2]] == [{"CurrentAttempt": 1, "NextAttemptDelaySeconds": True},
                                         {"CurrentAttempt": 2, "NextAttemptDelaySeconds": True}]


def test_per_attempt_history_costs_no_extra_call(fabric: Fabric) -> None:
    store = DynamoDBStore()
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    aws.call_counter.clear()
    store.checkpoint(eid, "h", [step("s", A.START), step("s", A.RETRY, error=boom())])
    assert dict(aws.call_counter) == {"dynamodb.TransactWriteItems": 1}
    aws.call_counter.clear()
    store.release(eid, "h")
    assert dict(aws.call_counter) == {"dynamodb.TransactWriteItems": 1}
    store.acquire(eid, "h2", 60_000)
    aws.call_counter.clear()
    store.checkpoint(eid, "h2", [step("s", A.START), step("s", A.SUCCEED, payload='"ok"')])
    assert dict(aws.call_counter) == {"dynamodb.TransactWriteItems": 1}
    kinds = [e["EventType"] for e in history(store, eid)]
    assert kinds == ["ExecutionStarted", "StepStarted", "StepFailed", "InvocationCompleted",
                     "StepStarted", "StepSucceeded"]


def step(op_id: str, action: A, **kw: Any) -> OperationUpdate:
    return OperationUpdate(id=op_id, type=T.STEP, action=action, name=op_id, sub_type="Step",
                           **kw)


def boom() -> ErrorObject:
    return ErrorObject("ValueError", "boom")


def test_large_attempt_states_are_split_within_the_item_and_transaction_limits(
        fabric: Fabric) -> None:
    store = DynamoDBStore()
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    big = '"' + "x" * (300 * 1024) + '"'  # each poll state: 300 KB, twice (op item + event)
    updates = [u for i in range(8) for u in (
        step(f"p{i}", A.START), step(f"p{i}", A.RETRY, payload=big, next_attempt_delay_seconds=5))]
    aws.call_counter.clear()
    store.checkpoint(eid, "h", updates)
    # 8 x (300 KB op item + 300 KB event item) = 4.8 MB: two transactions under 4 MB each
    assert aws.call_counter["dynamodb.TransactWriteItems"] == 2
    succeeded = [e for e in history(store, eid) if e["EventType"] == "StepSucceeded"]
    assert len(succeeded) == 8
    assert all(e["StepSucceededDetails"]["Result"]["Payload"] == big for e in succeeded)


def test_many_attempt_events_respect_the_100_item_transaction_limit(fabric: Fabric) -> None:
    store = DynamoDBStore()
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    updates = [u for i in range(60) for u in (step(f"s{i:02d}", A.START),
                                              step(f"s{i:02d}", A.RETRY, error=boom()))]
    aws.call_counter.clear()
    store.checkpoint(eid, "h", updates)
    assert aws.call_counter["dynamodb.TransactWriteItems"] == 2  # 120 items + fences
    events = history(store, eid)
    assert sum(e["EventType"] == "StepFailed" for e in events) == 60
    assert [e["EventId"] for e in events] == list(range(1, len(events) + 1))


def test_event_records_past_the_item_limit_are_split_over_items() -> None:
    records = [EventRecord(seq, RETRY, 0, "op", attempt=seq, payload="y" * (150 * 1024))
               for seq in range(1, 6)]
    items = event_items("e", records, "op", "op")
    assert len(items) == 3
    assert all(len(item["ev"]["S"].encode()) < MAX_ITEM_BYTES for item in items)
    assert [item["sk"]["S"] for item in items] == [
        "ev#000000000001#op", "ev#000000000003#op", "ev#000000000005#op"]


def test_one_record_too_large_for_an_item_is_refused_before_writing() -> None:
    from durable_lambda.workflows.errors import PayloadTooLargeError
    with pytest.raises(PayloadTooLargeError, match="event RETRY"):
        event_items("e", [EventRecord(1, RETRY, 0, "op", payload="z" * MAX_ITEM_BYTES)], "op",
                    "operation 'op'")
