"""The reducer is the only place operation state changes; invalid transitions are rejected."""
from __future__ import annotations

import pytest

from durable_lambda.workflows.errors import InvalidCheckpointError
from durable_lambda.workflows.model import (
    ErrorObject, OperationAction as A, OperationStatus as S, OperationType as T, OperationUpdate)
from durable_lambda.workflows.reducer import apply_update


def upd(op_type: T, action: A, **kw) -> OperationUpdate:
    return OperationUpdate(id="op-1", type=op_type, action=action, **kw)


def test_start_fields_per_type() -> None:
    wait = apply_update(None, upd(T.WAIT, A.START, wait_seconds=2.5), 1000)
    assert wait.status is S.STARTED and wait.scheduled_end_ms == 3500
    cb = apply_update(None, upd(T.CALLBACK, A.START), 0, callback_id="given")
    assert cb.callback_id == "given"
    assert len(apply_update(None, upd(T.CALLBACK, A.START), 0).callback_id) == 32
    inv = apply_update(None, upd(T.CHAINED_INVOKE, A.START, function_name="f", payload="1"), 0)
    assert inv.function_name == "f" and inv.input == "1"


def test_step_attempts_count_finished_attempts() -> None:
    op = apply_update(None, upd(T.STEP, A.START), 0)
    op = apply_update(op, upd(T.STEP, A.RETRY, error=ErrorObject("E", "m"),
                              next_attempt_delay_seconds=3), 10)
    assert (op.status, op.attempt, op.next_attempt_ms) == (S.PENDING, 1, 3010)
    op = apply_update(op, upd(T.STEP, A.START), 3010)
    op = apply_update(op, upd(T.STEP, A.SUCCEED, payload="ok"), 3020)
    assert (op.status, op.attempt, op.result, op.end_ms) == (S.SUCCEEDED, 2, "ok", 3020)


@pytest.mark.parametrize("first,second,why", [
    (A.SUCCEED, A.SUCCEED, "already SUCCEEDED"),
    (A.FAIL, A.RETRY, "already FAILED"),
])
def test_update_on_finished_operation_rejected(first: A, second: A, why: str) -> None:
    op = apply_update(None, upd(T.STEP, first, error=ErrorObject("E", "m")), 0)
    with pytest.raises(InvalidCheckpointError, match=f"op-1.*{why}"):
        apply_update(op, upd(T.STEP, second, error=ErrorObject("E", "m")), 1)


def test_retry_only_for_steps_and_type_must_match() -> None:
    wait = apply_update(None, upd(T.WAIT, A.START, wait_seconds=1), 0)
    with pytest.raises(InvalidCheckpointError, match="RETRY applies to STEP"):
        apply_update(wait, upd(T.WAIT, A.RETRY), 1)
    with pytest.raises(InvalidCheckpointError, match="stored type is WAIT"):
        apply_update(wait, upd(T.STEP, A.SUCCEED), 1)
    with pytest.raises(InvalidCheckpointError, match="never started"):
        apply_update(None, upd(T.CALLBACK, A.SUCCEED), 1)
    with pytest.raises(InvalidCheckpointError, match="wait_seconds"):
        apply_update(None, upd(T.WAIT, A.START), 1)


def test_timeout_and_cancel() -> None:
    cb = apply_update(None, upd(T.CALLBACK, A.START), 0)
    timed = apply_update(cb, upd(T.CALLBACK, A.TIMEOUT), 5)
    assert timed.status is S.TIMED_OUT and timed.error.error_type == "TimedOut"
    assert apply_update(cb, upd(T.CALLBACK, A.CANCEL), 5).status is S.CANCELLED
