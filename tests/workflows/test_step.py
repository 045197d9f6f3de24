"""Steps: first run, replay, failure, retry with backoff, suspension, semantics, crashes."""
from __future__ import annotations

import re

import pytest

from durable_lambda.workflows import (
    Duration, JitterStrategy, RetryStrategyConfig, StepConfig, StepSemantics,
    create_retry_strategy, durable_step)
from durable_lambda.workflows.errors import ExecutionBusyError, StepFailedError
from durable_lambda.workflows.model import ExecutionStatus, OperationStatus as S
from durable_lambda.workflows.outcome import OutcomeStatus, TimerKind

from .helpers import Crash, Harness

NO_JITTER = dict(jitter_strategy=JitterStrategy.NONE)

SDK = "aws_durable_execution_sdk_python.exceptions."  # wire names of the SDK's errors


def test_first_run_then_replay_does_not_rerun_effects() -> None:
    effects: list[str] = []

    def handler(event, ctx):
        a = ctx.step(lambda _: effects.append("a") or event["n"] + 1, name="a")
        ctx.wait(Duration(seconds=5))
        return ctx.step(lambda _: effects.append("b") or a * 10, name="b")

    h = Harness(handler, {"n": 1})
    first = h.invoke()
    assert first.status is OutcomeStatus.SUSPENDED and effects == ["a"]
    h.clock.advance(5)
    done = h.invoke()
    assert done.status is OutcomeStatus.SUCCEEDED and done.result == "20"
    assert effects == ["a", "b"]  # "a" replayed from its checkpoint
    assert h.op("a").result == "2" and h.op("b").attempt == 1


def test_durable_step_decorator_names_the_step() -> None:
    @durable_step
    def add(step_context, x, y):
        return x + y

    h = Harness(lambda event, ctx: ctx.step(add(2, 3)))
    assert h.invoke().result == "5"
    assert h.op("add").result == "5"


def test_failure_without_retry_fails_and_replays_as_same_error() -> None:
    calls = []

    def handler(event, ctx):
        try:
            ctx.step(lambda _: calls.append(1) or (_ for _ in ()).throw(KeyError("missing")),
                     name="lookup", config=StepConfig(retry_strategy=create_retry_strategy(
                         RetryStrategyConfig(max_attempts=1))))
        except StepFailedError as exc:
            caught = (exc.error_type, exc.error_message)
        ctx.wait(1)
        return list(caught)

    h = Harness(handler)
    h.invoke()
    h.clock.advance(1)
    out = h.invoke()
    assert out.status is OutcomeStatus.SUCCEEDED
    assert out.result == '["KeyError", "\'missing\'"]'  # the result is plain json.dumps
    assert len(calls) == 1 and h.op("lookup").status is S.FAILED


def test_retry_backoff_suspends_then_succeeds() -> None:
    attempts = []

    def flaky(_):
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("temporarily down")
        return "ok"

    strategy = create_retry_strategy(RetryStrategyConfig(
        max_attempts=5, initial_delay=Duration(seconds=2), backoff_rate=3, **NO_JITTER))
    h = Harness(lambda e, ctx: ctx.step(flaky, name="call", config=StepConfig(strategy)))
    out = h.invoke()
    assert out.status is OutcomeStatus.SUSPENDED
    [timer] = out.plan.timers
    assert timer.kind is TimerKind.RETRY and timer.due_ms == h.clock.ms + 2000
    assert h.op("call").status is S.PENDING and h.op("call").attempt == 1
    assert h.invoke().status is OutcomeStatus.SUSPENDED and len(attempts) == 1  # not due yet
    h.clock.advance(2)
    out = h.invoke()
    assert out.plan.timers[0].due_ms == h.clock.ms + 6000  # 2 * 3**1
    h.clock.advance(6)
    out = h.invoke()
    assert out.status is OutcomeStatus.SUCCEEDED and out.result == '"ok"'
    assert len(attempts) == 3 and h.op("call").attempt == 3


def test_retry_exhaustion_fails_the_execution() -> None:
    strategy = create_retry_strategy(RetryStrategyConfig(max_attempts=2, **NO_JITTER))

    def handler(e, ctx):
        return ctx.step(lambda _: 1 / 0, name="div", config=StepConfig(strategy))

    h = Harness(handler)
    h.invoke()
    h.clock.advance(60)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED
    assert out.error.error_type == SDK + "StepError"  # the wrapper, as the SDK records it
    assert h.op("div").error.error_type == "ZeroDivisionError"  # the step records its own
    assert h.store.get(h.execution_id).status is ExecutionStatus.FAILED
    assert h.op("div").attempt == 2


def test_retryable_error_filters() -> None:
    strategy = create_retry_strategy(RetryStrategyConfig(
        retryable_errors=["throttl", re.compile(r"^5\d\d")], retryable_error_types=[TimeoutError]))
    assert strategy(RuntimeError("request throttled"), 1).should_retry
    assert strategy(RuntimeError("503 unavailable"), 1).should_retry
    assert strategy(TimeoutError("slow"), 1).should_retry
    assert not strategy(ValueError("bad input"), 1).should_retry
    assert not strategy(TimeoutError("slow"), 3).should_retry  # max_attempts=3 made


def test_backoff_is_capped_and_jittered_within_bounds() -> None:
    full = create_retry_strategy(RetryStrategyConfig(
        max_attempts=20, initial_delay=Duration(seconds=10), max_delay=Duration(seconds=60)))
    delays = [full(RuntimeError("x"), n).delay_seconds for n in range(1, 15) for _ in range(5)]
    assert all(1 <= d <= 60 for d in delays)
    none = create_retry_strategy(RetryStrategyConfig(
        max_attempts=20, initial_delay=Duration(seconds=10), max_delay=Duration(seconds=60),
        **NO_JITTER))
    assert [none(RuntimeError("x"), n).delay_seconds for n in (1, 2, 3, 4)] == [10, 20, 40, 60]


def test_at_most_once_step_interrupted_is_a_failed_attempt() -> None:
    """START is durable before the effect; a crash mid-effect is seen as a failed attempt."""
    effects = []

    def charge(_):
        effects.append("charge")
        if len(effects) == 1:
            raise Crash()  # process dies after the effect started, before its checkpoint
        return "charged"

    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                        retry_strategy=create_retry_strategy(
                            RetryStrategyConfig(max_attempts=2, **NO_JITTER)))
    h = Harness(lambda e, ctx: ctx.step(charge, name="charge", config=config))
    with pytest.raises(Crash):
        h.invoke(lease_ms=1000)
    assert h.op("charge").status is S.STARTED  # START was checkpointed before the effect
    with pytest.raises(ExecutionBusyError):
        h.invoke()  # the dead invocation's lease has not expired yet
    h.clock.advance(1)
    out = h.invoke()
    assert out.status is OutcomeStatus.SUSPENDED  # interrupted attempt 1 -> retry scheduled
    assert effects == ["charge"] and h.op("charge").error.error_type == SDK + "StepInterruptedError"
    h.clock.advance(5)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED
    assert effects == ["charge", "charge"]  # one run per attempt, never two in one attempt


def test_at_most_once_without_retries_fails_after_interruption() -> None:
    effects = []
    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                        retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)))

    def handler(e, ctx):
        return ctx.step(lambda _: effects.append(1) or (_ for _ in ()).throw(Crash()),
                        name="once", config=config)

    h = Harness(handler)
    with pytest.raises(Crash):
        h.invoke(lease_ms=0)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED and out.error.error_type == SDK + "StepError"
    assert h.op("once").error.error_type == SDK + "StepInterruptedError"
    assert effects == [1]


def test_at_least_once_step_reruns_when_its_checkpoint_was_lost() -> None:
    effects = []

    def handler(e, ctx):
        ctx.step(lambda _: effects.append("send-email"), name="email")
        ctx.step(lambda _: (_ for _ in ()).throw(Crash()) if len(effects) == 1 else None,
                 name="next")
        return len(effects)

    h = Harness(handler)
    with pytest.raises(Crash):
        h.invoke(lease_ms=0)  # "email" ran but its buffered SUCCEED never reached the store
    assert h.ops() == []
    assert h.invoke().result == "2"
    assert effects == ["send-email", "send-email"]


def test_step_result_must_be_serializable() -> None:
    h = Harness(lambda e, ctx: ctx.step(lambda _: object(), name="bad"))
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED and out.error.error_type == SDK + "SerDesError"
    assert "Unsupported type" in out.error.error_message and h.op("bad").status is S.FAILED


def test_durable_operations_inside_a_step_are_rejected() -> None:
    def handler(e, ctx):
        return ctx.step(lambda _: ctx.wait(5, name="nested"), name="outer",
                        config=StepConfig(retry_strategy=create_retry_strategy(
                            RetryStrategyConfig(max_attempts=1))))

    h = Harness(handler)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED and out.error.error_type == SDK + "StepError"
    assert h.op("outer").error.error_type == SDK + "ValidationError"
    assert "'nested'" in out.error.error_message and "'outer'" in out.error.error_message
