"""``context.step``: run a function once (per retry semantics), checkpoint its result, retry."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from durable_lambda.core.errors import SerializationError
from durable_lambda.workflows.config import StepConfig, StepSemantics
from durable_lambda.workflows.errors import PayloadTooLargeError, StepFailedError
from durable_lambda.workflows.logger import ReplaySafeLogger
from durable_lambda.workflows.model import OperationAction as A
from durable_lambda.workflows.model import OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef, StepContext, SubType
from durable_lambda.workflows.outcome import TimerKind
from durable_lambda.workflows.retries import RetryPresets
from durable_lambda.workflows.serdes import SerDesContext, deserialize, serialize
from durable_lambda.workflows.state import ExecutionState, error_object

T = TypeVar("T")
STEP = OperationType.STEP


class StepInterruptedError(Exception):
    """An at-most-once step was started but its outcome was never recorded (crash/timeout)."""


def failed_error(op_error: Any, cls: type = StepFailedError) -> Exception:
    """The exception a recorded failure replays as."""
    if op_error is None:
        return cls("operation failed", "Error")
    return cls(op_error.error_message, op_error.error_type, op_error.error_data)


def run_step(state: ExecutionState, ref: OpRef, func: Callable[[StepContext], T],
             config: StepConfig | None, logger: ReplaySafeLogger) -> T:
    config = config or StepConfig()
    sd = SerDesContext(ref.id, state.execution_id)
    op = state.lookup(ref.id, STEP, ref.name, SubType.STEP)
    at_most_once = config.step_semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY
    strategy = config.retry_strategy or RetryPresets.default()
    if op is not None:
        if op.status is S.SUCCEEDED:
            return deserialize(config.serdes, op.result, sd)
        if op.status is S.FAILED:
            raise failed_error(op.error)
        if op.status is S.PENDING and (op.next_attempt_ms or 0) > state.now_ms():
            state.suspend_timer(ref.id, op.next_attempt_ms or 0, TimerKind.RETRY)
    state.begin_new_work()
    attempt = (op.attempt if op else 0) + 1
    if op is not None and op.status is S.STARTED and at_most_once:
        interrupted = StepInterruptedError(
            f"step {ref.name or ref.id} attempt {attempt} started but did not finish")
        _fail_attempt(state, ref, interrupted, attempt, strategy)
    if op is None or op.status is not S.STARTED:
        state.enqueue(ref.update(STEP, A.START, SubType.STEP))
        if at_most_once:
            state.flush()  # the START is durable before the effect runs
    state.running_step = ref.name or ref.id
    try:
        result = func(StepContext(logger.with_extra(operationId=ref.id, attempt=attempt)))
    except Exception as exc:  # noqa: BLE001 - the retry strategy decides
        _fail_attempt(state, ref, exc, attempt, strategy)
    finally:
        state.running_step = None
    try:
        payload = serialize(config.serdes, result, sd, state.max_payload_bytes,
                            f"result of step {ref.name or ref.id!r}")
    except (PayloadTooLargeError, SerializationError) as exc:
        state.enqueue(ref.update(STEP, A.FAIL, SubType.STEP, error=error_object(exc)))
        raise
    state.enqueue(ref.update(STEP, A.SUCCEED, SubType.STEP, payload=payload))
    if at_most_once:
        state.flush()
    return result


def _fail_attempt(state: ExecutionState, ref: OpRef, exc: Exception, attempt: int,
                  strategy: Callable) -> NoReturn:
    decision = strategy(exc, attempt)
    error = error_object(exc)
    if decision.should_retry:
        delay = decision.delay_seconds
        state.enqueue(ref.update(STEP, A.RETRY, SubType.STEP, error=error,
                                 next_attempt_delay_seconds=delay))
        state.suspend_timer(ref.id, state.now_ms() + int(delay * 1000), TimerKind.RETRY)
    state.enqueue(ref.update(STEP, A.FAIL, SubType.STEP, error=error))
    raise StepFailedError(str(exc), error.error_type, error.error_data) from exc

