"""Fixtures for actor tests: a counter actor and the router on the local fabric."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda import ActorClient, actor
from durable_lambda.actors.context import ActorContext
from durable_lambda.platform import router
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.sqs_poller import SqsPoller


@actor
def counter(ctx: ActorContext, payload: Any) -> Any:
    """Adds ``by`` (default 1); ``{"fail": true}`` raises after mutating (a poison message)."""
    payload = payload or {}
    ctx.state["n"] = ctx.state.get("n", 0) + int(payload.get("by", 1))
    ctx.state.setdefault("seen", []).append(payload.get("tag"))
    if payload.get("fail"):
        raise RuntimeError("poison message")
    return ctx.state["n"]


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda) -> Iterator["World"]:
    local_lambda.register("counter", counter)
    local_lambda.register("router", router.handler)
    yield World(fabric, local_lambda)


class World:
    """The local fabric with the counter actor behind the router."""

    def __init__(self, fabric: Fabric, functions: LocalLambda) -> None:
        self.fabric = fabric
        self.functions = functions
        self.client = ActorClient("counter")
        self.poller = SqsPoller(fabric.queue, router.handler, endpoint_url=fabric.endpoint_url,
                                function_name="router")

    def state(self, actor_id: str) -> dict[str, Any]:
        from durable_lambda.actors.store import ActorStore
        return ActorStore(self.fabric.table).read(f"counter#{actor_id}").state
