"""Configs, strategies and context members with the official SDK's shapes and behaviour."""
from __future__ import annotations

import logging

import pytest

from durable_lambda.testing.durable_runner import DurableTestRunner, ExecutionStatus
from durable_lambda.workflows import (
    CallbackConfig, ChildConfig, ChildContextError, Duration, InvokeConfig, JitterStrategy,
    LinearRetryStrategyConfig, RetryPresets, RetryStrategyConfig, StepConfig, ValidationError,
    WaitForConditionConfig, WaitForConditionError, WaitStrategyConfig, WithRetryConfig,
    create_linear_retry_strategy, create_retry_strategy, create_wait_strategy, durable_execution,
    with_retry)
from durable_lambda.workflows.model import OperationType


def test_duration_is_whole_seconds_like_the_sdk() -> None:
    assert Duration(30).to_seconds() == 30
    assert Duration.from_minutes(1.5).seconds == 90
    assert Duration.from_seconds(2.9).seconds == 2  # truncated, as the SDK does
    assert Duration.from_days(1).seconds == 86400
    with pytest.raises(ValidationError, match="positive"):
        Duration(-1)


def test_retry_strategies_compute_the_sdk_delays() -> None:
    linear = create_linear_retry_strategy(LinearRetryStrategyConfig(
        initial_delay=Duration(2), increment=Duration(3), jitter_strategy=JitterStrategy.NONE))
    assert [linear(RuntimeError(), n).delay_seconds for n in (1, 2, 3)] == [2, 5, 8]
    assert linear(RuntimeError(), 6).should_retry is False  # max_attempts 6 by default
    fixed = RetryPresets.fixed(Duration(7))
    assert [fixed(RuntimeError(), n).delay_seconds for n in (1, 4)] == [7, 7]
    assert fixed(RuntimeError(), 5).should_retry is False
    assert [RetryPresets.linear()(RuntimeError(), n).delay_seconds for n in (1, 2, 5)] == [1, 2, 5]
    exponential = create_retry_strategy(RetryStrategyConfig(
        max_attempts=10, initial_delay=Duration(1), max_delay=Duration(5), backoff_rate=3,
        jitter_strategy=JitterStrategy.NONE))
    assert [exponential(RuntimeError(), n).delay_seconds for n in (1, 2, 3)] == [1, 3, 5]
    shrinking = create_retry_strategy(RetryStrategyConfig(  # the SDK does not reject it either
        initial_delay=Duration(8), backoff_rate=0.5, jitter_strategy=JitterStrategy.NONE))
    assert shrinking(RuntimeError(), 2).delay_seconds == 4
    only_types = create_retry_strategy(RetryStrategyConfig(retryable_error_types=[KeyError]))
    assert only_types(KeyError(), 1).should_retry and not only_types(ValueError(), 1).should_retry


def test_wait_strategy_takes_durations_and_rounds_up() -> None:
    strategy = create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=lambda s: s != "ready", max_attempts=3,
        initial_delay=Duration(2), max_delay=Duration(5), backoff_rate=2.5,
        jitter_strategy=JitterStrategy.HALF))
    delays = [strategy("pending", n).delay_seconds for n in (1, 2)]
    assert 1 <= delays[0] <= 2 and 3 <= delays[1] <= 5
    assert strategy("ready", 3).should_continue is False  # met on the last attempt: stops
    with pytest.raises(WaitForConditionError, match="exhausted 3 attempts"):
        strategy("pending", 3)


def test_step_context_attempt_and_logger() -> None:
    seen = []

    @durable_execution
    def handler(event, ctx):
        def flaky(step_context):
            seen.append((step_context.attempt, step_context.logger.get_logger()))
            if step_context.attempt < 3:
                raise RuntimeError("again")
            return step_context.attempt
        return ctx.step(flaky, name="flaky", config=StepConfig(RetryPresets.fixed(Duration(1))))

    assert DurableTestRunner(handler).run().result == 3
    assert [a for a, _ in seen] == [1, 2, 3]
    assert all(logger is logging.getLogger() for _, logger in seen)  # the root logger


def test_set_logger_and_replay_safe_logging(caplog: pytest.LogCaptureFixture) -> None:
    custom = logging.getLogger("my.app")

    @durable_execution
    def handler(event, ctx):
        ctx.set_logger(custom)
        ctx.logger.info("start", extra={"k": 1})
        ctx.wait(1)
        return ctx.execution_context.durable_execution_arn

    with caplog.at_level(logging.INFO, logger="my.app"):
        result = DurableTestRunner(handler).run()
    records = [r for r in caplog.records if r.name == "my.app"]
    assert [r.getMessage() for r in records] == ["start"]  # not again on replay
    assert records[0].k == 1 and records[0].executionArn == result.execution_id
    assert result.result == result.execution_id


def test_is_replaying_follows_the_replay_boundary() -> None:
    seen = []

    @durable_execution
    def handler(event, ctx):
        seen.append(("top", ctx.is_replaying()))
        ctx.step(lambda _: 1, name="one")
        seen.append(("after one", ctx.is_replaying()))
        ctx.wait(1, name="w")
        seen.append(("after wait", ctx.is_replaying()))
        return "ok"

    DurableTestRunner(handler).run()
    assert seen == [("top", False), ("after one", False),  # first invocation
                    ("top", True), ("after one", True),  # the next operation is recorded
                    ("after wait", False)]  # past the last recorded operation


def test_with_retry_reruns_a_block_of_operations_with_durable_backoff() -> None:
    runs = []

    @durable_execution
    def handler(event, ctx):
        def block(child, attempt):
            runs.append(attempt)
            value = child.step(lambda _: attempt, name=f"try-{attempt}")
            if value < 3:
                raise RuntimeError(f"attempt {value} failed")
            return value
        return with_retry(ctx, block, WithRetryConfig(
            retry_strategy=RetryPresets.fixed(Duration(2))), name="reserve")

    result = DurableTestRunner(handler).run()
    assert result.status is ExecutionStatus.SUCCEEDED and result.result == 3
    names = [op.name for op in result.operations]
    assert "reserve-backoff-1" in names and "reserve-backoff-2" in names
    assert result.get_operation("reserve").type is OperationType.CONTEXT
    assert max(runs) == 3


def test_with_retry_without_a_child_context_reraises_the_original_error() -> None:
    @durable_execution
    def handler(event, ctx):
        try:
            with_retry(ctx, lambda c, n: (_ for _ in ()).throw(KeyError("k")),
                       WithRetryConfig(RetryPresets.none(), wrap_with_run_in_child_context=False))
        except KeyError:
            pass
        try:
            with_retry(ctx, lambda c, n: (_ for _ in ()).throw(KeyError("k")),
                       WithRetryConfig(RetryPresets.none()), name="wrapped")
        except ChildContextError as exc:
            return exc.error_type

    assert DurableTestRunner(handler).run().result == "KeyError"


def test_sub_types_are_validated_and_recorded() -> None:
    with pytest.raises(ValidationError, match="sub_type"):
        StepConfig(sub_type="has space")
    with pytest.raises(ValidationError, match="sub_type"):
        CallbackConfig(sub_type="x" * 33)

    @durable_execution
    def handler(event, ctx):
        ctx.step(lambda _: 1, name="s", config=StepConfig(sub_type="Charge"))
        return ctx.run_in_child_context(lambda c: 2, name="c",
                                        config=ChildConfig(sub_type="Group"))

    result = DurableTestRunner(handler).run()
    assert (result.get_operation("s").sub_type, result.get_operation("c").sub_type) == \
        ("Charge", "Group")


def test_virtual_child_context_writes_no_operation_of_its_own() -> None:
    @durable_execution
    def handler(event, ctx):
        inner = ctx.run_in_child_context(lambda c: c.step(lambda _: "x", name="inner"),
                                         name="virtual", config=ChildConfig(is_virtual=True))
        ctx.wait(1)
        return inner

    result = DurableTestRunner(handler).run()
    assert result.result == "x"
    assert [op.name for op in result.operations] == ["inner", None]  # no "virtual" CONTEXT
    assert result.get_operation("inner").parent_id is None  # reports to the root


def test_invoke_config_tenant_id_is_recorded() -> None:
    @durable_execution
    def child(event, ctx):
        return event

    @durable_execution
    def parent(event, ctx):
        return ctx.invoke("child", 1, name="call", config=InvokeConfig(tenant_id="t-7"))

    result = DurableTestRunner(parent, functions={"child": child}).run()
    assert result.result == 1 and result.get_operation("call").tenant_id == "t-7"


def test_wait_for_condition_config_requires_an_initial_state() -> None:
    with pytest.raises(TypeError):
        WaitForConditionConfig(lambda s, n: None)  # type: ignore[call-arg]
