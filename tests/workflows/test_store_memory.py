"""InMemoryStore under concurrent use (the local runner and threaded branches rely on it)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from durable_lambda.workflows.model import OperationAction as A, OperationType as T, OperationUpdate
from durable_lambda.workflows.store import InMemoryStore


def test_concurrent_named_starts_create_one_execution() -> None:
    store = InMemoryStore()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.start_execution("fn", None, name="same"), range(32)))
    assert len({r.execution_id for r, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_concurrent_checkpoints_keep_every_update() -> None:
    store = InMemoryStore()
    rec, _ = store.start_execution("fn", None)
    store.acquire(rec.execution_id, "h", 60_000)

    def write(i: int) -> None:
        store.checkpoint(rec.execution_id, "h", [
            OperationUpdate(id=f"s{i}", type=T.STEP, action=A.START),
            OperationUpdate(id=f"s{i}", type=T.STEP, action=A.SUCCEED, payload=str(i))])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(200)))
    ops = store.get(rec.execution_id).operations
    assert sorted(int(op.result) for op in ops) == list(range(200))
    assert store.get(rec.execution_id).version == 400
    assert sorted(op.end_seq for op in ops) == sorted(set(op.end_seq for op in ops))
