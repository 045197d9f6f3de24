"""``context.wait_for_condition``: poll ``check(state, ctx)`` with a wait strategy between polls.

Stored as a STEP (sub type WaitForCondition): each poll that must continue is a RETRY whose
payload is the new state, so the state survives suspensions. As in the SDK the initial state is
round-tripped through the serdes before the first check, the wait strategy sees the
round-tripped state, and a failed check or strategy surfaces as ``WaitForConditionError``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from durable_lambda.workflows.errors import error_object_of, raise_operation_error
from durable_lambda.workflows.exceptions import (
    InvocationError, ValidationError, WaitForConditionError)
from durable_lambda.workflows.logger import Logger, LogInfo
from durable_lambda.workflows.model import OperationAction as A, OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef, SubType, WaitForConditionCheckContext
from durable_lambda.workflows.outcome import TimerKind
from durable_lambda.workflows.serdes import SerDesContext, from_payload, round_trip, to_payload
from durable_lambda.workflows.state import ExecutionState

if TYPE_CHECKING:
    from durable_lambda.workflows.waits import WaitForConditionConfig

STEP, SUB = OperationType.STEP, SubType.WAIT_FOR_CONDITION


def run_wait_for_condition(state: ExecutionState, ref: OpRef,
                           check: Callable[[Any, WaitForConditionCheckContext], Any],
                           config: WaitForConditionConfig, logger: Logger) -> Any:
    if check is None:
        raise ValidationError("`check` is required for wait_for_condition")
    if not config:
        raise ValidationError("`config` is required for wait_for_condition")
    sd = SerDesContext(ref.id, state.execution_id)
    op = state.lookup(ref.id, STEP, ref.name, SUB)
    if op is not None:
        if op.status is S.SUCCEEDED:
            return from_payload(config.serdes, op.result, sd)
        if op.status is S.FAILED:
            raise_operation_error(op.error, WaitForConditionError)
        if op.status is S.PENDING and (op.next_attempt_ms or 0) > state.now_ms():
            state.suspend_timer(ref.id, op.next_attempt_ms or 0, TimerKind.CONDITION)
    state.begin_new_work()
    attempt = (op.attempt if op else 0) + 1
    if op is None or op.status is not S.STARTED:
        state.enqueue(ref.update(STEP, A.START, SUB))
    context = WaitForConditionCheckContext(logger.with_log_info(
        LogInfo(state, ref.parent_id, ref.id, ref.name, attempt)), attempt)
    wrapped = state.plugins.wrap_user_function(check, ref, STEP, SUB, False, attempt)
    try:
        if op is not None and op.result:
            current = from_payload(config.serdes, op.result, sd)
        else:
            current = from_payload(config.serdes,
                                   to_payload(config.serdes, config.initial_state, sd), sd)
        payload, new_state = round_trip(config.serdes, wrapped(current, context), sd,
                                        state.max_payload_bytes, "condition state")
        decision = config.wait_strategy(new_state, attempt)
    except Exception as exc:  # noqa: BLE001 - recorded as the operation's failure
        if isinstance(exc, InvocationError) and exc.is_retryable():
            raise
        error = error_object_of(exc)
        state.enqueue(ref.update(STEP, A.FAIL, SUB, error=error))
        raise_operation_error(error, WaitForConditionError)
    if not decision.should_continue:
        state.enqueue(ref.update(STEP, A.SUCCEED, SUB, payload=payload))
        return from_payload(config.serdes, payload, sd)
    delay = max(decision.delay_seconds, 1)
    state.enqueue(ref.update(STEP, A.RETRY, SUB, payload=payload, next_attempt_delay_seconds=delay))
    state.suspend_timer(ref.id, state.now_ms() + int(delay * 1000), TimerKind.CONDITION)
