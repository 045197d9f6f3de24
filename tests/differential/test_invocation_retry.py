"""Differential tests: an ``InvocationError`` escaping the handler fails the invocation, not the
execution; the invocation is retried and replays what was checkpointed."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.differential.harness import Scenario, assert_equivalent, official_unavailable_reason

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")

_RETRYABLE = "aws_durable_execution_sdk_python.exceptions.RetryableSerDesError"


def failed_invocation_recorded(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """InvocationCompletedDetails.Error (API reference, API_InvocationCompletedDetails.html): the
    service records the invocation that failed, with its error; the official local runner retries
    it without recording it (``_retry_after_error``). Insert it before the successful one."""
    events = list(events)
    at = next(i for i, e in enumerate(events) if e["EventType"] == "InvocationCompleted")
    failed = copy.deepcopy(events[at])
    failed.setdefault("InvocationCompletedDetails", {})["Error"] = {"Payload": {
        "ErrorType": _RETRYABLE, "ErrorMessage": "transient decode failure 1"}}
    return events[:at] + [failed] + events[at:]


def test_retryable_invocation_error_retries_the_invocation():
    assert_equivalent(Scenario("invocation_error_retried", input={"fail_times": 1},
                               observe=lambda module: dict(module.CALLS),
                               fixups=(failed_invocation_recorded,)))
