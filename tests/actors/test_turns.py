"""Sync and async turns: results, persistence, coalescing and the calls they cost."""
from __future__ import annotations

from durable_lambda.actors.store import ActorStore
from durable_lambda.core import aws

from .conftest import World


def test_sync_call_returns_result_and_persists_state(world: World) -> None:
    assert world.client.call("a", {"by": 2}) == 2
    assert world.client.call("a", {"by": 3}) == 5
    record = ActorStore(world.fabric.table).read("counter#a")
    assert record.state["n"] == 5 and record.version == 2
    assert world.client.call("b") == 1, "actors are independent"


def test_sync_turn_costs_two_dynamodb_calls(world: World) -> None:
    aws.call_counter.clear()
    world.client.call("a", {"by": 1})
    assert dict(aws.call_counter) == {"dynamodb.UpdateItem": 2, "lambda.Invoke": 1}


def test_async_messages_of_one_actor_are_coalesced_in_order(world: World) -> None:
    for i in range(6):
        world.client.send("a", {"by": 1, "tag": i})
    aws.call_counter.clear()
    assert world.poller.drain() == 6
    assert world.state("a")["seen"] == list(range(6)), "per-actor order kept"
    assert world.state("a")["n"] == 6
    assert aws.call_counter["dynamodb.UpdateItem"] == 2 * world.poller.batches


def test_direct_async_invoke_enqueues_for_the_router(world: World) -> None:
    reply = world.functions.invoke("counter", {"actorId": "a", "payload": {"by": 4},
                                               "sync": False})
    assert isinstance(reply["messageId"], str)
    assert world.state("a") == {}, "nothing applied before the router runs"
    world.poller.drain()
    assert world.state("a")["n"] == 4


def test_router_direct_entry_forwards_sync_and_async(world: World) -> None:
    assert world.functions.invoke("router", {"target": "counter", "actorId": "r",
                                             "payload": {"by": 2}}) == 2
    world.functions.invoke("router", {"target": "counter", "actorId": "r",
                                      "payload": {"by": 5}, "sync": False})
    world.poller.drain()
    assert world.state("r")["n"] == 7


def test_read_only_turn_releases_without_writing_state(world: World) -> None:
    from durable_lambda import actor

    @actor
    def reader(ctx, payload):  # type: ignore[no-untyped-def]
        return ctx.state.get("n", 0)

    world.functions.register("reader", reader)
    from durable_lambda import ActorClient
    aws.call_counter.clear()
    assert ActorClient("reader").call("x") == 0
    assert dict(aws.call_counter) == {"dynamodb.UpdateItem": 2, "lambda.Invoke": 1}
    assert ActorStore(world.fabric.table).read("reader#x").version == 0
