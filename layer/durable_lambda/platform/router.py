"""The router: consumes the FIFO work queue and dispatches records to their target functions.

Records are grouped by envelope ``target`` (order kept) and each target is invoked once per
batch with ``{"Records": [...]}``; its ``batchItemFailures`` are returned to SQS. A target that
errors fails only its own records. Every record is checked on its own: a malformed one (or an
actor message with an invalid actor id) goes to the DLQ at once with its reason, and the
others are dispatched. FIFO order: once a record of a message group is reported as failed,
the group's later records in the batch are reported too.
Direct invokes ``{"target", "actorId", "payload", "sync"}`` are forwarded (a single entry point).
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from durable_lambda.actors.ids import validate_actor_id
from durable_lambda.core.concurrency import map_in_threads
from durable_lambda.core.envelope import Envelope, check_function_name, send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.event_shapes import is_sqs_event
from durable_lambda.core.invoke import invoke_function
from durable_lambda.core.logging import bind_invocation
from durable_lambda.core.sqs_batch import (
    Item,
    Rejected,
    failures_response,
    keep_group_order,
    parse_batch,
    settle_rejected,
)

log = logging.getLogger("durable_lambda")
MAX_PARALLEL_TARGETS = 8
#: the fields of a direct router call
CALL_FIELDS = frozenset({"target", "actorId", "payload", "sync", "id"})


def handler(event: Any, context: Any) -> Any:
    """Lambda entry point of the router function."""
    bind_invocation(context)
    if is_sqs_event(event):
        return route_batch(event["Records"])
    return forward_call(event)


def _check_actor(envelope: Envelope) -> None:
    if envelope.kind == "actor":
        validate_actor_id(envelope.key)


def route_batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Dispatch an SQS batch; returns the partial batch response."""
    entries = parse_batch(records, check=_check_actor)
    failed: list[str] = []
    held: set[str] = set()  # groups with a record reported failed: later ones wait
    targets: OrderedDict[str, list[Item]] = OrderedDict()
    for entry in entries:
        if entry.group in held:
            continue  # reported by keep_group_order below
        if isinstance(entry, Rejected):
            if not settle_rejected(entry) and entry.message_id:
                failed.append(entry.message_id)
                held.add(entry.group)
            continue
        targets.setdefault(entry.envelope.target, []).append(entry)
    for ids in map_in_threads(lambda kv: dispatch(*kv), list(targets.items()),
                              MAX_PARALLEL_TARGETS):
        failed += ids
    return failures_response(keep_group_order(entries, failed))


def dispatch(target: str, items: list[Item]) -> list[str]:
    """Invoke ``target`` with its records; returns the ids that failed."""
    ids = [i.message_id for i in items]
    try:
        response = invoke_function(target, {"Records": [i.record for i in items]})
    except Exception as exc:  # the target errored or does not exist: retry its records
        log.error("target %s failed for %d records: %s", target, len(ids), exc)
        return ids
    reported = {f.get("itemIdentifier") for f in (response or {}).get("batchItemFailures", [])
                if isinstance(f, dict)} if isinstance(response, dict) else set(ids)
    return [m for m in ids if m in reported]


def forward_call(event: Any) -> Any:
    """Sync/async entry: forward to the actor function, or enqueue for it.

    Every field is checked before anything is invoked or sent: ``target`` a function name,
    ``actorId`` a valid actor id, ``sync`` a boolean (default true), ``id`` (async only) a
    string; InvalidRequestError names the first fault.
    """
    if not isinstance(event, dict):
        raise InvalidRequestError("router call must be an object {target, actorId, payload, sync}")
    unknown = sorted(str(k) for k in event if k not in CALL_FIELDS)
    if unknown:
        raise InvalidRequestError(f"router call has unknown fields {unknown[:5]}; expected "
                                  f"{sorted(CALL_FIELDS)}")
    target = check_function_name("router call field 'target'", event.get("target"))
    actor_id = validate_actor_id(event.get("actorId"))
    sync = event.get("sync", True)
    if not isinstance(sync, bool):
        raise InvalidRequestError(f"sync must be true or false, got {sync!r}"[:120])
    message_id = event.get("id")
    if message_id is not None and not isinstance(message_id, str):
        raise InvalidRequestError("id must be a string when given")
    call = {"actorId": actor_id, "payload": event.get("payload")}
    if sync:
        if message_id is not None:
            raise InvalidRequestError("id is for async calls (sync: false) only")
        return invoke_function(target, {**call, "sync": True})
    return {"messageId": send(Envelope(kind="actor", target=target, key=actor_id,
                                       payload=call["payload"],
                                       **({"id": message_id} if message_id else {})))}
