"""The ``@actor`` decorator: turns a function ``(ctx, payload)`` into a Lambda handler.

The handler accepts a direct invoke ``{"actorId", "payload", "sync"}`` and SQS batch events
(dispatched by the router, or from a queue wired to the function directly).
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Optional, overload

from durable_lambda.actors.ids import validate_actor_id, validate_actor_type
from durable_lambda.actors.runtime import ActorHandler, ActorMessage, ActorRuntime
from durable_lambda.core.envelope import Envelope, send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.event_shapes import is_sqs_event
from durable_lambda.core.logging import bind_invocation
from durable_lambda.core.settings import get_settings
from durable_lambda.core.sqs_batch import Item, dead_letter, process_batch
from durable_lambda.core.startup import check_timeout

log = logging.getLogger("durable_lambda")
MAX_PARALLEL_ACTORS = 10
LambdaHandler = Callable[[Any, Any], Any]


@overload
def actor(handler: ActorHandler) -> LambdaHandler: ...
@overload
def actor(*, actor_type: Optional[str] = None) -> Callable[[ActorHandler], LambdaHandler]: ...


def actor(handler: Optional[ActorHandler] = None, *,
          actor_type: Optional[str] = None) -> Any:
    """Make ``handler(ctx, payload)`` an actor Lambda handler.

    ``actor_type`` namespaces actor ids in the state table (default: DURABLE_ACTOR_TYPE, else
    the function name). The returned handler has ``.runtime`` for tests.
    """
    if actor_type is not None:
        validate_actor_type(actor_type)

    def wrap(fn: ActorHandler) -> LambdaHandler:
        runtime = ActorRuntime(fn, actor_type)

        @functools.wraps(fn)
        def lambda_handler(event: Any, context: Any) -> Any:
            bind_invocation(context)
            check_timeout(context)
            if is_sqs_event(event):
                return handle_batch(runtime, event["Records"], context)
            return handle_direct(runtime, event, context)

        lambda_handler.runtime = runtime  # type: ignore[attr-defined]
        return lambda_handler

    return wrap(handler) if handler is not None else wrap


def handle_direct(runtime: ActorRuntime, event: Any, context: Any) -> Any:
    """Direct invoke: sync turns return the handler's result; async ones enqueue."""
    if not isinstance(event, dict):
        raise InvalidRequestError("event must be a JSON object {actorId, payload, sync}")
    actor_id = validate_actor_id(event.get("actorId"))
    sync = event.get("sync", True)
    if not isinstance(sync, bool):
        raise InvalidRequestError("sync must be true or false")
    if sync:
        return runtime.call(actor_id, event.get("payload"), context)
    function_name = getattr(context, "function_name", None)
    if not function_name:
        raise InvalidRequestError("async call needs the Lambda context's function_name")
    message_id = event.get("id")
    if message_id is not None and not isinstance(message_id, str):
        raise InvalidRequestError("id must be a string when given")
    envelope = Envelope(kind="actor", target=function_name, key=actor_id,
                        payload=event.get("payload"),
                        **({"id": message_id} if message_id else {}))
    return {"messageId": send(envelope)}


def handle_batch(runtime: ActorRuntime, records: list[dict[str, Any]], context: Any) -> Any:
    """SQS batch: one turn per actor (actors in parallel), in order; failures per message.

    Every record is checked on its own (kind, target, actor id): a bad one is dead-lettered
    with its reason and the others are processed (``core.sqs_batch``)."""
    return process_batch(records, "actor",
                         lambda items: _process_actor_group(runtime, items, context),
                         MAX_PARALLEL_ACTORS,
                         function_name=getattr(context, "function_name", None),
                         check=lambda envelope: validate_actor_id(envelope.key))


def _process_actor_group(runtime: ActorRuntime, items: list[Item], context: Any) -> list[str]:
    """Run one actor's records as one turn; returns the SQS message ids to redeliver."""
    max_receives = get_settings().max_receive_count
    by_id = {item.envelope.id: item for item in items}
    messages = [ActorMessage(i.envelope.id, i.envelope.payload,
                             last_attempt=i.receive_count >= max_receives,
                             sent_at=i.envelope.sent_at) for i in items]

    def to_dlq(message: ActorMessage, error: Exception) -> bool:
        return dead_letter(by_id[message.id].record, error)

    done = runtime.process_group(items[0].envelope.key, messages, context, on_poison=to_dlq)
    return [i.message_id for i in items[done:]]
