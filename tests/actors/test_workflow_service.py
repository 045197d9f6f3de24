"""Promise workflows: create/resolve/get, conditional resolve, waiting, ctx.resolve atomicity."""
from __future__ import annotations

import threading
from typing import Any

import pytest

from durable_lambda import ActorClient, WorkflowService, actor
from durable_lambda.core.errors import (
    RemoteActorError,
    WorkflowAlreadyResolvedError,
    WorkflowNotFoundError,
    WorkflowTimeoutError,
)

from .conftest import World


def test_create_resolve_get(world: World) -> None:
    service = WorkflowService()
    wid = service.create()
    assert service.get(wid).status == "PENDING"
    service.resolve(wid, {"total": 3})
    record = service.get(wid)
    assert record.resolved and record.result == {"total": 3}
    assert service.create(wid) == wid and service.get(wid).resolved, "create is idempotent"


def test_resolve_is_at_most_once(world: World) -> None:
    service = WorkflowService()
    wid = service.create("w1")
    service.resolve(wid, 1)
    with pytest.raises(WorkflowAlreadyResolvedError, match="w1"):
        service.resolve(wid, 2)
    assert service.get(wid).result == 1
    with pytest.raises(WorkflowNotFoundError, match="nope"):
        service.resolve("nope", 1)


def test_wait_returns_result_or_times_out(world: World) -> None:
    service = WorkflowService()
    wid = service.create()
    with pytest.raises(WorkflowTimeoutError):
        service.wait(wid, timeout_seconds=0.2)
    timer = threading.Timer(0.2, service.resolve, args=(wid, "done"))
    timer.start()
    assert service.wait(wid, timeout_seconds=10) == "done"
    timer.join()


@actor(actor_type="counter")
def resolver(ctx: Any, payload: Any) -> Any:
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    ctx.resolve(payload["workflow"], {"n": ctx.state["n"]})
    if payload.get("crash"):
        raise RuntimeError("crash after resolve")
    return ctx.state["n"]


def test_ctx_resolve_commits_with_the_state(world: World) -> None:
    world.functions.register("resolver", resolver)
    service, client = WorkflowService(), ActorClient("resolver")
    wid = service.create()
    client.send("r", {"workflow": wid})
    world.poller.drain()
    assert service.wait(wid, timeout_seconds=5) == {"n": 1}
    assert world.state("r")["n"] == 1


def test_crashed_turn_resolves_nothing(world: World) -> None:
    world.functions.register("resolver", resolver)
    service, client = WorkflowService(), ActorClient("resolver")
    wid = service.create()
    with pytest.raises(RemoteActorError):
        client.call("r", {"workflow": wid, "crash": True})
    assert not service.get(wid).resolved and world.state("r") == {}


def test_resolving_an_already_resolved_workflow_fails_the_turn_atomically(world: World) -> None:
    world.functions.register("resolver", resolver)
    service, client = WorkflowService(), ActorClient("resolver")
    wid = service.create()
    service.resolve(wid, "first")
    with pytest.raises(RemoteActorError) as err:
        client.call("r", {"workflow": wid})
    assert err.value.error_type == "WorkflowAlreadyResolvedError"
    assert world.state("r") == {}, "state not saved when its resolve failed"
    assert service.get(wid).result == "first"
    assert client.call("r", {"workflow": service.create()}) == 1, "lease released"
