"""What a handler gives ``ctx.send`` / ``ctx.set_timer`` is checked at the call.

A value that cannot be sent (a datetime, NaN, a bad actor id) raises a typed error naming the
field inside the handler, so only that message fails — through the per-message poison path —
and the actor's other messages, in the same batch, are applied.
"""
from __future__ import annotations

import datetime
import json
from typing import Any

import boto3
import pytest

from durable_lambda import ActorClient, actor
from durable_lambda.actors.store import ActorStore
from durable_lambda.core.errors import InvalidRequestError, RemoteActorError, SerializationError

from .conftest import World

WHEN = datetime.datetime(2024, 1, 1)


def _value(raw: Any) -> Any:
    return WHEN if raw == "__datetime__" else raw


@actor(actor_type="emitter")
def emitter(ctx: Any, payload: Any) -> Any:
    """``{"send": v}`` sends ``v`` to counter#rx, ``{"timer": v}`` sets a timer with ``v``
    (``"__datetime__"`` stands for a datetime: the client would refuse a real one)."""
    ctx.state.setdefault("seen", []).append(payload["tag"])
    if "send" in payload:
        ctx.send("rx", {"value": _value(payload["send"])}, target="counter")
    if "timer" in payload:
        ctx.set_timer(60, {"value": _value(payload["timer"])})
    return len(ctx.state["seen"])


@pytest.mark.parametrize("effect", ["send", "timer"])
def test_a_non_json_effect_fails_at_the_call_naming_the_field(world: World, effect: str) -> None:
    raised: list[BaseException] = []

    @actor(actor_type="emitter")
    def direct(ctx: Any, _: Any) -> Any:
        try:
            if effect == "send":
                ctx.send("rx", {"at": WHEN})
            else:
                ctx.set_timer(5, {"at": WHEN})
        except Exception as exc:  # noqa: BLE001 - inspected below
            raised.append(exc)
        return "handled"

    world.functions.register("direct", direct)
    assert ActorClient("direct").call("a") == "handled"
    assert len(raised) == 1 and isinstance(raised[0], SerializationError), raised
    name = "ctx.send" if effect == "send" else "ctx.set_timer"
    assert f"payload of {name}" in str(raised[0]) and "datetime" in str(raised[0])


@pytest.mark.parametrize("what, fault", [
    ("nan", "delay_seconds"), ("bool", "delay_seconds"), ("negative", "delay_seconds"),
    ("actor", "actorId")])
def test_bad_timer_delay_and_bad_target_actor_are_typed_errors(
        world: World, what: str, fault: str) -> None:
    @actor(actor_type="emitter")
    def bad(ctx: Any, payload: Any) -> Any:
        delays = {"nan": float("nan"), "bool": True, "negative": -1}
        if payload in delays:
            ctx.set_timer(delays[payload], {})
        else:
            ctx.send("", {})
        return None

    world.functions.register("bad", bad)
    with pytest.raises(RemoteActorError) as err:
        ActorClient("bad").call("a", what)
    assert err.value.error_type == InvalidRequestError.__name__
    assert fault in err.value.error_message


def test_a_non_json_send_dead_letters_only_its_message_and_the_batch_goes_on(
        world: World) -> None:
    world.functions.register("emitter", emitter)
    client = ActorClient("emitter")
    client.send("e", {"tag": "before", "send": 1})
    client.send("e", {"tag": "bad", "send": "__datetime__"})
    client.send("e", {"tag": "after", "send": 2})
    client.send("other", {"tag": "healthy", "send": 3})
    world.poller.drain(max_batches=50)
    store = ActorStore(world.fabric.table)
    assert store.read("emitter#e").state["seen"] == ["before", "after"]
    assert store.read("emitter#other").state["seen"] == ["healthy"]
    sqs = boto3.client("sqs", endpoint_url=world.fabric.endpoint_url, region_name="us-east-1")
    dead = sqs.receive_message(QueueUrl=world.fabric.dlq, MaxNumberOfMessages=10,
                               MessageAttributeNames=["All"]).get("Messages", [])
    assert [json.loads(m["Body"])["payload"]["tag"] for m in dead] == ["bad"]
    reason = dead[0]["MessageAttributes"]["durable-error"]["StringValue"]
    assert reason.startswith("SerializationError: payload of ctx.send"), reason
    assert world.state("rx")["n"] == 3, "the healthy messages' sends were delivered, once each"
