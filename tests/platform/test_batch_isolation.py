"""A bad record is that record's fault only: typed reason, dead-lettered, the rest processed;
every record's kind is checked; FIFO order holds per message group (issue 9)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from durable_lambda import actor
from durable_lambda.actors.context import ActorContext
from durable_lambda.actors.store import ActorStore
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LambdaContext

from .conftest import Peek
from .records import actor_body, failures, record, sqs_event, workflow_body


@actor
def counter(ctx: ActorContext, payload: Any) -> Any:
    """Adds ``by`` (default 1) and remembers each payload's ``tag``."""
    payload = payload if isinstance(payload, dict) else {}
    ctx.state["n"] = ctx.state.get("n", 0) + int(payload.get("by", 1))
    ctx.state.setdefault("tags", []).append(payload.get("tag"))
    if payload.get("fail"):
        raise RuntimeError("poison")
    return ctx.state["n"]


def run(*records: dict[str, Any]) -> list[str]:
    return failures(counter(sqs_event(*records), LambdaContext("counter")))


def state(fabric: Fabric, actor_id: str) -> dict[str, Any]:
    return ActorStore(fabric.table).read(f"counter#{actor_id}").state


def dead(peek: Peek) -> list[dict[str, Any]]:
    return peek.drain(peek.fabric.dlq)


def reason(message: dict[str, Any]) -> str:
    return message["MessageAttributes"]["durable-error"]["StringValue"]


# --- 1. kind and target are checked per record --------------------------------------------

def test_a_workflow_record_first_in_an_actor_group_does_not_dead_letter_the_actor_messages(
        fabric: Fabric, peek: Peek) -> None:
    stray = record(workflow_body("a"), group="counter#a")
    good = record(actor_body("a", {"tag": "ok"}), group="counter#a")
    assert run(stray, good) == []
    assert state(fabric, "a")["tags"] == ["ok"]
    letters = dead(peek)
    assert [m["Body"] for m in letters] == [stray["body"]]
    assert "'workflow' message" in reason(letters[0])


def test_a_workflow_record_after_an_actor_message_is_not_applied_to_the_actor(
        fabric: Fabric, peek: Peek) -> None:
    good = record(actor_body("a", {"tag": "ok"}), group="counter#a")
    stray = record(workflow_body("a", payload={"tag": "wf"}), group="counter#a")
    assert run(good, stray) == []
    assert state(fabric, "a")["tags"] == ["ok"], "the workflow envelope was not an actor message"
    assert [m["Body"] for m in dead(peek)] == [stray["body"]]


def test_a_record_for_another_target_is_dead_lettered_alone(fabric: Fabric, peek: Peek) -> None:
    good = record(actor_body("a", {"tag": "ok"}))
    other = record(actor_body("a", {"tag": "elsewhere"}, target="other-fn"), group="counter#a")
    assert run(other, good) == []
    assert state(fabric, "a")["tags"] == ["ok"]
    letters = dead(peek)
    assert [m["Body"] for m in letters] == [other["body"]]
    assert "other-fn" in reason(letters[0])


# --- 2. one malformed record never fails the batch ----------------------------------------

def _bad_records() -> list[tuple[str, dict[str, Any], str]]:
    ok = actor_body("c", {"tag": "c"})
    no_id = record(ok)
    del no_id["messageId"]
    not_text = record(ok)
    not_text["body"] = 123
    return [
        ("sentAt text", record(actor_body("c", sentAt="abc")), "sentAt"),
        ("sentAt object", record(actor_body("c", sentAt={})), "sentAt"),
        ("sentAt overflow", record(actor_body("c").replace('"sentAt": 1', '"sentAt": 1e400')),
         "sentAt"),
        ("no messageId", no_id, "messageId"),
        ("receive count text", record(ok, receive_count="x"), "ApproximateReceiveCount"),
        ("attributes not an object", record(ok, attributes="nope"), "attributes"),
        ("body not text", not_text, "body"),
        ("actor id 3000 characters", record(actor_body("x" * 3000)), "actorId"),
        ("actor id 1000 emoji", record(actor_body("\U0001F600" * 1000)), "actorId"),
        ("actor id lone surrogate", record(actor_body("\ud800")), "actorId"),
        ("message id too long", record(actor_body("c", id="i" * 5000)), "id"),
        ("target not a function name", record(actor_body("c", target="no such fn!")), "target"),
    ]


@pytest.mark.parametrize("bad, fault", [(b, f) for _, b, f in _bad_records()],
                         ids=[n for n, _, _ in _bad_records()])
def test_a_malformed_record_is_dead_lettered_with_its_reason_and_the_rest_processed(
        fabric: Fabric, peek: Peek, bad: dict[str, Any], fault: str) -> None:
    before = record(actor_body("a", {"tag": "a"}))
    after = record(actor_body("b", {"tag": "b"}))
    assert run(before, bad, after) == [], "nothing is retried: the bad record can never succeed"
    assert state(fabric, "a")["tags"] == ["a"] and state(fabric, "b")["tags"] == ["b"]
    assert state(fabric, "c") == {}
    letters = dead(peek)
    assert len(letters) == 1
    assert reason(letters[0]).startswith("InvalidRequestError") and fault in reason(letters[0])


def test_without_a_dlq_a_bad_record_holds_its_group_but_not_the_others(
        fabric: Fabric, monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.core.settings import reset_settings

    monkeypatch.delenv("DURABLE_DLQ")
    reset_settings()
    bad = record("{not json", group="counter#a")
    later = record(actor_body("a", {"tag": "a2"}), group="counter#a")
    other = record(actor_body("b", {"tag": "b"}))
    assert run(bad, later, other) == [bad["messageId"], later["messageId"]], \
        "FIFO: once a record of a group is retried, its later records are retried too"
    assert state(fabric, "a") == {}, "the later record was not applied ahead of the bad one"
    assert state(fabric, "b")["tags"] == ["b"]


def test_a_failing_message_holds_only_its_own_group(fabric: Fabric) -> None:
    a1 = record(actor_body("a", {"tag": "a1"}))
    a2 = record(actor_body("a", {"tag": "a2", "fail": True}))
    a3 = record(actor_body("a", {"tag": "a3"}))
    b1 = record(actor_body("b", {"tag": "b1"}))
    assert run(a1, a2, b1, a3) == [a2["messageId"], a3["messageId"]]
    assert state(fabric, "a")["tags"] == ["a1"] and state(fabric, "b")["tags"] == ["b1"]


def test_a_record_without_a_message_id_is_dead_lettered_once(fabric: Fabric, peek: Peek) -> None:
    bad = record(actor_body("c", sentAt="abc"))
    del bad["messageId"]
    run(bad)
    run(bad)  # the same record again: same deduplication id, one DLQ message
    assert len(dead(peek)) == 1


def test_attributes_sqs_would_refuse_are_not_copied_to_the_dlq(fabric: Fabric,
                                                               peek: Peek) -> None:
    noisy = {f"a{i}": {"dataType": "String", "stringValue": "v"} for i in range(12)}
    noisy.update({"AWS.reserved": {"dataType": "String", "stringValue": "v"},
                  "broken": {"dataType": "String"}, "odd": "not an attribute"})
    bad = record(actor_body("c", sentAt="abc"), messageAttributes=noisy)
    assert run(bad) == []
    letters = dead(peek)  # the send audit fixture checks what real SQS would refuse
    assert len(letters) == 1 and "sentAt" in reason(letters[0])


def test_dead_lettered_records_keep_the_redrive_count(fabric: Fabric, peek: Peek) -> None:
    bad = record(actor_body("c", sentAt="abc"), messageAttributes={
        "durable-redrives": {"dataType": "Number", "stringValue": "2"}})
    run(bad)
    [letter] = dead(peek)
    assert letter["MessageAttributes"]["durable-redrives"]["StringValue"] == "2"
    assert json.loads(letter["Body"])["sentAt"] == "abc", "the body is kept as it was"


def test_a_durable_function_dead_letters_a_resume_for_another_function(
        fabric: Fabric, peek: Peek) -> None:
    from durable_lambda.workflows import DurableContext, durable_function
    from durable_lambda.workflows.hosting import LambdaHost

    runs: list[Any] = []

    @durable_function(name="wf-a")
    def wf_a(event: Any, ctx: DurableContext) -> Any:
        runs.append(event)
        return ctx.create_callback(name="go").result()

    wf_a.host = LambdaHost(busy_wait_seconds=0.2)
    started = wf_a({"input": 1}, LambdaContext("wf-a"))
    stray = record(workflow_body(started["executionId"], target="wf-b"))
    assert failures(wf_a(sqs_event(stray), LambdaContext("wf-a"))) == []
    assert len(runs) == 1, "the execution was not resumed by another function's message"
    letters = dead(peek)
    assert [m["Body"] for m in letters] == [stray["body"]] and "wf-b" in reason(letters[0])
