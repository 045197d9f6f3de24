"""Every operation kind detects a changed name/type at its position on replay."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from durable_lambda.workflows import WaitForConditionConfig, WaitForConditionDecision
from durable_lambda.workflows.outcome import OutcomeStatus

from .helpers import Harness

STOP = WaitForConditionConfig(lambda s, n: WaitForConditionDecision.stop_polling(), 0)

OPERATIONS: dict[str, Callable[[Any, str], Any]] = {
    "step": lambda ctx, n: ctx.step(lambda _: 1, name=n),
    "wait": lambda ctx, n: ctx.wait(1, name=n),
    "callback": lambda ctx, n: ctx.create_callback(n),
    "invoke": lambda ctx, n: ctx.invoke("other", {}, name=n),
    "child": lambda ctx, n: ctx.run_in_child_context(lambda c: 1, name=n),
    "parallel": lambda ctx, n: ctx.parallel([lambda c: 1], name=n),
    "map": lambda ctx, n: ctx.map([1], lambda c, i, x, xs: i, name=n),
    "condition": lambda ctx, n: ctx.wait_for_condition(lambda s, c: s, STOP, name=n),
}


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
def test_renamed_operation_fails_replay(kind: str) -> None:
    names = {"current": "original"}

    def handler(event, ctx):
        if kind in ("invoke",):  # suspends by itself: the history holds it after run 1
            return OPERATIONS[kind](ctx, names["current"])
        OPERATIONS[kind](ctx, names["current"])
        ctx.wait(5, name="later")
        return "done"

    h = Harness(handler)
    first = h.invoke()
    assert first.status is OutcomeStatus.SUSPENDED
    names["current"] = "renamed"
    h.clock.advance(5)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED
    assert out.error.error_type == \
        "aws_durable_execution_sdk_python.exceptions.NonDeterministicExecutionError"
    assert "'original'" in out.error.error_message and "'renamed'" in out.error.error_message
