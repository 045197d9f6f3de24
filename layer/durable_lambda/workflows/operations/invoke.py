"""``context.invoke``: run another durable function as a CHAINED_INVOKE and wait for it.

Payload and result go through plain JSON unless ``InvokeConfig`` names serdes (as in the SDK);
``tenant_id`` is recorded on the START. A failed, timed-out or stopped invoke raises
``InvokeError`` rebuilt from the recorded error.
"""
from __future__ import annotations

from typing import Any

from durable_lambda.workflows.config import InvokeConfig
from durable_lambda.workflows.errors import raise_operation_error
from durable_lambda.workflows.exceptions import InvokeError, ValidationError
from durable_lambda.workflows.model import OperationAction as A, OperationStatus as S
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.operations.common import OpRef, SubType
from durable_lambda.workflows.outcome import PendingInvoke
from durable_lambda.workflows.serdes import (
    DEFAULT_JSON_SERDES, SerDesContext, from_payload, to_payload)
from durable_lambda.workflows.state import ExecutionState

INVOKE = OperationType.CHAINED_INVOKE


def run_invoke(state: ExecutionState, ref: OpRef, function_name: str, payload: Any,
               config: InvokeConfig | None) -> Any:
    if not function_name or not isinstance(function_name, str):
        raise ValidationError(f"invoke needs a function name, got {function_name!r}")
    config = config or InvokeConfig()
    sd = SerDesContext(ref.id, state.execution_id)
    op = state.lookup(ref.id, INVOKE, ref.name, SubType.CHAINED_INVOKE)
    if op is None:
        state.begin_new_work()
        data = to_payload(config.serdes_payload or DEFAULT_JSON_SERDES, payload, sd,
                          state.max_payload_bytes, "invoke payload")
        state.enqueue(ref.update(INVOKE, A.START, SubType.CHAINED_INVOKE, payload=data,
                                 function_name=function_name, tenant_id=config.tenant_id))
        state.flush()  # durable before the host starts the other function
        op = state.get(ref.id)
        assert op is not None
    if op.status is S.SUCCEEDED:
        return from_payload(config.serdes_result or DEFAULT_JSON_SERDES, op.result, sd)
    if op.status is S.STARTED:
        state.suspend_invoke(PendingInvoke(ref.id, op.function_name or function_name, op.input,
                                           ref.name))
    raise_operation_error(op.error, InvokeError)
