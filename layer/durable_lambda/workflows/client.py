"""Start durable executions and read their status/result from anywhere (needs the table+queue).

    eid = start_execution("order-workflow", {"order": 42}, name="order-42")
    result = wait_for_result(eid, timeout=60)
    events = get_execution_history(eid)
    stop_execution(eid)  # while it runs
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.core.backoff import backoff_delays
from durable_lambda.core.errors import InvalidRequestError, WorkflowTimeoutError
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.errors import InvokeError
from durable_lambda.workflows.model import ErrorObject, ExecutionStatus
from durable_lambda.workflows.resume import send_resume

#: the ErrorType of an execution stopped without an error of its own
STOP_ERROR_TYPE = "ExecutionStopped"


@dataclass(frozen=True)
class ExecutionInfo:
    """Status of an execution; ``result`` is deserialized (JSON) once it SUCCEEDED."""

    execution_id: str
    function_name: str
    name: Optional[str]
    status: ExecutionStatus
    result: Any = None
    error: Optional[ErrorObject] = None

    @property
    def done(self) -> bool:
        return self.status is not ExecutionStatus.RUNNING


def start_execution(function_name: str, input: Any = None, name: Optional[str] = None,
                    store: Optional[DynamoDBStore] = None) -> str:
    """Create an execution of ``function_name`` and enqueue its first run; returns its id.

    With ``name`` the start is idempotent: the same (function, name) returns the same
    execution id (its first input is kept). The run is enqueued again for an existing
    execution that is still running (harmless: a run with nothing new to do suspends at once).
    """
    if not isinstance(function_name, str) or not function_name:
        raise InvalidRequestError("start_execution needs a function name")
    if name is not None and (not isinstance(name, str) or not name or len(name) > 256):
        raise InvalidRequestError(f"execution name must be a 1-256 character string, got {name!r}")
    try:
        encoded = json.dumps(input, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"execution input is not JSON-serializable: {exc}") from None
    store = store or DynamoDBStore()
    record, created = store.start_execution(function_name, encoded, name=name)
    if created or record.status is ExecutionStatus.RUNNING:
        send_resume(function_name, record.execution_id, "start",
                    message_id=f"start:{record.execution_id}")
    return record.execution_id


def get_execution(execution_id: str, store: Optional[DynamoDBStore] = None) -> ExecutionInfo:
    """Current status of ``execution_id`` (``ExecutionNotFoundError`` if unknown)."""
    record = (store or DynamoDBStore()).describe(execution_id)
    result = json.loads(record.result) if record.result is not None else None
    return ExecutionInfo(record.execution_id, record.function_name, record.name, record.status,
                         result, record.error)


def stop_execution(execution_id: str, error: Optional[ErrorObject] = None,
                   store: Optional[DynamoDBStore] = None) -> ExecutionInfo:
    """Stop a RUNNING execution (the service's ``StopDurableExecution``): it ends STOPPED with
    ``error`` (default ErrorType ``ExecutionStopped``), an invocation still running it is fenced
    out, and a child execution's parent learns it as a failed invoke (one resume message).
    ``ExecutionNotFoundError``; ``InvalidCheckpointError`` if it already finished."""
    error = error or ErrorObject(STOP_ERROR_TYPE, "stopped")
    record = (store or DynamoDBStore()).stop(execution_id, error)
    if record.parent:  # the host's run of a finished child completes its parent's operation
        send_resume(record.function_name, execution_id, "wake",
                    message_id=f"stop:{execution_id}")
    return ExecutionInfo(record.execution_id, record.function_name, record.name, record.status,
                         None, record.error)


def get_execution_history(execution_id: str,
                          store: Optional[DynamoDBStore] = None) -> list[dict[str, Any]]:
    """The execution's events in the ``GetDurableExecutionHistory`` format (EventId 1..n, every
    attempt and invocation); one Query per MB of the execution's items."""
    from durable_lambda.workflows.history import history_events
    return history_events(*(store or DynamoDBStore()).load_history(execution_id))


def wait_for_result(execution_id: str, timeout: float = 60.0,
                    store: Optional[DynamoDBStore] = None) -> Any:
    """Poll until the execution finishes; return its result, raise ``InvokeError`` carrying
    the recorded error when it failed, ``WorkflowTimeoutError`` after ``timeout`` seconds."""
    store = store or DynamoDBStore()
    deadline = time.monotonic() + timeout
    info = get_execution(execution_id, store)
    for delay in backoff_delays(deadline, base=0.05, cap=1.0):
        if info.done:
            break
        time.sleep(delay)
        info = get_execution(execution_id, store)
    if not info.done:
        raise WorkflowTimeoutError(
            f"execution {execution_id!r} still RUNNING after {timeout} seconds")
    if info.status is ExecutionStatus.SUCCEEDED:
        return info.result
    error = info.error or ErrorObject(info.status.value, "")
    raise InvokeError(f"execution {execution_id!r} {info.status.value}: {error.error_message}",
                      error.error_type, error.error_data)
