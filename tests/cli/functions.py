"""The functions ``local up`` serves in the CLI tests (loaded with --path tests/cli)."""
from __future__ import annotations

from typing import Any

from durable_lambda import actor
from durable_lambda.workflows import DurableContext, durable_execution


@actor
def counter(ctx: Any, payload: Any) -> Any:
    """Adds ``by`` (default 1). ``{"fail": true}`` raises until the actor is ``{"fix": true}``-ed:
    a poison message that a fix (then a requeue) cures."""
    payload = payload or {}
    if payload.get("fix"):
        ctx.state["fixed"] = True
        return "fixed"
    if payload.get("fail") and not ctx.state.get("fixed"):
        raise ValueError("refused: the bug is not fixed yet")
    ctx.state["n"] = ctx.state.get("n", 0) + int(payload.get("by", 1))
    return ctx.state["n"]


@durable_execution
def approval(event: Any, ctx: DurableContext) -> Any:
    total = ctx.step(lambda _: sum(event.get("amounts", [])), name="total")
    verdict = ctx.create_callback("approval").result()
    return {"total": total, "verdict": verdict}


@durable_execution
def quick(event: Any, ctx: DurableContext) -> Any:
    return ctx.step(lambda _: {"echo": event}, name="echo")


@durable_execution
def parent(event: Any, ctx: DurableContext) -> Any:
    return ctx.invoke("durable-approval", {"amounts": [1]}, name="child")
