"""``context.wait_for_condition``: poll ``check(state)`` with a wait strategy between polls.

Stored as a STEP (sub type WaitForCondition): each poll that must continue is a RETRY whose
payload is the new state, so the state survives suspensions.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from durable_lambda.workflows.config import WaitForConditionConfig
from durable_lambda.workflows.errors import ValidationError, WaitForConditionError
from durable_lambda.workflows.logger import ReplaySafeLogger
from durable_lambda.workflows.model import OperationAction as A, OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef, SubType, WaitForConditionCheckContext
from durable_lambda.workflows.operations.step import failed_error
from durable_lambda.workflows.outcome import TimerKind
from durable_lambda.workflows.serdes import SerDesContext, deserialize, serialize
from durable_lambda.workflows.state import ExecutionState, error_object

STEP, SUB = OperationType.STEP, SubType.WAIT_FOR_CONDITION


def run_wait_for_condition(state: ExecutionState, ref: OpRef,
                           check: Callable[[Any, WaitForConditionCheckContext], Any],
                           config: WaitForConditionConfig, logger: ReplaySafeLogger) -> Any:
    if check is None or config is None:
        raise ValidationError("wait_for_condition needs a check function and a config")
    sd = SerDesContext(ref.id, state.execution_id)
    op = state.lookup(ref.id, STEP, ref.name, SUB)
    if op is not None:
        if op.status is S.SUCCEEDED:
            return deserialize(config.serdes, op.result, sd)
        if op.status is S.FAILED:
            raise failed_error(op.error, WaitForConditionError)
        if op.status is S.PENDING and (op.next_attempt_ms or 0) > state.now_ms():
            state.suspend_timer(ref.id, op.next_attempt_ms or 0, TimerKind.CONDITION)
    state.begin_new_work()
    current = (deserialize(config.serdes, op.result, sd)
               if op is not None and op.result is not None else config.initial_state)
    attempt = (op.attempt if op else 0) + 1
    if op is None or op.status is not S.STARTED:
        state.enqueue(ref.update(STEP, A.START, SUB))
    try:
        new_state = check(current, WaitForConditionCheckContext(logger))
        decision = config.wait_strategy(new_state, attempt)
        payload = serialize(config.serdes, new_state, sd, state.max_payload_bytes, "condition state")
    except Exception as exc:  # noqa: BLE001 - recorded as the operation's failure
        error = error_object(exc)
        state.enqueue(ref.update(STEP, A.FAIL, SUB, error=error))
        raise WaitForConditionError(error.error_message, error.error_type) from exc
    if not decision.should_continue:
        state.enqueue(ref.update(STEP, A.SUCCEED, SUB, payload=payload))
        return new_state
    delay = max(decision.delay_seconds, 1)
    state.enqueue(ref.update(STEP, A.RETRY, SUB, payload=payload, next_attempt_delay_seconds=delay))
    state.suspend_timer(ref.id, state.now_ms() + int(delay * 1000), TimerKind.CONDITION)
