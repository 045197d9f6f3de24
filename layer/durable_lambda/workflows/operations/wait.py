"""``context.wait``: a durable timer; the invocation suspends until it is due."""
from __future__ import annotations

from durable_lambda.workflows.errors import ValidationError
from durable_lambda.workflows.model import OperationAction as A, OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef, SubType
from durable_lambda.workflows.outcome import TimerKind
from durable_lambda.workflows.state import ExecutionState

WAIT = OperationType.WAIT


def run_wait(state: ExecutionState, ref: OpRef, seconds: float) -> None:
    if seconds < 1:
        raise ValidationError(f"wait duration must be at least 1 second, got {seconds}")
    op = state.lookup(ref.id, WAIT, ref.name, SubType.WAIT)
    if op is None:
        state.begin_new_work()
        op = state.enqueue(ref.update(WAIT, A.START, SubType.WAIT, wait_seconds=seconds))
    if op.status is not S.STARTED:
        return  # SUCCEEDED (or cancelled): the wait is over
    due = op.scheduled_end_ms or 0
    if state.now_ms() >= due:
        state.begin_new_work()
        state.enqueue(ref.update(WAIT, A.SUCCEED, SubType.WAIT))
        return
    state.suspend_timer(ref.id, due, TimerKind.WAIT)
