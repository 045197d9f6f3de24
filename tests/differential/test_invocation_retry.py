"""Differential tests: an ``InvocationError`` escaping the handler fails the invocation, not the
execution; the invocation is retried and replays what was checkpointed."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.differential.harness import Scenario, assert_equivalent, official_unavailable_reason

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")

_RETRYABLE = "aws_durable_execution_sdk_python.exceptions.RetryableSerDesError"
#: the official runner's budget (Executor.MAX_CONSECUTIVE_FAILED_ATTEMPTS), ours the same
_ATTEMPTS = 5


@pytest.fixture(autouse=True)
def no_real_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The official runner waits ``Executor.RETRY_BACKOFF_SECONDS`` (5) of *real* time before
    each retry (``call_later`` sleeps; ``skip_time`` does not cover it). The delay leaves no
    trace in the compared history (timestamps are dropped), so shorten it; ours is virtual."""
    from aws_durable_execution_sdk_python_testing.executor import Executor
    monkeypatch.setattr(Executor, "RETRY_BACKOFF_SECONDS", 0)


def failed_invocations_recorded(count: int) -> Callable[[list[dict[str, Any]]],
                                                         list[dict[str, Any]]]:
    """InvocationCompletedDetails.Error (API reference, API_InvocationCompletedDetails.html): the
    service records every invocation that failed, with its error; the official local runner
    retries it without recording it (``_retry_after_error``). Insert the ``count`` failed ones
    before the first recorded invocation or, when every attempt failed, before the
    execution's end (the last failed invocation is the last one: nothing follows it)."""
    def fixup(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        events = list(events)
        at = next(i for i, e in enumerate(events) if e["EventType"] in (
            "InvocationCompleted", "ExecutionFailed"))
        model = events[at] if events[at]["EventType"] == "InvocationCompleted" else {
            "EventType": "InvocationCompleted"}
        failed = []
        for number in range(1, count + 1):
            event = copy.deepcopy(model)
            event.setdefault("InvocationCompletedDetails", {})["Error"] = {"Payload": {
                "ErrorType": _RETRYABLE, "ErrorMessage": f"transient decode failure {number}"}}
            failed.append(event)
        return events[:at] + failed + events[at:]
    return fixup


def test_retryable_invocation_error_retries_the_invocation():
    assert_equivalent(Scenario("invocation_error_retried", input={"fail_times": 1},
                               observe=lambda module: dict(module.CALLS),
                               fixups=(failed_invocations_recorded(1),)))


def test_an_invocation_failing_on_every_attempt_fails_the_execution_with_its_error():
    """Five failed invocations, then the execution fails with the fifth's error: five
    InvocationCompleted events with their errors, then ExecutionFailed (no error-free one)."""
    official, ours = assert_equivalent(Scenario(
        "invocation_error_retried", input={"fail_times": _ATTEMPTS + 1},
        observe=lambda module: dict(module.CALLS),
        fixups=(failed_invocations_recorded(_ATTEMPTS),)))
    assert ours.status == "FAILED" and ours.observations == {"step": 1, "invocations": _ATTEMPTS}
    assert [e["EventType"] for e in ours.history][-_ATTEMPTS - 1:] == \
        ["InvocationCompleted"] * _ATTEMPTS + ["ExecutionFailed"]
