"""The guarantees actors promise, each with a test that fails if it breaks.

Single writer, per-actor order, no lost update, exactly-once effect of a message on state,
no message lost to a crash — with fault injection (handler crash, lease expiry with a zombie
writer, duplicate delivery, poison message).
"""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from durable_lambda import ActorClient, actor
from durable_lambda.actors.store import ActorStore
from durable_lambda.core.errors import RemoteActorError
from durable_lambda.core.settings import reset_settings
from durable_lambda.testing.fabric import MAX_RECEIVE_COUNT

from .conftest import World


def _sqs(world: World) -> Any:
    return boto3.client("sqs", endpoint_url=world.fabric.endpoint_url, region_name="us-east-1")


def _dlq_bodies(world: World) -> list[dict[str, Any]]:
    out = []
    for _ in range(5):
        got = _sqs(world).receive_message(QueueUrl=world.fabric.dlq, MaxNumberOfMessages=10,
                                          MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            break
        out += got
    return out


def test_fifty_concurrent_increments_sync_and_async_mixed_give_the_exact_count(
        world: World) -> None:
    world.poller.start()
    try:
        def one(i: int) -> None:
            if i % 2:
                world.client.call("hot", {"by": 1, "tag": i})
            else:
                world.client.send("hot", {"by": 1, "tag": i})

        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(one, range(50)))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and world.state("hot").get("n", 0) < 50:
            time.sleep(0.1)
    finally:
        world.poller.stop()
    world.poller.drain()
    state = world.state("hot")
    assert state["n"] == 50
    assert sorted(state["seen"]) == list(range(50)), "every increment applied exactly once"


def test_async_order_is_kept_per_actor_across_batches(world: World) -> None:
    world.poller.batch_size = 3
    for i in range(10):
        world.client.send("ordered", {"tag": i})
        world.client.send("other", {"tag": i})
    world.poller.drain()
    assert world.state("ordered")["seen"] == list(range(10))
    assert world.state("other")["seen"] == list(range(10))


FLAKY_FAILED: set[str] = set()


@actor(actor_type="counter")
def flaky(ctx: Any, payload: Any) -> Any:
    """Mutates state, then crashes the first time it sees a ``crash`` tag."""
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    ctx.state.setdefault("seen", []).append(payload["tag"])
    if payload.get("crash") and payload["tag"] not in FLAKY_FAILED:
        FLAKY_FAILED.add(payload["tag"])
        raise RuntimeError("crash mid-turn")
    return ctx.state["n"]


def test_crash_mid_turn_neither_loses_nor_doubles_an_effect(world: World) -> None:
    FLAKY_FAILED.clear()
    world.functions.register("flaky", flaky)
    client = ActorClient("flaky")
    for i in range(5):
        client.send("c", {"tag": i, "crash": i == 2})
    first = world.poller.poll_once()
    assert first == 5
    mid = world.state("c")
    assert mid["seen"] == [0, 1], "messages before the crash committed, the failed one rolled back"
    world.poller.drain()
    final = world.state("c")
    assert final["seen"] == [0, 1, 2, 3, 4] and final["n"] == 5


def test_sync_crash_leaves_state_untouched_and_releases_the_lease(world: World) -> None:
    FLAKY_FAILED.clear()
    world.functions.register("flaky", flaky)
    client = ActorClient("flaky")
    client.call("s", {"tag": 0})
    with pytest.raises(RemoteActorError) as err:
        client.call("s", {"tag": 1, "crash": True})
    assert err.value.error_type == "RuntimeError"
    assert world.state("s")["seen"] == [0]
    assert client.call("s", {"tag": 2}) == 2, "lease released: the next call runs at once"


def test_zombie_writer_after_lease_expiry_is_fenced(world: World,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_LEASE_SECONDS", "1")
    reset_settings()
    release_zombie = threading.Event()

    @actor(actor_type="counter")
    def slow(ctx: Any, payload: Any) -> Any:
        ctx.state["n"] = ctx.state.get("n", 0) + 1
        ctx.state.setdefault("seen", []).append(payload["tag"])
        if payload.get("stall"):
            release_zombie.wait(10)  # still running after its lease expired
        return ctx.state["n"]

    world.functions.register("slow", slow)
    client = ActorClient("slow")
    errors: list[BaseException] = []

    def zombie() -> None:
        try:
            client.call("z", {"tag": "zombie", "stall": True})
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    thread = threading.Thread(target=zombie)
    thread.start()
    time.sleep(1.3)  # the zombie's 1 s lease has expired
    assert client.call("z", {"tag": "successor"}) == 1
    release_zombie.set()
    thread.join(10)
    assert len(errors) == 1 and isinstance(errors[0], RemoteActorError)
    assert errors[0].error_type == "FencedError"
    state = world.state("z")
    assert state["seen"] == ["successor"], "the zombie's late save was rejected"


def test_contended_sync_call_waits_then_fails_with_actor_busy(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_SYNC_WAIT_SECONDS", "0.3")
    reset_settings()
    store = ActorStore(world.fabric.table)
    assert store.try_acquire("counter#busy", "someone-else", 60_000) is not None
    with pytest.raises(RemoteActorError) as err:
        world.client.call("busy")
    assert err.value.error_type == "ActorBusyError" and "busy" in err.value.error_message


def test_duplicate_delivery_changes_state_once(world: World) -> None:
    world.client.send("d", {"by": 1, "tag": "once"})
    record = _sqs(world).receive_message(QueueUrl=world.fabric.queue, AttributeNames=["All"])[
        "Messages"][0]
    event = {"Records": [{"messageId": record["MessageId"], "body": record["Body"],
                          "attributes": record["Attributes"], "eventSource": "aws:sqs"}]}
    from durable_lambda.testing.local_lambda import LambdaContext

    from .conftest import counter
    for _ in range(3):  # e.g. the delete after success was lost and SQS redelivered
        assert counter(event, LambdaContext("counter")) == {"batchItemFailures": []}
    assert world.state("d") == {"n": 1, "seen": ["once"]}


def test_resending_the_same_message_id_is_applied_once(world: World) -> None:
    for _ in range(3):
        world.client.send("i", {"by": 1}, message_id="order-42")
    world.poller.drain()
    assert world.state("i")["n"] == 1


def test_poison_message_goes_to_dlq_without_blocking_others(world: World) -> None:
    world.client.send("p", {"tag": "before"})
    world.client.send("p", {"tag": "poison", "fail": True})
    world.client.send("p", {"tag": "after"})
    for i in range(3):
        world.client.send("healthy", {"tag": i})
    world.poller.drain(max_batches=50)
    assert world.state("healthy")["seen"] == [0, 1, 2], "other actors unaffected"
    assert world.state("p")["seen"] == ["before", "after"], "its group resumed after the DLQ"
    dead = _dlq_bodies(world)
    assert [json.loads(m["Body"])["payload"]["tag"] for m in dead] == ["poison"]
    assert world.poller.batches >= MAX_RECEIVE_COUNT, "retried before dead-lettering"
