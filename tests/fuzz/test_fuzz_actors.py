"""Property: the actor handler, invoked directly or with an SQS batch, lets only typed errors
out; in a batch every healthy record is applied exactly once, every other record is either
applied or dead-lettered (never both, never lost), and a rejected record changes no state."""
from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from durable_lambda.actors.ids import validate_actor_id
from durable_lambda.core.errors import InvalidRequestError
from tests.platform.records import actor_body, failures, record, sqs_event

from .conftest import APPLIED, FuzzWorld, body_of, ledger, typed_only
from .strategies import FUZZ, json_values, mutate, records


def _valid_id(value: Any) -> bool:
    try:
        validate_actor_id(value)
        return True
    except InvalidRequestError:
        return False


@FUZZ
@given(data=st.data())
def test_an_actor_batch_isolates_every_bad_record(fuzz: FuzzWorld, data: Any) -> None:
    fuzz.begin()
    healthy = [fuzz.healthy(f"h{i}") for i in range(data.draw(st.integers(1, 3)))]
    bad = []
    for i in range(data.draw(st.integers(1, 6))):
        actor_id = fuzz.fresh(f"f{i}")
        bad.append(data.draw(records(record(actor_body(actor_id, {"tag": actor_id})),
                                     body_of({"body": actor_body(actor_id, {"tag": actor_id})}))))
    fuzz.unique_message_ids(bad)
    ids = [body_of(r).get("id") for r in bad if isinstance(body_of(r).get("id"), str)]
    actors = [body_of(r).get("actorId") for r in bad if isinstance(body_of(r).get("actorId"), str)]
    assume(len(ids) == len(set(ids)) and len(actors) == len(set(actors)))
    batch = data.draw(st.permutations([r for r, _ in healthy] + bad))

    response, error = typed_only(ledger, sqs_event(*batch), fuzz.context())
    assert error is None, f"a batch never raises: {error!r}"
    assert failures(response) == [], "with a DLQ, nothing is left for SQS to retry"
    for _, actor_id in healthy:
        assert fuzz.state(actor_id) == {"tags": [actor_id]}, "healthy: applied exactly once"
    applied = [r for r in bad if body_of(r).get("id") in APPLIED]
    dead = fuzz.peek.drain(fuzz.fabric.dlq)
    assert len(dead) + len(applied) == len(bad), "each bad record: applied xor dead-lettered"
    assert all(m["MessageAttributes"]["durable-error"]["StringValue"] for m in dead)
    assert len(APPLIED) == len(set(APPLIED)) == len(healthy) + len(applied)
    for r in bad:
        actor_id = body_of(r).get("actorId")
        if r not in applied and _valid_id(actor_id):
            assert fuzz.state(actor_id) == {}, "a rejected record changes no state"


@FUZZ
@given(data=st.data())
def test_a_direct_actor_call_raises_only_typed_errors(fuzz: FuzzWorld, data: Any) -> None:
    fuzz.begin()
    actor_id = fuzz.fresh("d")
    event = data.draw(st.one_of(json_values, mutate(
        {"actorId": actor_id, "payload": {"tag": "d"}, "sync": True},
        ["actorId", "payload", "sync", "id"])))
    result, error = typed_only(ledger, event, fuzz.context())
    if error is not None:
        assert fuzz.state(actor_id) == {} and fuzz.sent() == 0, "rejected: nothing changed"
    elif isinstance(event, dict) and event.get("sync", True) is True:
        assert result == len(fuzz.state(event["actorId"])["tags"])
    else:
        assert fuzz.sent() == 1 and set(result) == {"messageId"}
