"""Limits in the unit the storage counts, on every entry path; SQS group ids any actor id can
use; loose types refused at the router (issue 9)."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest

from durable_lambda import ActorClient
from durable_lambda.actors.ids import validate_actor_id
from durable_lambda.actors.store import ActorStore
from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope, group_id
from durable_lambda.core.errors import InvalidRequestError, RemoteActorError
from durable_lambda.platform import router, signal_forwarder, signals
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.sqs_poller import SqsPoller

from .records import SQS_ID
from .test_batch_isolation import counter

EMOJI_1000 = "\U0001F600" * 1000  # 1000 characters, 4000 UTF-8 bytes
ODD_IDS = ["user 42", "ünï", "\U0001F600" * 256, "é" * 512, "tab\there", "x" * 1024,
           "a" * 120, "line\nbreak"]


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda) -> LocalLambda:
    local_lambda.register("counter", counter)
    local_lambda.register("router", router.handler)
    return local_lambda


def _state(fabric: Fabric, actor_id: str) -> dict[str, Any]:
    return ActorStore(fabric.table).read(f"counter#{actor_id}").state


# --- ids in bytes ---------------------------------------------------------------------------

@pytest.mark.parametrize("actor_id", [EMOJI_1000, "é" * 513, "x" * 1025, "\ud800", ""])
def test_actor_ids_are_limited_in_utf8_bytes(actor_id: str) -> None:
    with pytest.raises(InvalidRequestError, match="actorId"):
        validate_actor_id(actor_id)


def test_1024_bytes_of_any_script_is_a_valid_actor_id() -> None:
    for actor_id in ("é" * 512, "\U0001F600" * 256, "x" * 1024):
        assert validate_actor_id(actor_id) == actor_id


def test_every_entry_path_refuses_an_id_over_the_byte_limit(world: LocalLambda) -> None:
    aws.call_counter.clear()
    with pytest.raises(RemoteActorError) as err:
        world.invoke("counter", {"actorId": EMOJI_1000, "payload": 1})
    assert err.value.error_type == "InvalidRequestError" and "bytes" in err.value.error_message
    for attempt in (lambda: ActorClient("counter").call(EMOJI_1000, 1),
                    lambda: ActorClient("counter").send(EMOJI_1000, 1),
                    lambda: router.forward_call({"target": "counter", "actorId": EMOJI_1000}),
                    lambda: router.forward_call({"target": "counter", "actorId": EMOJI_1000,
                                                 "sync": False}),
                    lambda: signals.send_signal("counter", EMOJI_1000, 1),
                    lambda: signal_forwarder.handle_event({
                        "id": "e1", "detail-type": "ActorSignal",
                        "detail": {"target": "counter", "actorId": EMOJI_1000}})):
        with pytest.raises(InvalidRequestError, match="actorId"):
            attempt()
    assert aws.call_counter["lambda.Invoke"] == 1, "only the direct invoke reached a function"
    assert not any(k.startswith(("dynamodb.", "sqs.", "events.")) for k in aws.call_counter)


def test_an_id_of_1024_bytes_works_end_to_end(world: LocalLambda, fabric: Fabric) -> None:
    actor_id = "\U0001F600" * 256
    assert ActorClient("counter").call(actor_id, {"tag": "sync"}) == 1
    assert _state(fabric, actor_id)["n"] == 1


# --- SQS group ids ---------------------------------------------------------------------------

def test_group_ids_within_sqs_rules_are_unchanged() -> None:
    assert group_id("counter", "user-42") == "counter#user-42"
    raw = "counter#" + "a" * 130  # valid characters, too long: hashed, as before
    assert group_id("counter", "a" * 130) == "h#" + hashlib.sha256(raw.encode()).hexdigest()


@pytest.mark.parametrize("actor_id", ODD_IDS)
def test_any_valid_actor_id_gets_a_group_id_sqs_accepts_always_the_same(actor_id: str) -> None:
    group = group_id("counter", actor_id)
    assert SQS_ID.fullmatch(group)
    assert group == Envelope(kind="actor", target="counter", key=actor_id).group_id
    assert group != group_id("counter", actor_id + "!") and group != group_id("other", actor_id)


def test_actors_with_odd_ids_are_reached_through_the_queue(world: LocalLambda,
                                                           fabric: Fabric) -> None:
    """The send audit (conftest) fails the test on any SendMessage real SQS would refuse."""
    from durable_lambda.testing.event_pump import EventPump

    pump = EventPump()
    for n, actor_id in enumerate(ODD_IDS):
        ActorClient("counter").send(actor_id, {"tag": "q"})
        signals.send_signal("counter", actor_id, {"tag": "s"}, id=f"sig-{n}")
    pump.drain()
    poller = SqsPoller(fabric.queue, router.handler, endpoint_url=fabric.endpoint_url,
                       function_name="router")
    poller.drain(max_batches=50)
    for actor_id in ODD_IDS:
        assert _state(fabric, actor_id)["tags"] == ["q", "s"], actor_id


def test_sending_refuses_a_group_id_sqs_would_refuse(fabric: Fabric,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.core import envelope as envelope_module

    monkeypatch.setattr(envelope_module, "group_id", lambda target, key: f"{target}#{key}")
    aws.call_counter.clear()
    with pytest.raises(InvalidRequestError, match="MessageGroupId"):
        envelope_module.send(Envelope(kind="actor", target="counter", key="user 42"))
    assert aws.call_counter["sqs.SendMessage"] == 0


def test_a_message_over_the_sqs_size_limit_is_a_typed_error(fabric: Fabric) -> None:
    with pytest.raises(InvalidRequestError, match="bytes"):
        ActorClient("counter").send("a", {"blob": "x" * (256 * 1024)})


# --- the router's direct call ---------------------------------------------------------------

@pytest.mark.parametrize("event, fault", [
    ({"target": "counter", "actorId": "a", "sync": "false"}, "sync"),
    ({"target": "counter", "actorId": "a", "sync": "true"}, "sync"),
    ({"target": "counter", "actorId": "a", "sync": 0}, "sync"),
    ({"target": "counter", "actorId": "a", "sync": None}, "sync"),
    ({"target": "counter", "actorId": 7}, "actorId"),
    ({"target": "counter"}, "actorId"),
    ({"target": 5, "actorId": "a"}, "target"),
    ({"target": "", "actorId": "a"}, "target"),
    ({"target": "no such function", "actorId": "a"}, "target"),
    ({"target": "counter", "actorId": "a", "synch": False}, "synch"),
    ({"target": "counter", "actorId": "a", "sync": False, "id": 12}, "id"),
    (["counter", "a"], "object"),
])
def test_the_router_refuses_loose_types_before_calling_anything(
        world: LocalLambda, fabric: Fabric, event: Any, fault: str) -> None:
    aws.call_counter.clear()
    with pytest.raises(InvalidRequestError, match=fault):
        router.handler(event, None)
    assert sum(aws.call_counter.values()) == 0, "nothing invoked, nothing sent"
    assert _state(fabric, "a") == {}


def test_the_router_forwards_well_typed_calls(world: LocalLambda, fabric: Fabric) -> None:
    assert router.handler({"target": "counter", "actorId": "a", "payload": {"tag": 1}}, None) == 1
    queued = router.handler({"target": "counter", "actorId": "a", "sync": False,
                             "payload": {"tag": 2}, "id": "m-1"}, None)
    assert queued == {"messageId": "m-1"}
    poller = SqsPoller(fabric.queue, router.handler, endpoint_url=fabric.endpoint_url,
                       function_name="router")
    poller.drain()
    assert _state(fabric, "a")["tags"] == [1, 2]


@pytest.mark.parametrize("callback_id", ["\ud800", "x" * 1100, "", 7])
def test_a_callback_id_is_checked_before_any_lookup(fabric: Fabric, callback_id: Any) -> None:
    aws.call_counter.clear()
    with pytest.raises(InvalidRequestError, match="callbackId"):
        signal_forwarder.handle_event({"id": "e1", "detail-type": "WorkflowCallback",
                                       "detail": {"callbackId": callback_id, "result": "1"}})
    assert sum(aws.call_counter.values()) == 0


def test_an_actor_type_over_the_byte_limit_is_refused() -> None:
    from durable_lambda import actor

    with pytest.raises(InvalidRequestError, match="actor_type"):
        actor(actor_type="é" * 512)
    assert actor(actor_type="x" * 1023)
