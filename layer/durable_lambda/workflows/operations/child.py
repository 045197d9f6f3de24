"""``context.run_in_child_context``: a CONTEXT operation grouping the operations of ``func``.

A result over the payload limit is not stored: the operation is marked ``replay_children`` and
replays re-run ``func`` (its children are all recorded, so that is cheap) to rebuild it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from durable_lambda.workflows.errors import ChildContextError, PayloadTooLargeError
from durable_lambda.workflows.model import OperationAction as A, OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef
from durable_lambda.workflows.operations.step import failed_error
from durable_lambda.workflows.serdes import SerDes, SerDesContext, deserialize, serialize
from durable_lambda.workflows.state import ExecutionState, error_object

T = TypeVar("T")
CONTEXT = OperationType.CONTEXT


def run_child(state: ExecutionState, ref: OpRef, sub_type: str, body: Callable[[], T],
              serdes: SerDes | None, error_class: type = ChildContextError) -> T:
    """Run ``body`` (which runs the child context's code) as the CONTEXT operation ``ref``."""
    sd = SerDesContext(ref.id, state.execution_id)
    op = state.lookup(ref.id, CONTEXT, ref.name, sub_type)
    if op is not None:
        if op.status is S.SUCCEEDED and not op.replay_children:
            return deserialize(serdes, op.result, sd)
        if op.status in (S.FAILED, S.CANCELLED, S.TIMED_OUT, S.STOPPED):
            raise failed_error(op.error, error_class)
    else:
        state.begin_new_work()
        state.enqueue(ref.update(CONTEXT, A.START, sub_type))
    try:
        result = body()
    except Exception as exc:  # noqa: BLE001 - recorded, then raised as the context's failure
        error = error_object(exc)
        state.enqueue(ref.update(CONTEXT, A.FAIL, sub_type, error=error))
        raise error_class(error.error_message, error.error_type, error.error_data) from exc
    if op is not None and op.status is S.SUCCEEDED:
        return result  # replay_children: rebuilt by replay
    try:
        payload: Any = serialize(serdes, result, sd, state.max_payload_bytes, "child context result")
        state.enqueue(ref.update(CONTEXT, A.SUCCEED, sub_type, payload=payload))
    except PayloadTooLargeError:
        state.enqueue(ref.update(CONTEXT, A.SUCCEED, sub_type, payload=None, replay_children=True))
    return result


