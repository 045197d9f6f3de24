"""The RETRY outcome on the local fabric (docs/workflows_hosting.md, "How a run goes", 5): a
retryable ``InvocationError`` escaping a hosted handler fails the invocation, SQS redelivers the
resume (Lambda retries a direct invocation) and the execution goes on; on the queue's last
delivery (``DURABLE_MAX_RECEIVE_COUNT``), or the last of Lambda's attempts of a direct one
(``DURABLE_MAX_INVOCATION_ATTEMPTS`` failed invocations in a row), it fails the execution
instead of leaving it RUNNING."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda.core.errors import RemoteActorError
from durable_lambda.core.settings import get_settings
from durable_lambda.testing.fabric import MAX_RECEIVE_COUNT, Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.workflows import DurableContext, durable_function
from durable_lambda.workflows.client import (
    get_execution, get_execution_history, start_execution, wait_for_result)
from durable_lambda.workflows.errors import InvokeError
from durable_lambda.workflows.exceptions import (
    InvokeError as SdkInvokeError, RetryableSerDesError, wire_error_type)
from durable_lambda.workflows.model import ExecutionStatus

from .hosting_world import World

CALLS = {"step": 0, "invocations": 0}
CAUGHT: dict[str, Any] = {}  # parent execution id -> what its context.invoke raised


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


@durable_function(name="wf-flaky-parent")
def flaky_parent(event: Any, ctx: DurableContext) -> Any:
    try:
        return ctx.invoke("wf-flaky", event, name="child")
    except SdkInvokeError as error:  # uncaught: the parent fails with it, as the SDK's would
        CAUGHT[ctx.execution_id] = (error.error_type, str(error))
        raise


@pytest.fixture
def world(fabric: Fabric, local_lambda: LocalLambda) -> Iterator[World]:
    w = World(fabric, local_lambda)
    w.deploy(flaky, flaky_parent)
    CALLS.update(step=0, invocations=0)
    CAUGHT.clear()
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


ATTEMPTS = get_settings().max_invocation_attempts  # Lambda's async attempts (default 3)


def assert_failed_on_every_attempt(world: World, eid: str) -> None:
    """FAILED with the last attempt's error, one failed InvocationCompleted per attempt."""
    info = get_execution(eid)
    assert info.status is ExecutionStatus.FAILED
    assert info.error.error_type == wire_error_type(RetryableSerDesError)
    assert info.error.error_message == f"transient decode failure {ATTEMPTS}"
    assert invocation_errors(eid) == [f"transient decode failure {n}"
                                      for n in range(1, ATTEMPTS + 1)]
    assert get_execution_history(eid)[-1]["EventType"] == "ExecutionFailed"
    assert CALLS == {"step": 1, "invocations": ATTEMPTS}
    assert_no_message_left(world)


def test_a_child_failing_on_every_async_attempt_fails_and_its_parent_with_it(
        world: World) -> None:
    """context.invoke starts the child by an asynchronous invoke: Lambda makes ATTEMPTS of it;
    the last fails the child, which completes the parent's invoke with its error."""
    assert ATTEMPTS == world.functions.async_retries + 1
    eid = start_execution("wf-flaky-parent", {"fail_times": 99})
    world.run_until(world.finished(eid))
    child_id = world.store.find_by_name("wf-flaky", f"{eid}:{world.record(eid).operations[0].id}")
    assert_failed_on_every_attempt(world, child_id)
    message = f"transient decode failure {ATTEMPTS}"
    assert CAUGHT == {eid: (wire_error_type(RetryableSerDesError), message)}
    parent = get_execution(eid)
    assert parent.status is ExecutionStatus.FAILED
    assert (parent.error.error_type, parent.error.error_message) == (
        wire_error_type(SdkInvokeError), message)
    assert invocation_errors(eid) == [None, None]  # the parent's own invocations succeeded


def test_a_direct_start_failing_on_every_async_attempt_fails_the_execution(
        world: World) -> None:
    world.functions.invoke("wf-flaky", {"input": {"fail_times": 99}, "name": "direct"},
                           asynchronous=True)
    world.functions.wait_background()
    assert_failed_on_every_attempt(world, world.store.find_by_name("wf-flaky", "direct"))


def test_a_direct_start_is_retried_by_lambda_and_goes_on(world: World) -> None:
    world.functions.invoke("wf-flaky", {"input": {"fail_times": ATTEMPTS - 1}, "name": "d"},
                           asynchronous=True)
    world.functions.wait_background()
    eid = world.store.find_by_name("wf-flaky", "d")
    assert wait_for_result(eid, timeout=5) == {"amount": 42, "invocations": ATTEMPTS}
    assert invocation_errors(eid)[-1] is None


def test_synchronous_starts_count_toward_the_same_budget(world: World) -> None:
    """Lambda does not retry a synchronous invocation: its caller gets the error and may invoke
    again (by name); the ATTEMPTS-th failure in a row fails the execution and returns it."""
    event = {"input": {"fail_times": 99}, "name": "sync"}
    for _ in range(ATTEMPTS - 1):
        with pytest.raises(RemoteActorError) as retry:
            world.functions.invoke("wf-flaky", event)
        assert retry.value.error_type == "InvocationRetry"
    response = world.functions.invoke("wf-flaky", event)
    assert response["status"] == "FAILED"
    assert response["error"]["ErrorMessage"] == f"transient decode failure {ATTEMPTS}"
    assert_failed_on_every_attempt(world, response["executionId"])
