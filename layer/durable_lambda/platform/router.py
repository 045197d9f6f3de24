"""The router: consumes the FIFO work queue and dispatches records to their target functions.

Records are grouped by envelope ``target`` (order kept) and each target is invoked once per
batch with ``{"Records": [...]}``; its ``batchItemFailures`` are returned to SQS. A target that
errors fails only its own records; malformed records go to the DLQ at once.
Direct invokes ``{"target", "actorId", "payload", "sync"}`` are forwarded (a single entry point).
"""
from __future__ import annotations

import logging
from typing import Any

from durable_lambda.actors.ids import validate_actor_id
from durable_lambda.core.concurrency import map_in_threads
from durable_lambda.core.envelope import Envelope, send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.invoke import invoke_function
from durable_lambda.core.sqs_batch import Item, failures_response, is_sqs_event, parse_batch

log = logging.getLogger("durable_lambda")
MAX_PARALLEL_TARGETS = 8


def handler(event: Any, context: Any) -> Any:
    """Lambda entry point of the router function."""
    if is_sqs_event(event):
        return route_batch(event["Records"])
    return forward_call(event)


def route_batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Dispatch an SQS batch; returns the partial batch response."""
    batch = parse_batch(records)
    failures = list(batch.failures)
    targets = list(batch.groups(by="target").items())
    for failed in map_in_threads(lambda kv: dispatch(*kv), targets, MAX_PARALLEL_TARGETS):
        failures += failed
    return failures_response(failures)


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
    """Sync/async entry: forward to the actor function, or enqueue for it."""
    if not isinstance(event, dict) or not isinstance(event.get("target"), str):
        raise InvalidRequestError("router call needs {target, actorId, payload, sync}")
    target = event["target"]
    call = {k: event.get(k) for k in ("actorId", "payload")}
    if event.get("sync", True):
        return invoke_function(target, {**call, "sync": True})
    validate_actor_id(call["actorId"])
    return {"messageId": send(Envelope(kind="actor", target=target, key=call["actorId"],
                                       payload=call["payload"]))}
