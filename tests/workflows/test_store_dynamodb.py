"""DynamoDBStore on the local AWS: leases, fencing, ordering, chunking, indexes, limits."""
from __future__ import annotations

import time

import pytest

from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError
from durable_lambda.testing.fabric import Fabric
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.errors import (
    CallbackNotFoundError,
    ExecutionBusyError,
    ExecutionNotFoundError,
    InvalidCheckpointError,
    PayloadTooLargeError,
)
from durable_lambda.workflows.model import (
    ErrorObject,
    ExecutionStatus,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
)

A, S, F = OperationAction, OperationStatus, OperationType


def step(op_id: str, action: OperationAction = A.SUCCEED, payload: str | None = '"ok"',
         **kw: object) -> OperationUpdate:
    return OperationUpdate(id=op_id, type=F.STEP, action=action, payload=payload, **kw)


@pytest.fixture
def store(fabric: Fabric) -> DynamoDBStore:
    return DynamoDBStore()


def test_checkpoints_survive_reload_in_commit_order(store: DynamoDBStore) -> None:
    record, created = store.start_execution("fn", '{"x": 1}')
    assert created and record.status is ExecutionStatus.RUNNING
    store.acquire(record.execution_id, "h1", 60_000)
    ids = ["z", "a", "m"]  # commit order differs from key order
    store.checkpoint(record.execution_id, "h1", [step(i, A.START, None) for i in ids])
    store.checkpoint(record.execution_id, "h1", [step("a"), step("z")])
    loaded = DynamoDBStore().get(record.execution_id)
    assert [op.id for op in loaded.operations] == ids
    assert [op.status for op in loaded.operations] == [S.SUCCEEDED, S.SUCCEEDED, S.STARTED]
    assert loaded.operations[1].result == '"ok"' and loaded.input == '{"x": 1}'


def test_one_checkpoint_is_one_transaction(store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    store.acquire(record.execution_id, "h", 60_000)
    aws.call_counter.clear()
    store.checkpoint(record.execution_id, "h", [step("s1", A.START, None), step("s1")])
    assert dict(aws.call_counter) == {"dynamodb.TransactWriteItems": 1}
    assert store.get(record.execution_id).operations[0].status is S.SUCCEEDED


def test_lease_busy_then_taken_over_after_expiry_and_zombie_is_fenced(
        store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "zombie", 1_000)  # long enough for a loaded machine to try again
    with pytest.raises(ExecutionBusyError, match="zombie"):
        DynamoDBStore().acquire(eid, "other", 60_000)
    time.sleep(1.05)
    fresh = DynamoDBStore()
    fresh.acquire(eid, "new", 60_000)
    with pytest.raises(FencedError):
        store.checkpoint(eid, "zombie", [step("s1", A.START, None)])
    with pytest.raises(FencedError):
        store.finish(eid, "zombie", ExecutionStatus.SUCCEEDED, '"late"')
    fresh.checkpoint(eid, "new", [step("s1", A.START, None)])
    assert [op.id for op in store.get(eid).operations] == ["s1"]


def test_stale_holder_view_is_fenced_by_version(store: DynamoDBStore) -> None:
    """Same holder id, two store instances: the one with the older version is rejected."""
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    other = DynamoDBStore()
    other.checkpoint(eid, "h", [step("s1", A.START, None)])  # loads, then commits version 1
    with pytest.raises(FencedError):
        store.checkpoint(eid, "h", [step("s2", A.START, None)])  # still believes version 0


def test_idempotent_by_name(store: DynamoDBStore) -> None:
    first, created = store.start_execution("fn", '"a"', name="order-1")
    again, created_again = store.start_execution("fn", '"b"', name="order-1")
    other, _ = store.start_execution("other-fn", '"a"', name="order-1")
    assert created and not created_again
    assert again.execution_id == first.execution_id and again.input == '"a"'
    assert other.execution_id != first.execution_id
    assert store.find_by_name("fn", "order-1") == first.execution_id


def test_finish_records_result_and_releases(store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None, parent={"executionId": "p", "operationId": "o"})
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    store.finish(eid, "h", ExecutionStatus.FAILED, None, ErrorObject("Boom", "bad"))
    done = store.get(eid)
    assert done.status is ExecutionStatus.FAILED and done.error == ErrorObject("Boom", "bad")
    assert done.parent == {"executionId": "p", "operationId": "o"}
    store.acquire(eid, "h2", 60_000)  # lease was released
    with pytest.raises(InvalidCheckpointError, match="FAILED"):
        store.checkpoint(eid, "h2", [step("s", A.START, None)])
    with pytest.raises(InvalidCheckpointError, match="already finished"):
        store.finish(eid, "h2", ExecutionStatus.SUCCEEDED)


def test_callback_index_and_external_completion_once(store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    [cb] = store.checkpoint(eid, "h", [OperationUpdate(
        id="c1", type=F.CALLBACK, action=A.START, callback_timeout_seconds=30,
        callback_heartbeat_timeout_seconds=5)])
    assert store.find_callback(cb.callback_id) == (eid, "c1")
    info = store.callback_info(cb.callback_id)
    assert info["function_name"] == "fn" and info["timeout_ms"] == cb.timeout_ms
    assert info["heartbeat_deadline_ms"] == cb.start_ms + 5000
    done = OperationUpdate(id="c1", type=F.CALLBACK, action=A.SUCCEED, payload='"yes"')
    assert store.complete_external(eid, "c1", done) is True
    assert store.complete_external(eid, "c1", done) is False  # duplicate: no change
    # the holder's fence is still valid after an outside completion
    store.checkpoint(eid, "h", [step("s1", A.START, None)])
    ops = {op.id: op for op in store.get(eid).operations}
    assert ops["c1"].status is S.SUCCEEDED and ops["c1"].result == '"yes"'
    with pytest.raises(CallbackNotFoundError):
        store.find_callback("nope")


def test_holder_cannot_overwrite_an_externally_completed_operation(
        store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    store.checkpoint(eid, "h", [OperationUpdate(id="w", type=F.WAIT, action=A.START,
                                                wait_seconds=0)])
    elapsed = OperationUpdate(id="w", type=F.WAIT, action=A.SUCCEED)
    assert store.complete_external(eid, "w", elapsed)
    with pytest.raises(FencedError, match="op#w"):
        store.checkpoint(eid, "h", [OperationUpdate(id="w", type=F.WAIT, action=A.CANCEL)])
    assert store.get(eid).operations[0].status is S.SUCCEEDED


def test_external_completion_of_unknown_operation_or_execution(store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    update = OperationUpdate(id="x", type=F.CALLBACK, action=A.SUCCEED)
    with pytest.raises(InvalidCheckpointError, match="'x'"):
        store.complete_external(record.execution_id, "x", update)
    with pytest.raises(ExecutionNotFoundError):
        store.complete_external("missing", "x", update)
    with pytest.raises(ExecutionNotFoundError):
        store.acquire("missing", "h", 1000)


def test_large_checkpoint_is_chunked_in_order(store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    updates = [step(f"s{i:04d}", A.START, None) for i in range(250)]
    aws.call_counter.clear()
    store.checkpoint(eid, "h", updates)
    assert aws.call_counter["dynamodb.TransactWriteItems"] == 3  # 99 + 99 + 52
    store.checkpoint(eid, "h", [step("s0003")])  # version fence follows the chunks
    loaded = store.get(eid)
    assert [op.id for op in loaded.operations] == [u.id for u in updates]
    assert loaded.version == 4 and loaded.operations[3].status is S.SUCCEEDED


def test_operations_over_one_query_page_load_completely(store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    big = '"' + "x" * 20_000 + '"'
    store.checkpoint(eid, "h", [step(f"s{i}", A.SUCCEED, big) for i in range(60)])  # ~1.2 MB
    aws.call_counter.clear()
    loaded = DynamoDBStore().acquire(eid, "h", 60_000)
    assert aws.call_counter["dynamodb.Query"] >= 2
    assert [op.id for op in loaded.operations] == [f"s{i}" for i in range(60)]


def test_payload_too_large_is_a_clear_error(store: DynamoDBStore) -> None:
    huge = '"' + "x" * (400 * 1024) + '"'
    with pytest.raises(PayloadTooLargeError, match="input"):
        store.start_execution("fn", huge)
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    with pytest.raises(PayloadTooLargeError, match="'big'"):
        store.checkpoint(eid, "h", [step("big", A.SUCCEED, huge)])
    with pytest.raises(PayloadTooLargeError, match="result"):
        store.finish(eid, "h", ExecutionStatus.SUCCEEDED, huge)
    store.checkpoint(eid, "h", [step("small")])  # nothing was written by the refused ones
    assert [op.id for op in store.get(eid).operations] == ["small"]


def test_release_reports_outside_completions_during_the_lease(store: DynamoDBStore) -> None:
    record, _ = store.start_execution("fn", None)
    eid = record.execution_id
    store.acquire(eid, "h", 60_000)
    [cb] = store.checkpoint(eid, "h", [OperationUpdate(id="c", type=F.CALLBACK, action=A.START)])
    assert store.release(eid, "h") is False  # nothing happened meanwhile
    store.acquire(eid, "h2", 60_000)
    aws.call_counter.clear()
    assert store.complete_external(eid, "c", OperationUpdate(
        id="c", type=F.CALLBACK, action=A.SUCCEED, payload="1"))
    assert dict(aws.call_counter) == {"dynamodb.BatchGetItem": 1,
                                    "dynamodb.TransactWriteItems": 1}
    store.checkpoint(eid, "h2", [step("s", A.START, None)])  # the holder's fence still holds
    assert store.release(eid, "h2") is True  # its resume may have met h2's lease
    assert store.release(eid, "h2") is False  # not the holder any more
