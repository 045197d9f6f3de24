"""CheckpointStore contract, run against every store in ``store_factories``.

HOSTING extends ``store_factories`` with the DynamoDB store (a factory takes the pytest
``request`` and returns a store whose clock the test cannot move: tests only rely on order).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from durable_lambda.core.errors import FencedError
from durable_lambda.workflows.errors import (
    CallbackNotFoundError,
    ExecutionBusyError,
    ExecutionNotFoundError,
    InvalidCheckpointError,
)
from durable_lambda.workflows.model import ErrorObject, ExecutionStatus, OperationUpdate
from durable_lambda.workflows.model import OperationAction as A
from durable_lambda.workflows.model import OperationStatus as S
from durable_lambda.workflows.model import OperationType as T
from durable_lambda.workflows.store import CheckpointStore, InMemoryStore

from .hosting_world import dynamodb_store

store_factories: list[tuple[str, Callable[[Any], CheckpointStore]]] = [
    ("memory", lambda request: InMemoryStore()),
    ("dynamodb", dynamodb_store),  # HOSTING: DynamoDBStore on the local fabric
]


@pytest.fixture(params=[f for _, f in store_factories], ids=[n for n, _ in store_factories])
def store(request: pytest.FixtureRequest) -> CheckpointStore:
    return request.param(request)


def step(op_id: str, action: A, **kw: Any) -> OperationUpdate:
    return OperationUpdate(id=op_id, type=T.STEP, action=action, name=op_id, sub_type="Step", **kw)


def test_start_execution_is_idempotent_by_name(store: CheckpointStore) -> None:
    first, created = store.start_execution("fn", '{"a":1}', name="order-1")
    again, created_again = store.start_execution("fn", '{"a":2}', name="order-1")
    other, _ = store.start_execution("fn", None)
    assert created and not created_again
    assert again.execution_id == first.execution_id and again.input == '{"a":1}'
    assert other.execution_id != first.execution_id
    assert store.get(first.execution_id).status is ExecutionStatus.RUNNING


def test_parent_is_kept(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("child", None, name="p:1",
                                   parent={"executionId": "p", "operationId": "1"})
    assert store.get(rec.execution_id).parent == {"executionId": "p", "operationId": "1"}


def test_unknown_execution(store: CheckpointStore) -> None:
    with pytest.raises(ExecutionNotFoundError):
        store.get("nope")


def test_lease_is_exclusive_and_fences_checkpoints(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "a", 60_000)
    with pytest.raises(ExecutionBusyError):
        store.acquire(rec.execution_id, "b", 60_000)
    with pytest.raises(FencedError):
        store.checkpoint(rec.execution_id, "b", [step("s1", A.START)])
    store.release(rec.execution_id, "a")
    store.acquire(rec.execution_id, "b", 60_000)
    with pytest.raises(FencedError):
        store.checkpoint(rec.execution_id, "a", [step("s1", A.START)])


def test_expired_lease_can_be_taken_over(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "a", 0)
    store.acquire(rec.execution_id, "b", 60_000)  # a's lease expired immediately
    with pytest.raises(FencedError):
        store.checkpoint(rec.execution_id, "a", [step("s1", A.START)])


def test_checkpoint_applies_in_order_and_keeps_first_commit_order(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "h", 60_000)
    out = store.checkpoint(rec.execution_id, "h", [step("s1", A.START), step("s2", A.START),
                                                   step("s1", A.SUCCEED, payload="1")])
    assert [o.status for o in out] == [S.STARTED, S.STARTED, S.SUCCEEDED]
    store.checkpoint(rec.execution_id, "h", [step("s2", A.FAIL, error=ErrorObject("E", "boom"))])
    ops = store.acquire(rec.execution_id, "h", 60_000).operations
    assert [o.id for o in ops] == ["s1", "s2"]
    assert ops[0].result == "1" and ops[0].attempt == 1
    assert ops[1].status is S.FAILED and ops[1].error == ErrorObject("E", "boom")


def test_checkpoint_is_all_or_nothing(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "h", 60_000)
    store.checkpoint(rec.execution_id, "h", [step("s1", A.START), step("s1", A.SUCCEED)])
    with pytest.raises(InvalidCheckpointError):
        store.checkpoint(rec.execution_id, "h", [step("s2", A.START), step("s1", A.SUCCEED)])
    assert [o.id for o in store.get(rec.execution_id).operations] == ["s1"]


def test_retry_then_success(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "h", 60_000)
    [op] = store.checkpoint(rec.execution_id, "h", [step("s", A.RETRY, error=ErrorObject("E", "x"),
                                                        next_attempt_delay_seconds=5)])
    assert op.status is S.PENDING and op.attempt == 1 and op.next_attempt_ms is not None
    store.checkpoint(rec.execution_id, "h", [step("s", A.START), step("s", A.SUCCEED, payload="2")])
    op = store.get(rec.execution_id).operations[0]
    assert op.status is S.SUCCEEDED and op.attempt == 2 and op.result == "2"


def test_wait_and_callback_start_fields(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "h", 60_000)
    wait, cb = store.checkpoint(rec.execution_id, "h", [
        OperationUpdate(id="w", type=T.WAIT, action=A.START, wait_seconds=30),
        OperationUpdate(id="c", type=T.CALLBACK, action=A.START, callback_timeout_seconds=60)])
    assert wait.scheduled_end_ms - wait.start_ms == 30_000
    assert cb.callback_id and cb.timeout_ms - cb.start_ms == 60_000
    assert store.find_callback(cb.callback_id) == (rec.execution_id, "c")
    with pytest.raises(CallbackNotFoundError):
        store.find_callback("missing")


def test_complete_external_is_conditional(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "h", 60_000)
    [cb] = store.checkpoint(rec.execution_id, "h", [
        OperationUpdate(id="c", type=T.CALLBACK, action=A.START)])
    store.release(rec.execution_id, "h")
    done = OperationUpdate(id="c", type=T.CALLBACK, action=A.SUCCEED, payload='"yes"')
    assert store.complete_external(rec.execution_id, "c", done) is True  # no lease needed
    assert store.complete_external(rec.execution_id, "c", done) is False  # duplicate: no change
    op = store.get(rec.execution_id).operations[0]
    assert op.status is S.SUCCEEDED and op.result == '"yes"'


def test_finish_records_terminal_status_and_releases(store: CheckpointStore) -> None:
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "h", 60_000)
    with pytest.raises(FencedError):
        store.finish(rec.execution_id, "other", ExecutionStatus.SUCCEEDED, result="1")
    store.finish(rec.execution_id, "h", ExecutionStatus.SUCCEEDED, result="1")
    got = store.get(rec.execution_id)
    assert got.status is ExecutionStatus.SUCCEEDED and got.result == "1"
    store.acquire(rec.execution_id, "other", 60_000)  # lease was released
    with pytest.raises(InvalidCheckpointError):
        store.checkpoint(rec.execution_id, "other", [step("late", A.START)])


def test_stop_ends_a_running_execution_and_fences_out_its_holder(store: CheckpointStore) -> None:
    """An operator's stop needs no lease: the holder still running the execution can neither
    checkpoint nor finish it afterwards, and a finished execution cannot be stopped."""
    rec, _ = store.start_execution("fn", None, name="to-stop")
    store.acquire(rec.execution_id, "h", 60_000)
    store.checkpoint(rec.execution_id, "h", [step("s1", A.START)])
    stopped = store.stop(rec.execution_id, ErrorObject("ExecutionStopped", "by test"))
    assert stopped.status is ExecutionStatus.STOPPED and stopped.name == "to-stop"
    got = store.get(rec.execution_id)
    assert got.status is ExecutionStatus.STOPPED
    assert got.error == ErrorObject("ExecutionStopped", "by test")
    assert [op.id for op in got.operations] == ["s1"]  # what it did is kept
    with pytest.raises((FencedError, InvalidCheckpointError)):
        store.checkpoint(rec.execution_id, "h", [step("s2", A.START)])
    with pytest.raises((FencedError, InvalidCheckpointError)):
        store.finish(rec.execution_id, "h", ExecutionStatus.SUCCEEDED, result="1")
    assert store.get(rec.execution_id).status is ExecutionStatus.STOPPED
    with pytest.raises(InvalidCheckpointError):
        store.stop(rec.execution_id, ErrorObject("ExecutionStopped", "again"))
    with pytest.raises(ExecutionNotFoundError):
        store.stop("no-such-execution", ErrorObject("ExecutionStopped", "x"))
