"""Publish signals to actors and callback results to workflows through the EventBridge bus.

Both go to ``DURABLE_BUS_NAME`` with source ``durable-lambda`` (docs/contracts.md); a rule
routes them to the signal forwarder, which enqueues an actor message or completes the
callback. One ``PutEvents`` call per signal (plus one per retry of a failed entry).
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Optional, Union

from durable_lambda.core.errors import DurableError, InvalidRequestError, SerializationError

SOURCE = "durable-lambda"
ACTOR_SIGNAL = "ActorSignal"
WORKFLOW_CALLBACK = "WorkflowCallback"
#: EventBridge's PutEvents limit for one entry (source, detail-type, detail, bus...)
MAX_ENTRY_BYTES = 256 * 1024
#: attempts per entry when PutEvents reports it failed (throttling, internal failure)
MAX_ATTEMPTS = 3


class SignalPublishError(DurableError):
    """EventBridge did not accept the event after every attempt; carries its error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"PutEvents failed: {code}: {message}")
        self.code = code


def send_signal(target: str, actor_id: str, payload: Any = None,
                id: Optional[str] = None) -> str:
    """Signal actor ``actor_id`` of function ``target`` with ``payload``; returns the message id.

    ``id`` makes the signal idempotent (a re-published id is delivered once); by default a
    fresh id is generated, so retrying this call after an error never duplicates the message.
    """
    from durable_lambda.actors.ids import validate_actor_id

    if not isinstance(target, str) or not target:
        raise InvalidRequestError("signal target must be a non-empty function name")
    validate_actor_id(actor_id)
    if id is not None and (not isinstance(id, str) or not id):
        raise InvalidRequestError("signal id must be a non-empty string when given")
    message_id = id or uuid.uuid4().hex
    publish(ACTOR_SIGNAL, {"target": target, "actorId": actor_id, "payload": payload,
                           "id": message_id})
    return message_id


ErrorLike = Union[str, dict, BaseException]


def send_callback_result(callback_id: str, result: Any = None, error: Optional[ErrorLike] = None,
                         heartbeat: bool = False) -> None:
    """Complete (``result``), fail (``error``) or heartbeat a workflow callback.

    ``result`` is the serialized result (str), as with the official SDK's callback-success
    call; any other JSON value is serialized by the receiver. ``error`` is a message, a dict
    ``{"ErrorType", "ErrorMessage", "ErrorData"?}`` or an exception.
    """
    from durable_lambda.core.envelope import check_text

    check_text("callbackId", callback_id)
    if result is not None and error is not None:
        raise InvalidRequestError("a callback takes a result or an error, not both")
    if heartbeat and (result is not None or error is not None):
        raise InvalidRequestError("a heartbeat carries no result or error")
    detail: dict[str, Any] = {"callbackId": callback_id}
    if heartbeat:
        detail["heartbeat"] = True
    elif error is not None:
        detail["error"] = _error_detail(error)
    else:
        detail["result"] = result
    publish(WORKFLOW_CALLBACK, detail)


def _error_detail(error: ErrorLike) -> Union[str, dict]:
    if isinstance(error, BaseException):
        return {"ErrorType": type(error).__name__, "ErrorMessage": str(error)}
    if isinstance(error, (str, dict)):
        return error
    raise InvalidRequestError(
        f"callback error must be a str, dict or exception, got {type(error).__name__}")


def publish(detail_type: str, detail: dict[str, Any]) -> str:
    """PutEvents one durable-lambda event to the bus; returns its EventBridge event id."""
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    try:
        body = json.dumps(detail, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"{detail_type} detail is not JSON-serializable: {exc}") from None
    bus = get_settings().require("bus_name")
    entry = {"Source": SOURCE, "DetailType": detail_type, "Detail": body, "EventBusName": bus}
    size = sum(len(str(v).encode()) for v in entry.values())
    if size > MAX_ENTRY_BYTES:
        raise InvalidRequestError(
            f"{detail_type} event is {size} bytes; EventBridge accepts at most {MAX_ENTRY_BYTES}")
    failure: dict[str, Any] = {}
    for _ in range(MAX_ATTEMPTS):
        response = aws.client("events").put_events(Entries=[entry])
        result = response["Entries"][0]
        if not response.get("FailedEntryCount") and result.get("EventId"):
            return str(result["EventId"])
        failure = result
    raise SignalPublishError(str(failure.get("ErrorCode", "Unknown")),
                             str(failure.get("ErrorMessage", "")))


__all__ = ["send_signal", "send_callback_result", "publish", "SignalPublishError", "SOURCE",
           "ACTOR_SIGNAL", "WORKFLOW_CALLBACK"]
