"""``context.step``: run a function once (per retry semantics), checkpoint its result, retry.

As in the SDK the value a first run returns is ``deserialize(serialize(result))`` — what a
replay returns — and a failure surfaces as ``StepError`` rebuilt from the recorded error.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

from durable_lambda.workflows.config import StepConfig, StepSemantics
from durable_lambda.workflows.errors import (
    PayloadTooLargeError, error_object_of, raise_operation_error)
from durable_lambda.workflows.exceptions import (
    ExecutionError, RetryableSerDesError, SerDesError, StepError, StepInterruptedError)
from durable_lambda.workflows.logger import Logger, LogInfo
from durable_lambda.workflows.model import OperationAction as A
from durable_lambda.workflows.model import OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef, StepContext, SubType
from durable_lambda.workflows.outcome import TimerKind
from durable_lambda.workflows.serdes import SerDesContext, from_payload, round_trip
from durable_lambda.workflows.state import ExecutionState

T = TypeVar("T")
STEP = OperationType.STEP


def run_step(state: ExecutionState, ref: OpRef, func: Callable[[StepContext], T],
             config: StepConfig | None, logger: Logger) -> T:
    config = config or StepConfig()
    sub_type = config.sub_type or SubType.STEP
    sd = SerDesContext(ref.id, state.execution_id)
    op = state.lookup(ref.id, STEP, ref.name, sub_type)
    at_most_once = config.step_semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY
    if op is not None:
        if op.status is S.SUCCEEDED:
            return from_payload(config.serdes, op.result, sd)
        if op.status is S.FAILED:
            raise_operation_error(op.error, StepError)
        if op.status is S.PENDING and (op.next_attempt_ms or 0) > state.now_ms():
            state.suspend_timer(ref.id, op.next_attempt_ms or 0, TimerKind.RETRY)
    state.begin_new_work()
    attempt = (op.attempt if op else 0) + 1
    if op is not None and op.status is S.STARTED and at_most_once:
        _fail_attempt(state, ref, sub_type, StepInterruptedError(
            f"Step operation_id={ref.id} name={ref.name} was previously interrupted",
            step_id=ref.id), attempt, config)
    if op is None or op.status is not S.STARTED:
        state.enqueue(ref.update(STEP, A.START, sub_type))
        if at_most_once:
            state.flush()  # the START is durable before the effect runs
    context = StepContext(logger.with_log_info(
        LogInfo(state, ref.parent_id, ref.id, ref.name, attempt)), attempt)
    wrapped = state.plugins.wrap_user_function(func, ref, STEP, sub_type, False, attempt)
    state.running_step = ref.name or ref.id
    try:
        payload, value = round_trip(config.serdes, wrapped(context), sd, state.max_payload_bytes,
                                    f"result of step {ref.name or ref.id!r}")
    except (RetryableSerDesError, ExecutionError):
        raise  # the invocation fails (and is retried) / the execution fails, as in the SDK
    except (SerDesError, PayloadTooLargeError) as exc:  # permanent: no retry
        error = error_object_of(exc)
        state.enqueue(ref.update(STEP, A.FAIL, sub_type, error=error))
        if isinstance(exc, SerDesError):
            raise_operation_error(error, StepError)  # raises SerDesError
        raise
    except Exception as exc:  # noqa: BLE001 - the retry strategy decides
        _fail_attempt(state, ref, sub_type, exc, attempt, config)
    finally:
        state.running_step = None
    state.enqueue(ref.update(STEP, A.SUCCEED, sub_type, payload=payload))
    if at_most_once:
        state.flush()
    return value


def _fail_attempt(state: ExecutionState, ref: OpRef, sub_type: str, exc: Exception, attempt: int,
                  config: StepConfig) -> NoReturn:
    """Record a failed attempt: RETRY after the strategy's delay (>= 1 s) and suspend, or FAIL
    and raise ``StepError`` rebuilt from the recorded error."""
    error = error_object_of(exc)
    strategy = config.retry_strategy
    if not strategy:
        from durable_lambda.workflows.retries import RetryPresets  # only a failed step needs it

        strategy = RetryPresets.default()
    decision = strategy(exc, attempt)
    if decision.should_retry:
        delay = max(decision.delay_seconds, 1)
        state.enqueue(ref.update(STEP, A.RETRY, sub_type, error=error,
                                 next_attempt_delay_seconds=delay))
        state.suspend_timer(ref.id, state.now_ms() + int(delay * 1000), TimerKind.RETRY)
    state.enqueue(ref.update(STEP, A.FAIL, sub_type, error=error))
    raise_operation_error(error, StepError)
