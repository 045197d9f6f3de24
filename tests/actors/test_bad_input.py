"""Bad input gets a clear typed error, corrupts nothing, loses nothing, blocks nobody."""
from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from durable_lambda import ActorClient, actor
from durable_lambda.core.errors import InvalidRequestError, RemoteActorError

from .conftest import World


def _sqs(world: World) -> Any:
    return boto3.client("sqs", endpoint_url=world.fabric.endpoint_url, region_name="us-east-1")


@pytest.mark.parametrize("event, fault", [
    ({"payload": {"by": 1}}, "actorId"),
    ({"actorId": "", "payload": 1}, "actorId"),
    ({"actorId": 42}, "actorId"),
    ({"actorId": "x" * 2000}, "actorId"),
    ({"actorId": "a", "sync": "yes"}, "sync"),
    (["not", "an", "object"], "JSON object"),
])
def test_malformed_direct_invoke_is_a_typed_error(world: World, event: Any, fault: str) -> None:
    with pytest.raises(RemoteActorError) as err:
        world.functions.invoke("counter", event)
    assert err.value.error_type == "InvalidRequestError"
    assert fault in err.value.error_message


def test_client_rejects_non_json_payload_before_sending(world: World) -> None:
    with pytest.raises(InvalidRequestError, match="payload is not JSON"):
        world.client.send("a", {"when": object()})
    with pytest.raises(InvalidRequestError, match="payload is not JSON"):
        world.client.call("a", {1, 2})
    with pytest.raises(InvalidRequestError, match="actorId"):
        world.client.send("", 1)


def test_non_json_message_is_dead_lettered_at_once_and_others_proceed(world: World) -> None:
    sqs = _sqs(world)
    sqs.send_message(QueueUrl=world.fabric.queue, MessageBody="{not json", MessageGroupId="g",
                     MessageDeduplicationId="bad-1")
    sqs.send_message(QueueUrl=world.fabric.queue, MessageBody=json.dumps({"kind": "actor"}),
                     MessageGroupId="g", MessageDeduplicationId="bad-2")
    world.client.send("ok", {"by": 1})
    world.poller.drain()
    assert world.state("ok")["n"] == 1
    dead = sqs.receive_message(QueueUrl=world.fabric.dlq, MaxNumberOfMessages=10,
                               MessageAttributeNames=["All"])["Messages"]
    reasons = sorted(m["MessageAttributes"]["durable-error"]["StringValue"] for m in dead)
    assert [m["Body"] for m in dead] == ["{not json", '{"kind": "actor"}']
    assert reasons[0].startswith("InvalidRequestError: message body is not JSON")
    assert reasons[1] == "InvalidRequestError: message field 'target' must be a non-empty string"
    assert world.poller.batches <= 2, "malformed messages were not retried"


@actor(actor_type="counter")
def hoarder(ctx: Any, payload: Any) -> Any:
    """Grows its state by ``kb`` kilobytes."""
    ctx.state.setdefault("blobs", []).append("x" * (payload["kb"] * 1024))
    return len(ctx.state["blobs"])


def test_oversized_state_is_rejected_and_nothing_is_lost(world: World) -> None:
    world.functions.register("hoarder", hoarder)
    client = ActorClient("hoarder")
    assert client.call("big", {"kb": 100}) == 1
    with pytest.raises(RemoteActorError) as err:
        client.call("big", {"kb": 350})
    assert err.value.error_type == "StateTooLargeError"
    assert "400" in err.value.error_message and "big" in err.value.error_message
    assert len(world.state("big")["blobs"]) == 1, "state unchanged by the rejected turn"
    client.send("big", {"kb": 350})
    client.send("big", {"kb": 1})
    world.poller.drain(max_batches=50)
    assert [len(b) for b in world.state("big")["blobs"]] == [100 * 1024, 1024], \
        "the oversized message failed alone; the next one of the group was applied"
    dead = _sqs(world).receive_message(QueueUrl=world.fabric.dlq, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"])["Messages"]
    assert len(dead) == 1 and json.loads(dead[0]["Body"])["payload"] == {"kb": 350}
    assert dead[0]["MessageAttributes"]["durable-error"]["StringValue"].startswith(
        "StateTooLargeError")


def test_unserializable_state_or_result_is_a_typed_error(world: World) -> None:
    @actor(actor_type="counter")
    def sloppy(ctx: Any, payload: Any) -> Any:
        if payload == "state":
            ctx.state["bad"] = {1, 2}
            return None
        return object()

    world.functions.register("sloppy", sloppy)
    for what in ("state", "result"):
        with pytest.raises(RemoteActorError) as err:
            ActorClient("sloppy").call("s", what)
        assert err.value.error_type == "SerializationError"
        assert "not JSON-serializable" in err.value.error_message
    assert world.state("s") == {}


def test_a_failing_target_function_fails_only_its_own_records(world: World) -> None:
    @actor(actor_type="counter")
    def broken(ctx: Any, payload: Any) -> Any:
        raise RuntimeError("always")

    world.functions.register("broken", broken)
    ActorClient("broken").send("x", 1)
    ActorClient("missing-function").send("y", 1)
    world.client.send("fine", {"by": 2})
    world.poller.poll_once()
    assert world.state("fine")["n"] == 2
    left = _sqs(world).receive_message(QueueUrl=world.fabric.queue, MaxNumberOfMessages=10)
    targets = sorted(json.loads(m["Body"])["target"] for m in left["Messages"])
    assert targets == ["broken", "missing-function"], "their records stay queued for retry"


def test_a_workflow_message_sent_to_an_actor_function_is_dead_lettered(world: World) -> None:
    from durable_lambda.core.envelope import Envelope, send
    send(Envelope(kind="workflow", target="counter", key="exec-1", payload={}))
    world.client.send("ok", {"by": 1})
    world.poller.drain()
    assert world.state("ok")["n"] == 1
    dead = _sqs(world).receive_message(QueueUrl=world.fabric.dlq,
                                       MessageAttributeNames=["All"])["Messages"]
    assert [m["MessageAttributes"]["durable-error"]["StringValue"] for m in dead] == [
        "InvalidRequestError: actor function received an 'workflow' message"]
