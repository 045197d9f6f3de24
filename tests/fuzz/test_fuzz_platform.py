"""Property: the platform functions (router, timer forwarder, signal forwarder, DLQ redriver)
let only typed errors out of a direct call, refuse bad input before any effect, and in a batch
handle every healthy item exactly once whatever the other items are."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.platform import redriver, router, signal_forwarder, timer_forwarder
from tests.platform.records import actor_body, failures, record, send_violations, sqs_event

from .conftest import FuzzWorld, typed_only
from .strategies import FUZZ, json_values, mutate, records, texts

SIGNAL_FIELDS = ["target", "actorId", "payload", "id"]


def _no_effect() -> bool:
    return not any(k in aws.call_counter for k in ("sqs.SendMessage", "lambda.Invoke",
                                                   "dynamodb.UpdateItem",
                                                   "dynamodb.TransactWriteItems"))


# --- router --------------------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_a_direct_router_call_is_forwarded_or_refused_before_any_effect(
        fuzz: FuzzWorld, data: Any) -> None:
    fuzz.begin()
    actor_id = fuzz.fresh("r")
    event = data.draw(st.one_of(json_values, mutate(
        {"target": "counter", "actorId": actor_id, "payload": {"tag": "r"}, "sync": True},
        ["target", "actorId", "payload", "sync", "id"])))
    result, error = typed_only(router.handler, event, None)
    if isinstance(error, InvalidRequestError):
        assert _no_effect() and fuzz.state(actor_id) == {}


@FUZZ
@given(data=st.data())
def test_a_router_batch_dispatches_every_healthy_record_once(fuzz: FuzzWorld,
                                                             data: Any) -> None:
    fuzz.begin()
    healthy = [fuzz.healthy(f"h{i}") for i in range(data.draw(st.integers(1, 3)))]
    bad = []
    for i in range(data.draw(st.integers(1, 5))):
        actor_id = fuzz.fresh(f"f{i}")
        body = actor_body(actor_id, {"tag": actor_id})
        bad.append(data.draw(records(record(body), json.loads(body))))
    fuzz.unique_message_ids(bad)
    batch = data.draw(st.permutations([r for r, _ in healthy] + bad))
    response, error = typed_only(router.handler, sqs_event(*batch), None)
    assert error is None, f"a batch never raises: {error!r}"
    assert not {r["messageId"] for r, _ in healthy} & set(failures(response))
    for _, actor_id in healthy:
        assert fuzz.state(actor_id) == {"tags": [actor_id]}


# --- timer forwarder -----------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_a_timer_event_is_queued_unchanged_or_refused(fuzz: FuzzWorld, data: Any) -> None:
    fuzz.begin()
    base = json.loads(actor_body(fuzz.fresh("t"), {"tag": "t"}))
    envelope = data.draw(st.one_of(mutate(base, list(base)), json_values))
    event = data.draw(st.one_of(
        st.just({"envelope": envelope}),
        st.just({"envelope": json.dumps(envelope)}), json_values))
    result, error = typed_only(timer_forwarder.handler, event, None)
    if error is not None:
        assert isinstance(error, InvalidRequestError) and _no_effect()
        return
    [queued] = fuzz.peek.drain(fuzz.fabric.queue)
    sent = Envelope.from_json(queued["Body"])
    assert result == {"queued": sent.id}
    assert queued["Attributes"]["MessageGroupId"] == sent.group_id


# --- signal forwarder ----------------------------------------------------------------------

def _signal_event(data: Any, fuzz: FuzzWorld) -> Any:
    detail = data.draw(mutate({"target": "counter", "actorId": fuzz.fresh("s"),
                               "payload": {"tag": "s"}, "id": fuzz.fresh("sig")},
                              SIGNAL_FIELDS))
    callback = data.draw(mutate({"callbackId": fuzz.fresh("cb"), "result": "1"},
                                ["callbackId", "result", "error", "heartbeat"]))
    event = {"version": "0", "id": fuzz.fresh("ev"), "source": "durable-lambda",
             "detail-type": data.draw(st.sampled_from(["ActorSignal", "WorkflowCallback"])),
             "detail": detail}
    if event["detail-type"] == "WorkflowCallback":
        event["detail"] = callback
    return data.draw(st.one_of(mutate(event, ["id", "detail-type", "detail"]), json_values))


@FUZZ
@given(data=st.data())
def test_a_signal_event_is_forwarded_or_refused(fuzz: FuzzWorld, data: Any) -> None:
    fuzz.begin()
    event = _signal_event(data, fuzz)
    result, error = typed_only(signal_forwarder.handler, event, None)
    if isinstance(error, InvalidRequestError):
        assert _no_effect()


@FUZZ
@given(data=st.data())
def test_a_batch_of_signal_events_forwards_every_healthy_one_once(fuzz: FuzzWorld,
                                                                  data: Any) -> None:
    fuzz.begin()
    healthy_ids = [fuzz.fresh("ok") for _ in range(data.draw(st.integers(1, 3)))]
    healthy = [record(json.dumps({"id": f"ev-{i}", "detail-type": "ActorSignal", "detail": {
        "target": "counter", "actorId": i, "payload": {"tag": i}, "id": i}}), group="g")
        for i in healthy_ids]
    bad = [record(json.dumps(_signal_event(data, fuzz)) if data.draw(st.booleans())
                  else data.draw(json_values), group="g")
           for _ in range(data.draw(st.integers(1, 4)))]
    fuzz.unique_message_ids(bad)
    batch = data.draw(st.permutations(healthy + bad))
    response, error = typed_only(signal_forwarder.handler, sqs_event(*batch), None)
    assert error is None and not {r["messageId"] for r in healthy} & set(failures(response))
    queued = Counter(json.loads(m["Body"])["id"] for m in fuzz.peek.drain(fuzz.fabric.queue))
    assert all(queued[i] == 1 for i in healthy_ids), "each healthy signal queued once"


# --- DLQ redriver --------------------------------------------------------------------------

_attributes = st.dictionaries(
    st.one_of(texts, st.sampled_from(["durable-redrives", "durable-error", "trace"])),
    st.fixed_dictionaries({"DataType": st.sampled_from(["String", "Number", "String.x"]),
                           "StringValue": st.one_of(texts, st.sampled_from(["1", "7", "-2"]))}),
    max_size=11)


@FUZZ
@given(data=st.data())
def test_the_redriver_redrives_or_parks_everything_and_fails_nothing(
        fuzz: FuzzWorld, data: Any) -> None:
    fuzz.begin()
    healthy = [Envelope(kind="actor", target="counter", key=fuzz.fresh(f"h{i}"))
               for i in range(data.draw(st.integers(1, 3)))]
    for envelope in healthy:
        fuzz.peek.send_fifo(fuzz.fabric.dlq, envelope.to_json(), envelope.group_id,
                            envelope.dedup_id)
    sent = 0
    for i in range(data.draw(st.integers(1, 5))):
        base = json.loads(actor_body(fuzz.fresh(f"f{i}")))
        body = data.draw(st.one_of(mutate(base, list(base)).map(json.dumps), texts))
        attributes = data.draw(_attributes)
        params = {"MessageBody": body, "MessageGroupId": f"g{i}",
                  "MessageDeduplicationId": fuzz.fresh("d"), "MessageAttributes": attributes}
        if send_violations(params) or any(not v["StringValue"] for v in attributes.values()):
            continue  # real SQS would not have taken it onto the DLQ
        fuzz.peek.send_fifo(fuzz.fabric.dlq, body, f"g{i}", params["MessageDeduplicationId"],
                            attributes)
        sent += 1
    assume(sent)
    report = redriver.redrive(max_messages=50)
    assert report.failed == 0 and report.received == len(healthy) + sent
    assert report.parked + report.redriven == report.received
    moved = fuzz.peek.drain(fuzz.fabric.queue)
    assert Counter(m["Body"] for m in moved)[healthy[0].to_json()] == 1
    assert {e.to_json() for e in healthy} <= {m["Body"] for m in moved}
    parked = fuzz.peek.drain(fuzz.fabric.parked_queue)
    assert len(parked) == report.parked and len(moved) == report.redriven
    assert all(m["MessageAttributes"][redriver.PARKED_REASON_ATTRIBUTE] for m in parked)
    assert fuzz.peek.drain(fuzz.fabric.dlq) == []


@FUZZ
@given(event=st.one_of(json_values, st.fixed_dictionaries({"maxMessages": json_values})))
def test_the_redriver_handler_takes_any_event(fuzz: FuzzWorld, event: Any) -> None:
    fuzz.begin()
    result, error = typed_only(redriver.handler, event, None)
    assert error is None or isinstance(error, InvalidRequestError)
    assert error is not None or result["stopped"] in ("empty", "max_messages", "busy")
