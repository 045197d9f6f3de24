"""Property: the durable handler (``@durable_execution`` on the fabric: hosting's event entry)
lets only typed errors out of a direct start, and in an SQS batch of resumes never raises,
never retries or dead-letters a healthy resume, and dead-letters what can never succeed."""
from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from durable_lambda.core.errors import DurableError
from durable_lambda.testing.local_lambda import LambdaContext
from durable_lambda.workflows import DurableContext, durable_function
from durable_lambda.workflows.exceptions import DurableExecutionsError
from durable_lambda.workflows.hosting import LambdaHost
from tests.platform.records import failures, record, sqs_event, workflow_body

from .conftest import FuzzWorld
from .strategies import FUZZ, json_values, mutate, records

NAME = "fuzz-wf"


@durable_function(name=NAME)
def waiter(event: Any, ctx: DurableContext) -> Any:
    """Suspends on a callback nobody completes: every resume replays and suspends again."""
    callback = ctx.create_callback(name="go")
    return {"input": event, "go": callback.result()}


def _host() -> LambdaHost:
    waiter.host = LambdaHost(busy_wait_seconds=0.2)
    return waiter.host


def _typed_only(event: Any) -> tuple[Any, Exception | None]:
    try:
        return waiter(event, LambdaContext(NAME)), None
    except (DurableError, DurableExecutionsError) as exc:
        return None, exc


@FUZZ
@given(event=st.one_of(json_values, mutate({"input": {"x": 1}, "name": "n"}, ["input", "name"]),
                       mutate({"serializedInput": "{}", "name": "c",
                               "parent": {"executionId": "p", "operationId": "o"}},
                              ["serializedInput", "name", "parent"])))
def test_a_direct_start_returns_a_status_or_a_typed_error(fuzz: FuzzWorld, event: Any) -> None:
    fuzz.begin()
    _host()
    if isinstance(event, dict) and isinstance(event.get("name"), str) and event["name"]:
        event = {**event, "name": fuzz.fresh(event["name"][:40])}  # a fresh execution each time
    if isinstance(event, dict) and isinstance(event.get("parent"), dict) and isinstance(
            event["parent"].get("executionId"), str):  # a fresh parent operation each time
        event = {**event, "parent": {**event["parent"], "executionId": fuzz.fresh("p")}}
    response, error = _typed_only(event)
    if error is None:
        assert response["status"] in ("RUNNING", "SUCCEEDED", "FAILED")
        assert isinstance(response["executionId"], str)


@FUZZ
@given(data=st.data())
def test_a_batch_of_resumes_isolates_every_bad_record(fuzz: FuzzWorld, data: Any) -> None:
    fuzz.begin()
    host = _host()
    started = waiter({"input": 1, "name": fuzz.fresh("ok")}, LambdaContext(NAME))
    assert started["status"] == "RUNNING"
    execution_id = started["executionId"]
    healthy = record(workflow_body(execution_id, target=NAME, id=fuzz.fresh("wake")))
    bad = []
    for i in range(data.draw(st.integers(1, 4))):
        body = json.loads(workflow_body(fuzz.fresh(f"missing{i}"), target=NAME))
        bad.append(data.draw(records(record(json.dumps(body)), body)))
    fuzz.unique_message_ids(bad)
    batch = data.draw(st.permutations([healthy, *bad]))
    response = waiter(sqs_event(*batch), LambdaContext(NAME))
    assert healthy["messageId"] not in failures(response)
    dead = fuzz.peek.drain(fuzz.fabric.dlq)
    assert healthy["body"] not in {m["Body"] for m in dead}
    assert set(failures(response)) <= {r["messageId"] for r in bad
                                       if isinstance(r.get("messageId"), str)}
    assert host.store.describe(execution_id).status.value == "RUNNING"


def test_a_conflicting_child_start_is_a_typed_error(fuzz: FuzzWorld) -> None:
    _host()
    parent = {"executionId": fuzz.fresh("p"), "operationId": "o"}
    _typed_only({"serializedInput": "{}", "name": "first", "parent": parent})
    response, error = _typed_only({"serializedInput": "{}", "name": "second", "parent": parent})
    assert error is not None or response["status"]
