"""Engine-level behaviour: replay-safe logging, is_replaying, fencing, checkpoint batching."""
from __future__ import annotations

import logging

import pytest

from durable_lambda.core.errors import FencedError
from durable_lambda.workflows import RetryPresets, Saga, StepConfig, StepSemantics
from durable_lambda.workflows.engine import ExecutionOptions
from durable_lambda.workflows.model import ExecutionStatus
from durable_lambda.workflows.model import OperationStatus as S
from durable_lambda.workflows.outcome import OutcomeStatus

from .helpers import Harness


def test_logger_is_silent_while_replaying(caplog: pytest.LogCaptureFixture) -> None:
    seen = []

    def handler(e, ctx):
        ctx.logger.info("before wait")
        seen.append(ctx.is_replaying())
        ctx.step(lambda _: 1, name="s")
        ctx.wait(5)
        seen.append(ctx.is_replaying())
        ctx.logger.info("after wait")
        return "ok"

    h = Harness(handler)
    with caplog.at_level(logging.INFO):  # context.logger wraps the root logger, as the SDK's
        h.invoke()
        h.clock.advance(5)
        h.invoke()
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("before wait") == 1 and messages.count("after wait") == 1
    assert seen == [False, True, False]
    assert caplog.records[0].executionArn == h.execution_id


def test_lost_lease_fences_the_invocation_even_if_user_catches_everything() -> None:
    def handler(e, ctx):
        try:
            h.store.acquire(h.execution_id, "usurper", 60_000)
            ctx.step(lambda _: 1, name="s",
                     config=StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY))
        except Exception:  # noqa: BLE001
            return "swallowed"
        return "ran"

    h = Harness(handler)
    with pytest.raises(FencedError):
        h.invoke(lease_ms=0)  # lease expires at once; the usurper takes it before the checkpoint
    assert h.store.get(h.execution_id).status is ExecutionStatus.RUNNING
    assert h.ops() == []


def test_at_least_once_updates_are_batched() -> None:
    def handler(e, ctx):
        for i in range(10):
            ctx.step(lambda _, i=i: i, name=f"s{i}")
        return "done"

    h = Harness(handler, options=ExecutionOptions(checkpoint_batch_size=8))
    calls = []
    real = h.store.checkpoint
    h.store.checkpoint = lambda *a, **k: calls.append(len(a[2])) or real(*a, **k)  # type: ignore
    assert h.invoke().result == '"done"'
    # the batch size counts operations (one stored item each), not updates: 8 steps'
    # START+SUCCEED pairs make one call, 20 updates in 2 calls
    assert calls == [16, 4]


def test_saga_compensates_in_reverse_as_steps_then_reraises() -> None:
    undone = []

    def handler(e, ctx):
        try:
            with Saga(ctx) as saga:
                ctx.step(lambda _: "h1", name="book-hotel")
                saga.add_compensation(lambda _: undone.append("hotel"), name="cancel-hotel")
                ctx.step(lambda _: "f1", name="book-flight")
                saga.add_compensation(lambda _: undone.append("flight"), name="cancel-flight")
                ctx.step(lambda _: 1 / 0, name="charge", config=StepConfig(RetryPresets.none()))
        except Exception as exc:  # noqa: BLE001
            ctx.wait(1)
            return type(exc).__name__

    h = Harness(handler)
    h.invoke()
    h.clock.advance(1)
    assert h.invoke().result == '"StepError"'  # StepFailedError is the same class
    assert undone == ["flight", "hotel"]  # once each, reverse order; replay did not redo them
    assert h.op("compensate:cancel-flight").status is S.SUCCEEDED
    order = [op.name for op in h.ops()]
    assert order.index("compensate:cancel-flight") < order.index("compensate:cancel-hotel")


def test_saga_does_not_compensate_on_suspension_or_success() -> None:
    undone = []

    def handler(e, ctx):
        with Saga(ctx) as saga:
            saga.add_compensation(lambda _: undone.append(1), name="undo")
            ctx.wait(5)
        return "ok"

    h = Harness(handler)
    assert h.invoke().status is OutcomeStatus.SUSPENDED
    h.clock.advance(5)
    assert h.invoke().result == '"ok"' and undone == []


def test_replay_ends_once_every_recorded_operation_was_revisited(
        caplog: pytest.LogCaptureFixture) -> None:
    from durable_lambda.workflows.model import OperationAction as A
    from durable_lambda.workflows.model import OperationType as T
    from durable_lambda.workflows.model import OperationUpdate

    def handler(e, ctx):
        ctx.run_in_child_context(lambda c: c.step(lambda _: 1, name="inner"), name="group")
        answer = ctx.create_callback("cb").result()
        ctx.logger.info("got %s", answer)  # first runs in the invocation after the callback
        return answer

    h = Harness(handler)
    with caplog.at_level(logging.INFO):
        h.invoke()
        op = h.op("cb")
        h.store.complete_external(h.execution_id, op.id, OperationUpdate(
            id=op.id, type=T.CALLBACK, action=A.SUCCEED, payload="42"))
        h.invoke()
        h.invoke()  # duplicate resume of the finished execution
    assert [r.getMessage() for r in caplog.records] == ["got 42"]
