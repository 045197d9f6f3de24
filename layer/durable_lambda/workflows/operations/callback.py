"""``context.create_callback``: an id an external system completes; ``.result()`` waits for it."""
from __future__ import annotations

from typing import Any, Generic, TypeVar

from durable_lambda.workflows.config import CallbackConfig
from durable_lambda.workflows.errors import CallbackError
from durable_lambda.workflows.model import ErrorObject, OperationAction as A
from durable_lambda.workflows.model import OperationStatus as S, OperationType
from durable_lambda.workflows.operations.common import OpRef, SubType
from durable_lambda.workflows.operations.step import failed_error
from durable_lambda.workflows.serdes import SerDes, SerDesContext, deserialize
from durable_lambda.workflows.state import ExecutionState

T = TypeVar("T")
CALLBACK = OperationType.CALLBACK
TIMEOUT_ERROR_TYPE = "Callback.Timeout"  # the official SDK's CallbackTimeoutType.TIMEOUT


class Callback(Generic[T]):
    """A pending external result. Send ``callback_id`` out; ``result()`` suspends until done."""

    def __init__(self, state: ExecutionState, ref: OpRef, callback_id: str,
                 serdes: SerDes | None) -> None:
        self._state, self._ref, self._serdes = state, ref, serdes
        self.callback_id = callback_id
        self.operation_id = ref.id

    def result(self) -> T:
        state, ref = self._state, self._ref
        op = state.get(ref.id)
        assert op is not None, "callback operation must exist"
        if op.status is S.SUCCEEDED:
            return deserialize(self._serdes, op.result, SerDesContext(ref.id, state.execution_id))
        if op.status is S.STARTED and op.timeout_ms is not None and state.now_ms() >= op.timeout_ms:
            state.begin_new_work()
            op = state.enqueue(ref.update(CALLBACK, A.TIMEOUT, SubType.CALLBACK, error=ErrorObject(
                TIMEOUT_ERROR_TYPE, "Callback timed out")))
        if op.status is S.STARTED:
            state.suspend_callback(op)
        raise failed_error(op.error, CallbackError)


def create_callback(state: ExecutionState, ref: OpRef, config: CallbackConfig | None) -> Callback[Any]:
    config = config or CallbackConfig()
    op = state.lookup(ref.id, CALLBACK, ref.name, SubType.CALLBACK)
    if op is None:
        state.begin_new_work()
        state.enqueue(ref.update(
            CALLBACK, A.START, SubType.CALLBACK,
            callback_timeout_seconds=config.timeout_seconds or None,
            callback_heartbeat_timeout_seconds=config.heartbeat_timeout_seconds or None))
        state.flush()  # the store assigns the callback id; it must be durable before it is shared
        op = state.get(ref.id)
        assert op is not None
    return Callback(state, ref, op.callback_id or "", config.serdes)
