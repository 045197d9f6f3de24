"""Signal forwarder: the EventBridge rule target for ``ActorSignal`` and ``WorkflowCallback``.

- ``ActorSignal`` (detail ``{target, actorId, payload, id?}``) becomes an actor envelope on
  ``DURABLE_QUEUE``; its id is ``detail.id`` or, when absent, ``sig:<EventBridge event id>``,
  so a redelivered event is deduplicated like any message (one SendMessage).
- ``WorkflowCallback`` (detail ``{callbackId, result?|error?|heartbeat?}``) is applied with
  ``durable_lambda.workflows.callbacks`` (records the outcome, enqueues the resume).

It accepts one EventBridge event (the rule's Lambda target; bad input raises a typed error) or
an SQS batch whose bodies are EventBridge events (a rule with a queue target, as in the local
emulation): there, a bad event is logged and dropped (it can never succeed), a failing one is
reported in ``batchItemFailures``, and neither affects the other events of the batch.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from durable_lambda.core.envelope import Envelope, check_function_name, check_text, send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.event_shapes import is_sqs_event
from durable_lambda.core.logging import bind_invocation
from durable_lambda.core.sqs_batch import failures_response
from durable_lambda.platform.signals import ACTOR_SIGNAL, WORKFLOW_CALLBACK

log = logging.getLogger("durable_lambda")


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (an EventBridge event, or an SQS batch of them)."""
    bind_invocation(context)
    if is_sqs_event(event):
        return handle_batch(event["Records"])
    return handle_event(event)


def handle_event(event: Any) -> dict[str, Any]:
    """Forward one EventBridge event; InvalidRequestError names what is wrong with it."""
    if not isinstance(event, dict):
        raise InvalidRequestError(f"EventBridge event must be an object, got {type(event).__name__}")
    detail_type = event.get("detail-type")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise InvalidRequestError(f"{detail_type or 'event'} detail must be an object")
    if detail_type == ACTOR_SIGNAL:
        return {"queued": forward_signal(detail, event.get("id"))}
    if detail_type == WORKFLOW_CALLBACK:
        return {"completed": forward_callback(detail)}
    raise InvalidRequestError(
        f"unknown detail-type {detail_type!r}: expected {ACTOR_SIGNAL!r} or {WORKFLOW_CALLBACK!r}")


def forward_signal(detail: dict[str, Any], event_id: Any) -> str:
    """Enqueue the actor message of an ActorSignal detail; returns its message id."""
    from durable_lambda.actors.ids import validate_actor_id

    target = check_function_name("ActorSignal detail.target", detail.get("target"))
    actor_id = validate_actor_id(detail.get("actorId"))
    message_id = detail.get("id")
    if message_id is None:
        if not isinstance(event_id, str) or not event_id:
            raise InvalidRequestError("ActorSignal needs detail.id or an EventBridge event id")
        message_id = f"sig:{event_id}"
    elif not isinstance(message_id, str) or not message_id:
        raise InvalidRequestError("ActorSignal detail.id must be a non-empty string")
    return send(Envelope(kind="actor", target=target, key=actor_id,
                         payload=detail.get("payload"), id=message_id))


def forward_callback(detail: dict[str, Any]) -> bool:
    """Apply a WorkflowCallback detail; True when it completed the callback.

    The callback id is checked first (a non-empty string of at most 1024 UTF-8 bytes), so
    a malformed one costs no look-up."""
    check_text("WorkflowCallback detail.callbackId", detail.get("callbackId"))
    from durable_lambda.workflows.callbacks import (
        handle_callback_event,  # heavy: only for callbacks
    )

    return bool(handle_callback_event(detail))


def is_bad_input(exc: Exception) -> bool:
    """True for errors retrying cannot fix: malformed events, unknown callback ids."""
    if isinstance(exc, ValueError):  # InvalidRequestError
        return True
    try:
        from durable_lambda.workflows.errors import CallbackNotFoundError, ValidationError
    except ImportError:
        return False
    return isinstance(exc, (CallbackNotFoundError, ValidationError))


def handle_batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Forward each record's EventBridge event; returns the partial batch response."""
    failures: list[str] = []
    for record in records:
        message_id = record.get("messageId")
        try:
            try:
                event = json.loads(record.get("body") or "")
            except (TypeError, ValueError, RecursionError) as exc:
                raise InvalidRequestError(f"record body is not JSON: {exc}") from None
            handle_event(event)
        except Exception as exc:
            if is_bad_input(exc):
                log.error("signal event %s dropped: %s: %s", message_id,
                          type(exc).__name__, exc)
            elif isinstance(message_id, str) and message_id:
                log.warning("signal event %s failed, will retry: %s: %s",
                            message_id, type(exc).__name__, exc)
                failures.append(message_id)
            else:  # a retry cannot be asked for without an id: Lambda would fail the batch
                log.error("signal event without a messageId failed, dropped: %s: %s",
                          type(exc).__name__, exc)
    return failures_response(failures)
