"""Timer forwarder: the EventBridge Scheduler target that puts a due envelope on the work queue.

Event (the schedule's Input): ``{"envelope": <envelope object or its JSON text>}``. The envelope
is sent unchanged, so its deduplication id is the one derived from its id: a schedule that
fires twice (Scheduler retries, a redelivered async invoke) enqueues it once within SQS's
5-minute window, and the actor's processed-id ring / the workflow's op state drop a later one.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from durable_lambda.core.envelope import Envelope, send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.logging import bind_invocation

log = logging.getLogger("durable_lambda")


def parse_timer_event(event: Any) -> Envelope:
    """The envelope carried by a timer event; InvalidRequestError naming what is wrong."""
    if not isinstance(event, dict) or "envelope" not in event:
        raise InvalidRequestError(
            "timer event must be an object with an 'envelope' field, got "
            f"{type(event).__name__}{'' if not isinstance(event, dict) else ' ' + str(sorted(event))}")
    body = event["envelope"]
    if isinstance(body, dict):
        body = json.dumps(body)
    elif not isinstance(body, str):
        raise InvalidRequestError(
            f"timer event 'envelope' must be an object or JSON text, got {type(body).__name__}")
    return Envelope.from_json(body)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point: forward the timer's envelope to ``DURABLE_QUEUE`` (one SendMessage)."""
    bind_invocation(context)
    envelope = parse_timer_event(event)
    send(envelope)
    log.info("timer fired: %s %s/%s id=%s", envelope.kind, envelope.target, envelope.key,
             envelope.id)
    return {"queued": envelope.id}
