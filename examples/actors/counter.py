"""Counter: the smallest actor — one integer per actor id, sync and async.

Shows: ``@actor``, ``ctx.state``, sync calls (``ActorClient.call``) returning a value and
async sends (``ActorClient.send``) applied in order and coalesced into one turn per batch.
An async send with a ``message_id`` is applied once however often it is retried.

    from durable_lambda import ActorClient
    counters = ActorClient("examples-counter")
    counters.call("page-views", {"op": "add", "by": 1})   # -> 1
    counters.send("page-views", {"op": "add", "by": 5}, message_id="evt-42")
    counters.call("page-views", {"op": "get"})            # -> 6 once the send is applied

Deploy: a Python 3.11+ function with the durable-lambda layer attached, handler
``counter.handler``, the fabric's ``DURABLE_*`` variables (docs/contracts.md) and permission to
use the actor table and work queue; the router dispatches its async messages.
"""
from __future__ import annotations

from typing import Any

from durable_lambda import actor
from durable_lambda.core.errors import InvalidRequestError


def apply(value: int, command: dict[str, Any]) -> int:
    """The business logic: the counter's next value for ``command``."""
    op = command.get("op", "add")
    if op == "get":
        return value
    if op == "reset":
        return 0
    if op == "add":
        by = command.get("by", 1)
        if not isinstance(by, int) or isinstance(by, bool):
            raise InvalidRequestError(f"'by' must be an integer, got {by!r}")
        return value + by
    raise InvalidRequestError(f"unknown counter op {op!r}: use 'add', 'get' or 'reset'")


@actor(actor_type="counter")
def handler(ctx: Any, payload: Any) -> int:
    """``{"op": "add", "by": n}`` | ``{"op": "get"}`` | ``{"op": "reset"}`` -> the value."""
    value = apply(ctx.state.get("value", 0), payload or {})
    if value != ctx.state.get("value", 0):
        ctx.state["value"] = value  # a read leaves the state untouched: no write
    return value
