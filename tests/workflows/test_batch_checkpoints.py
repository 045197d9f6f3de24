"""Checkpoint batching counts operations (one stored item each), not updates, so DynamoDB
transactions are filled: a START + SUCCEED pair takes one slot, not two."""
from __future__ import annotations

from durable_lambda.testing.fabric import Fabric
from durable_lambda.workflows import MapConfig
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.engine import ExecutionOptions
from durable_lambda.workflows.execution import DurableFunction
from durable_lambda.workflows.outcome import OutcomeStatus
from durable_lambda.workflows.state import CHECKPOINT_MAX_BYTES

from .helpers import Harness


def record_checkpoints(h: Harness) -> list[tuple[int, int]]:
    """(updates, distinct operations) of every checkpoint call the harness's store gets."""
    calls: list[tuple[int, int]] = []
    real = h.store.checkpoint

    def checkpoint(execution_id, holder, updates):
        calls.append((len(updates), len({u.id for u in updates})))
        return real(execution_id, holder, updates)
    h.store.checkpoint = checkpoint  # type: ignore[method-assign]
    return calls


def test_a_checkpoint_call_holds_batch_size_operations_not_updates() -> None:
    def handler(e, ctx):
        return ctx.map(list(range(60)), lambda c, item, i, xs: c.step(lambda _: item, name="w"),
                       config=MapConfig(max_concurrency=1)).success_count

    h = Harness(handler, options=ExecutionOptions(checkpoint_batch_size=40))
    calls = record_checkpoints(h)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED and h.result() == 60
    # 1 Map + 60 iterations + 60 steps = 121 operations, 242 updates: 4 calls (was 10 of 25)
    assert [ops for _, ops in calls[:-1]] == [40, 40, 40]
    assert sum(n for n, _ in calls) == 242 and len(calls) == 4


def test_the_default_fills_one_transaction_of_99_operations() -> None:
    def handler(e, ctx):
        for i in range(120):
            ctx.step(lambda _, i=i: i, name=f"s{i}")

    h = Harness(handler)
    calls = record_checkpoints(h)
    h.invoke()
    assert [ops for _, ops in calls] == [99, 21]


def test_large_payloads_flush_by_bytes() -> None:
    big = "x" * (CHECKPOINT_MAX_BYTES // 3 + 1)

    def handler(e, ctx):
        for i in range(4):
            ctx.step(lambda _: big, name=f"s{i}")

    h = Harness(handler, options=ExecutionOptions(max_payload_bytes=None))
    calls = record_checkpoints(h)
    h.invoke()
    assert [ops for _, ops in calls] == [3, 2]  # s2's result would pass the limit: flushed first


def test_dynamodb_transactions_carry_one_item_per_operation(fabric: Fabric) -> None:
    store = DynamoDBStore()
    items_per_transaction: list[int] = []
    real = store._transact

    def transact(fence, items):
        items_per_transaction.append(1 + len(items))
        return real(fence, items)
    store._transact = transact  # type: ignore[method-assign]

    def handler(e, ctx):
        for i in range(40):
            ctx.step(lambda _, i=i: i, name=f"s{i}")
        return "done"

    record, _ = store.start_execution("fn", None)
    out = DurableFunction(handler).run(store, record.execution_id, "h1")
    assert out.status is OutcomeStatus.SUCCEEDED
    # 40 steps = 80 updates: one transaction of 40 operation items + the fence (was 4 of ~13)
    assert items_per_transaction == [41]
