"""``context.create_callback``: an id an external system completes; ``.result()`` waits for it.

As in the SDK ``create_callback`` always returns the callback (even one already failed) and
``result()`` raises: ``CallbackTimeoutError`` for a timed-out callback, ``CallbackExternalError``
for a failed (cancelled, stopped) one. The result is the raw string sent by the completer
unless ``CallbackConfig.serdes`` decodes it.
"""
from __future__ import annotations

from typing import Any, Generic, TypeVar

from durable_lambda.workflows.config import CallbackConfig
from durable_lambda.workflows.exceptions import (
    CallbackError, CallbackExternalError, CallbackTimeoutError)
from durable_lambda.workflows.model import ErrorObject, OperationAction as A
from durable_lambda.workflows.model import OperationStatus as S, OperationType
from durable_lambda.workflows.operations.common import OpRef, SubType
from durable_lambda.workflows.serdes import PASS_THROUGH_SERDES, SerDes, SerDesContext, from_payload
from durable_lambda.workflows.state import ExecutionState

T = TypeVar("T")
CALLBACK = OperationType.CALLBACK
TIMEOUT_ERROR_TYPE = "Callback.Timeout"  # the official SDK's CallbackTimeoutType.TIMEOUT


class Callback(Generic[T]):
    """A pending external result. Send ``callback_id`` out; ``result()`` suspends until done."""

    def __init__(self, state: ExecutionState, ref: OpRef, callback_id: str,
                 serdes: SerDes | None, sub_type: str = SubType.CALLBACK) -> None:
        self._state, self._ref, self._serdes = state, ref, serdes
        self._sub_type = sub_type
        self.callback_id = callback_id
        self.operation_id = ref.id
        self.serdes = serdes

    def result(self) -> T:
        """The result (suspends the execution until the callback completes)."""
        state, ref = self._state, self._ref
        op = state.get(ref.id)
        if op is None:
            raise CallbackError(message="Callback operation must exist")
        if op.status is S.SUCCEEDED:
            return from_payload(self._serdes or PASS_THROUGH_SERDES, op.result,
                                SerDesContext(ref.id, state.execution_id))
        if op.status is S.STARTED and op.timeout_ms is not None and state.now_ms() >= op.timeout_ms:
            state.begin_new_work()
            op = state.enqueue(ref.update(CALLBACK, A.TIMEOUT, self._sub_type, error=ErrorObject(
                TIMEOUT_ERROR_TYPE, "Callback timed out")))
        if op.status is S.STARTED:
            state.suspend_callback(op)
        timed_out = op.status is S.TIMED_OUT
        error_class = CallbackTimeoutError if timed_out else CallbackExternalError
        error = op.error
        raise error_class(
            message=(error.error_message if error and error.error_message else
                     "Callback timed out" if timed_out else "Callback failed"),
            data=error.error_data if error else None,
            stack_trace=error.stack_trace if error else None)


def create_callback(state: ExecutionState, ref: OpRef,
                    config: CallbackConfig | None) -> Callback[Any]:
    config = config or CallbackConfig()
    sub_type = config.sub_type or SubType.CALLBACK
    op = state.lookup(ref.id, CALLBACK, ref.name, sub_type)
    if op is None:
        state.begin_new_work()
        state.enqueue(ref.update(
            CALLBACK, A.START, sub_type,
            callback_timeout_seconds=config.timeout_seconds or None,
            callback_heartbeat_timeout_seconds=config.heartbeat_timeout_seconds or None))
        state.flush()  # the store assigns the callback id; it must be durable before it is shared
        op = state.get(ref.id)
        assert op is not None
    return Callback(state, ref, op.callback_id or "", config.serdes, sub_type)
