"""Completing callbacks from outside an execution: success, failure, heartbeat, timeout.

``complete_callback`` is what a submitter (or the signal forwarder, for EventBridge
``WorkflowCallback`` events) calls with the callback id the execution handed out. It records
the outcome on the CALLBACK operation (once: a second completion changes nothing) and enqueues
the execution's resume. Timeouts are enforced by a timer scheduled when the callback is created
on the callback (see ``hosting``), which calls ``expire_callback`` when it fires.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Union

from durable_lambda.core import metrics
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.model import (
    ErrorObject,
    OperationAction,
    OperationType,
    OperationUpdate,
)
from durable_lambda.workflows.resume import schedule_resume, send_resume

ErrorLike = Union[ErrorObject, dict, str, BaseException]
#: what a callback records when a deadline passes (the official SDK's ``CallbackTimeoutType``)
CALLBACK_TIMEOUT = ErrorObject("Callback.Timeout", "Callback timed out")
CALLBACK_HEARTBEAT_TIMEOUT = ErrorObject("Callback.Heartbeat", "Callback timed out on heartbeat")


def complete_callback(callback_id: str, *, result: Optional[str] = None,
                      error: Optional[ErrorLike] = None, heartbeat: bool = False,
                      store: Optional[DynamoDBStore] = None) -> bool:
    """Succeed (``result``: the serialized result, str), fail (``error``) or heartbeat a callback.

    Returns True when this call completed the callback, False when it was already finished
    (or for a heartbeat). ``CallbackNotFoundError`` for an unknown id. The resume is enqueued
    even when the callback was already finished, so a caller retrying after a crash still wakes
    the execution (the deterministic envelope id makes SQS drop a duplicate).
    """
    store = store or DynamoDBStore()
    if heartbeat:
        if result is not None or error is not None:
            raise InvalidRequestError("a heartbeat carries no result or error")
        store.heartbeat(callback_id)
        return False
    _check_outcome(result, error)
    info = store.callback_info(callback_id)
    update = _update(info["operation_id"], result, error)
    changed = store.complete_external(info["execution_id"], info["operation_id"], update)
    send_resume(info["function_name"], info["execution_id"], "callback", info["operation_id"],
                message_id=f"cb:{callback_id}")
    return changed


def handle_callback_event(detail: dict[str, Any]) -> bool:
    """Apply an EventBridge ``WorkflowCallback`` detail
    ``{callbackId, result? | error? | heartbeat?}``."""
    if not isinstance(detail, dict) or not isinstance(detail.get("callbackId"), str):
        raise InvalidRequestError("WorkflowCallback detail needs a string 'callbackId'")
    result = detail.get("result")
    if result is not None and not isinstance(result, str):
        result = json.dumps(result, separators=(",", ":"))
    return complete_callback(detail["callbackId"], result=result, error=detail.get("error"),
                             heartbeat=bool(detail.get("heartbeat")))


def expire_callback(callback_id: str, store: DynamoDBStore,
                    now_ms: Optional[int] = None) -> Optional[bool]:
    """When a callback's timeout or heartbeat deadline has passed, time it out (True; False if it
    was already finished). When neither is due yet (a heartbeat pushed the deadline), schedule
    the next check and return None."""
    info = store.callback_info(callback_id)
    now = now_ms if now_ms is not None else store.now_ms()
    deadlines = [(info.get("timeout_ms"), CALLBACK_TIMEOUT),
                 (info.get("heartbeat_deadline_ms"), CALLBACK_HEARTBEAT_TIMEOUT)]
    due = [(d, error) for d, error in deadlines if d is not None and d <= now]
    if due:
        update = OperationUpdate(id=info["operation_id"], type=OperationType.CALLBACK,
                                 action=OperationAction.TIMEOUT, error=due[0][1])
        return metrics.count_if(store.complete_external(
            info["execution_id"], info["operation_id"], update), "CallbacksTimedOut")
    next_due = min(d for d, _ in deadlines if d is not None)
    schedule_resume(info["function_name"], info["execution_id"], "callback_timeout",
                    info["operation_id"], next_due, callbackId=callback_id)
    return None


def _check_outcome(result: Optional[str], error: Optional[ErrorLike]) -> None:
    if result is not None and error is not None:
        raise InvalidRequestError("complete_callback takes a result or an error, not both")
    if result is not None and not isinstance(result, (str, bytes)):
        raise InvalidRequestError(
            f"callback result must be the serialized result (str), got {type(result).__name__}")


def _update(operation_id: str, result: Optional[Union[str, bytes]],
            error: Optional[ErrorLike]) -> OperationUpdate:
    if error is not None:
        return OperationUpdate(id=operation_id, type=OperationType.CALLBACK,
                               action=OperationAction.FAIL, error=to_error_object(error))
    if isinstance(result, bytes):
        result = result.decode()
    return OperationUpdate(id=operation_id, type=OperationType.CALLBACK,
                           action=OperationAction.SUCCEED, payload=result)


def to_error_object(error: ErrorLike) -> ErrorObject:
    """An ErrorObject from an ErrorObject, an exception, a message, or a dict with
    ``ErrorType``/``ErrorMessage`` (or ``errorType``/``errorMessage``)."""
    if isinstance(error, ErrorObject):
        return error
    if isinstance(error, BaseException):
        return ErrorObject(type(error).__name__, str(error))
    if isinstance(error, str):
        return ErrorObject("CallbackError", error)
    if isinstance(error, dict):
        return ErrorObject(
            str(error.get("ErrorType") or error.get("errorType") or "CallbackError"),
            str(error.get("ErrorMessage") or error.get("errorMessage") or ""),
            error.get("ErrorData") or error.get("errorData"))
    raise InvalidRequestError(f"callback error must be an ErrorObject, dict, str or exception, "
                              f"got {type(error).__name__}")
