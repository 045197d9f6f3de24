"""``context.run_in_child_context``: a CONTEXT operation grouping the operations of ``func``.

As in the SDK the value returned on a first run is ``deserialize(serialize(result))``. A result
over the payload limit is not stored: the operation succeeds with ``summary_generator(result)``
(or ``""``) and ``replay_children``, and replays re-run ``func`` (its children are all recorded,
so that is cheap) to rebuild it. A failure is recorded and surfaces as ``ChildContextError``
rebuilt from the recorded error. A *virtual* child (``ChildConfig(is_virtual=True)``) writes no
checkpoint of its own.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, TypeVar

from durable_lambda.workflows.errors import error_object_of, raise_operation_error
from durable_lambda.workflows.exceptions import (
    ChildContextError, DurableOperationError, ExecutionError, InvocationError,
    NonDeterministicExecutionError)
from durable_lambda.workflows.model import Operation, OperationAction as A, OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef
from durable_lambda.workflows.serdes import SerDes, SerDesContext, from_payload, to_payload
from durable_lambda.workflows.state import ExecutionState

T = TypeVar("T")
CONTEXT = OperationType.CONTEXT
_FAILED = (S.FAILED, S.CANCELLED, S.TIMED_OUT, S.STOPPED)


def run_child(state: ExecutionState, ref: OpRef, sub_type: str, body: Callable[[], T],
              serdes: SerDes | None = None,
              error_class: type[DurableOperationError] = ChildContextError, *,
              summary_generator: Optional[Callable[[Any], str]] = None) -> T:
    """Run ``body`` (which runs the child context's code) as the CONTEXT operation ``ref``."""
    sd = SerDesContext(ref.id, state.execution_id)
    op = state.lookup(ref.id, CONTEXT, ref.name, sub_type)
    replay_children = op is not None and op.status is S.SUCCEEDED and op.replay_children
    if op is not None:
        if op.status is S.SUCCEEDED and not replay_children:
            return from_payload(serdes, op.result, sd)
        if op.status in _FAILED:
            raise_operation_error(op.error, error_class)
    else:
        state.begin_new_work()
        state.enqueue(ref.update(CONTEXT, A.START, sub_type))
    data, value = _run_body(state, ref, sub_type, body, serdes, error_class, op,
                            record_failure=True)
    if replay_children:
        state.plugins.child_context_ended(ref, sub_type, S.SUCCEEDED, is_replayed=True)
        return value
    limit = state.max_payload_bytes
    if data is not None and limit is not None and len(data.encode()) > limit:
        summary = summary_generator(value) if summary_generator else ""
        state.enqueue(ref.update(CONTEXT, A.SUCCEED, sub_type, payload=summary,
                                 replay_children=True))
    else:
        state.enqueue(ref.update(CONTEXT, A.SUCCEED, sub_type, payload=data))
    return value


def run_virtual_child(state: ExecutionState, ref: OpRef, sub_type: str, body: Callable[[], T],
                      serdes: SerDes | None = None) -> T:
    """Run ``body`` as a virtual child context: no checkpoint of its own (its operations
    report to the enclosing context); a recorded operation at its id is non-determinism."""
    recorded = state.get(ref.id)
    if recorded is not None:
        error = NonDeterministicExecutionError(
            f"Non-deterministic child context at id={ref.id!r}: checkpoint contains a "
            "non-virtual child context but current child context is virtual", step_id=ref.id)
        state.fatal = state.fatal or error
        raise error
    try:
        _, value = _run_body(state, ref, sub_type, body, serdes, ChildContextError, None,
                             record_failure=False)
    except ChildContextError as error:
        if state.plugins.has_plugins:
            state.plugins.child_context_ended(ref, sub_type, S.FAILED,
                                              error_object_of(error.__cause__ or error))
        raise
    state.plugins.child_context_ended(ref, sub_type, S.SUCCEEDED)
    return value


def _run_body(state: ExecutionState, ref: OpRef, sub_type: str, body: Callable[[], T],
              serdes: SerDes | None, error_class: type[DurableOperationError],
              op: Optional[Operation], record_failure: bool) -> tuple[Optional[str], T]:
    """Run ``body`` with the user-function hooks; ``(payload, round-tripped value)``. A failure
    is recorded (unless virtual) and raised as ``error_class``; execution errors and retryable
    invocation errors propagate unchanged."""
    sd = SerDesContext(ref.id, state.execution_id)
    replay_children = op is not None and op.replay_children
    wrapped = state.plugins.wrap_user_function(body, ref, CONTEXT, sub_type, replay_children,
                                               None if op is not None else 1)
    try:
        data = to_payload(serdes, wrapped(), sd)
        return data, from_payload(serdes, data, sd)
    except ExecutionError:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded, then raised as the context's failure
        if isinstance(exc, InvocationError) and exc.is_retryable():
            raise
        error = error_object_of(exc)
        if record_failure:
            state.enqueue(ref.update(CONTEXT, A.FAIL, sub_type, error=error))
        raise_operation_error(error, error_class)
