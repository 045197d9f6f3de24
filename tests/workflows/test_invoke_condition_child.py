"""invoke (CHAINED_INVOKE), wait_for_condition and child contexts."""
from __future__ import annotations

from durable_lambda.workflows import (
    ChildConfig, Duration, RetryPresets, StepConfig, WaitForConditionConfig, WaitForConditionDecision, WaitStrategyConfig,
    create_wait_strategy)
from durable_lambda.workflows.engine import ExecutionOptions
from durable_lambda.workflows.errors import ChildContextError, InvokeError
from durable_lambda.workflows.model import (
    ErrorObject, OperationAction as A, OperationStatus as S, OperationType as T, OperationUpdate)
from durable_lambda.workflows.outcome import OutcomeStatus, TimerKind

from .helpers import Harness


def test_invoke_suspends_with_pending_invoke_then_returns_child_result() -> None:
    def handler(e, ctx):
        return ctx.invoke("payments", {"amount": 5}, name="pay")

    h = Harness(handler)
    out = h.invoke()
    [pending] = out.plan.invokes
    assert (pending.function_name, pending.payload, pending.name) == ("payments", '{"amount": 5}', "pay")  # plain json.dumps
    assert h.invoke().plan.invokes == out.plan.invokes  # still pending: same plan
    h.store.complete_external(h.execution_id, pending.operation_id, OperationUpdate(
        id=pending.operation_id, type=T.CHAINED_INVOKE, action=A.SUCCEED, payload='"paid"'))
    assert h.invoke().result == '"paid"'


def test_invoke_failure_raises_invoke_error() -> None:
    def handler(e, ctx):
        try:
            ctx.invoke("payments", {}, name="pay")
        except InvokeError as exc:
            return exc.error_type

    h = Harness(handler)
    op_id = h.invoke().plan.invokes[0].operation_id
    h.store.complete_external(h.execution_id, op_id, OperationUpdate(
        id=op_id, type=T.CHAINED_INVOKE, action=A.FAIL, error=ErrorObject("CardDeclined", "no")))
    assert h.invoke().result == '"CardDeclined"'


def test_wait_for_condition_polls_with_state_across_suspensions() -> None:
    checks = []

    def check(state, _ctx):
        checks.append(state)
        return state + 1

    config = WaitForConditionConfig(
        wait_strategy=lambda s, attempt: WaitForConditionDecision.continue_waiting(7)
        if s < 3 else WaitForConditionDecision.stop_polling(), initial_state=0)
    h = Harness(lambda e, ctx: ctx.wait_for_condition(check, config, name="poll"))
    out = h.invoke()
    assert out.plan.timers[0].kind is TimerKind.CONDITION
    assert out.plan.timers[0].due_ms == h.clock.ms + 7000
    for _ in range(2):
        h.clock.advance(7)
        out = h.invoke()
    assert out.result == "3" and checks == [0, 1, 2]
    assert h.op("poll").sub_type == "WaitForCondition" and h.op("poll").attempt == 3


def test_wait_strategy_gives_up_after_max_attempts() -> None:
    strategy = create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=lambda s: s != "READY", max_attempts=2, initial_delay=Duration(1)))
    h = Harness(lambda e, ctx: ctx.wait_for_condition(
        lambda s, _: "PENDING", WaitForConditionConfig(strategy, "PENDING"), name="poll"))
    h.invoke()
    h.clock.advance(5)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED
    assert out.error.error_type == "aws_durable_execution_sdk_python.exceptions.WaitForConditionError"


def test_child_context_result_is_checkpointed_and_failure_replays() -> None:
    runs = []

    def handler(e, ctx):
        total = ctx.run_in_child_context(
            lambda c: runs.append(1) or c.step(lambda _: 2, name="two") * 2, name="group")
        def bad(_):
            raise ValueError("bad")

        try:
            ctx.run_in_child_context(lambda c: c.step(
                bad, name="boom", config=StepConfig(RetryPresets.none())), name="failing")
        except ChildContextError as exc:
            failure = exc.error_type
        ctx.wait(1)
        return [total, failure]

    h = Harness(handler)
    h.invoke()
    h.clock.advance(1)
    # the child records the StepError that escaped it (the step recorded the ValueError)
    assert h.invoke().result == '[4, "aws_durable_execution_sdk_python.exceptions.StepError"]'
    assert runs == [1]  # child body not re-run on replay
    group = h.op("group")
    assert group.type is T.CONTEXT and group.sub_type == "RunInChildContext"
    assert h.op("two").parent_id == group.id
    assert h.op("failing").status is S.FAILED


def test_large_child_result_uses_replay_children() -> None:
    runs = []

    def handler(e, ctx):
        big = ctx.run_in_child_context(
            lambda c: runs.append(1) or c.step(lambda _: "x" * 200, name="part") * 10, name="big")
        ctx.wait(1)
        return len(big)

    h = Harness(handler, options=ExecutionOptions(max_payload_bytes=1000))
    h.invoke()
    group = h.op("big")
    assert group.status is S.SUCCEEDED and group.replay_children and group.result == ""
    h.clock.advance(1)
    assert h.invoke().result == "2000"
    assert runs == [1, 1]  # rebuilt by re-running the (fully recorded) children


def test_too_large_step_result_fails_naming_the_operation() -> None:
    def handler(e, ctx):
        try:
            ctx.step(lambda _: "y" * 5000, name="huge")
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__ + ":" + str(exc)

    h = Harness(handler, options=ExecutionOptions(max_payload_bytes=1000))
    out = h.invoke()
    assert out.result.startswith('"PayloadTooLargeError:') and "huge" in out.result
    assert h.op("huge").status is S.FAILED


def test_too_large_execution_result_fails_execution() -> None:
    h = Harness(lambda e, ctx: "z" * 5000, options=ExecutionOptions(max_payload_bytes=1000))
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED
    assert out.error.error_type == "durable_lambda.workflows.errors.PayloadTooLargeError"


def test_child_config_sub_type_and_step_error_type() -> None:
    def handler(e, ctx):
        return ctx.run_in_child_context(lambda c: 1, name="g", config=ChildConfig(sub_type="Custom"))

    h = Harness(handler)
    assert h.invoke().result == "1" and h.op("g").sub_type == "Custom"
