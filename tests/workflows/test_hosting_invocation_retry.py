"""The RETRY outcome on the local fabric (docs/workflows_hosting.md, "How a run goes", 5): a
retryable ``InvocationError`` escaping a hosted handler fails the invocation, SQS redelivers the
resume and the execution goes on; on the queue's last delivery (``DURABLE_MAX_RECEIVE_COUNT``)
it fails the execution instead of leaving it RUNNING behind a dead-lettered message."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda.testing.fabric import MAX_RECEIVE_COUNT, Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.workflows import DurableContext, durable_function
from durable_lambda.workflows.client import (
    get_execution, get_execution_history, start_execution, wait_for_result)
from durable_lambda.workflows.errors import InvokeError
from durable_lambda.workflows.exceptions import RetryableSerDesError
from durable_lambda.workflows.model import ExecutionStatus

from .hosting_world import World

CALLS = {"step": 0, "invocations": 0}


@durable_function(name="wf-flaky")
def flaky(event: Any, ctx: DurableContext) -> Any:
    def charge(_: Any) -> int:
        CALLS["step"] += 1
        return 42
    amount = ctx.step(charge, name="charge")
    CALLS["invocations"] += 1
    if CALLS["invocations"] <= event["fail_times"]:
        raise RetryableSerDesError(f"transient decode failure {CALLS['invocations']}")
    return {"amount": amount, "invocations": CALLS["invocations"]}


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda) -> Iterator[World]:
    w = World(fabric, local_lambda)
    w.deploy(flaky)
    CALLS.update(step=0, invocations=0)
    yield w


def invocation_errors(execution_id: str) -> list[Any]:
    """The error message of each InvocationCompleted in the history (None: it succeeded)."""
    return [(e.get("InvocationCompletedDetails") or {}).get("Error", {}).get(
        "Payload", {}).get("ErrorMessage") for e in get_execution_history(execution_id)
        if e["EventType"] == "InvocationCompleted"]


def assert_no_message_left(world: World) -> None:
    fabric = world.fabric
    assert [world.queue_depth(q) for q in (fabric.queue, fabric.dlq, fabric.parked_queue)] \
        == [0, 0, 0], "work queue, DLQ, parked queue"


def test_a_failed_invocation_is_redelivered_and_the_execution_resumes(world: World) -> None:
    eid = start_execution("wf-flaky", {"fail_times": 1})
    world.run_until(world.finished(eid))
    assert wait_for_result(eid, timeout=5) == {"amount": 42, "invocations": 2}
    assert world.poller.batches == 2, "the start resume was delivered twice"
    assert CALLS["step"] == 1, "the checkpointed step replayed on the retry"
    assert_no_message_left(world)  # nothing dead-lettered
    assert invocation_errors(eid) == ["transient decode failure 1", None]
    kinds = [e["EventType"] for e in get_execution_history(eid)]
    assert kinds[-3:] == ["InvocationCompleted", "InvocationCompleted", "ExecutionSucceeded"]


def test_an_invocation_failing_on_every_delivery_fails_the_execution(world: World) -> None:
    eid = start_execution("wf-flaky", {"fail_times": MAX_RECEIVE_COUNT + 1})
    world.run_until(world.finished(eid))
    info = get_execution(eid)
    assert info.status is ExecutionStatus.FAILED
    assert info.error.error_type.endswith("RetryableSerDesError")
    assert info.error.error_message == f"transient decode failure {MAX_RECEIVE_COUNT}"
    with pytest.raises(InvokeError, match=f"transient decode failure {MAX_RECEIVE_COUNT}"):
        wait_for_result(eid, timeout=5)
    assert world.poller.batches == MAX_RECEIVE_COUNT == CALLS["invocations"]
    assert CALLS["step"] == 1
    # the last delivery failed the execution and was consumed: not dead-lettered, not parked
    assert_no_message_left(world)
    assert invocation_errors(eid) == [f"transient decode failure {n}"
                                      for n in range(1, MAX_RECEIVE_COUNT + 1)]
    assert get_execution_history(eid)[-1]["EventType"] == "ExecutionFailed"
