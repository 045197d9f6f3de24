"""Circuit breaker: closed / open / half-open per downstream, shared by every caller.

Shows: one actor per downstream dependency holding the breaker, so every Lambda instance
sees the same state. Callers ask before calling and report the outcome afterwards:

    breaker = ActorClient("examples-circuit-breaker")
    if breaker.call("payments-api", {"op": "allow"})["allowed"]:
        ok = call_payments_api()
        breaker.send("payments-api", {"op": "record", "ok": ok})   # async, in order
    else:
        serve_fallback()

``BREAKER_FAILURE_THRESHOLD`` consecutive failures open the breaker; after
``BREAKER_COOLDOWN_SECONDS`` the next ``allow`` is the single half-open probe (concurrent
callers are denied meanwhile); its success closes the breaker, its failure opens it again.
A probe whose outcome never arrives is replaced after another cool-down. Time is read when
a request arrives, so no timer is needed.

Deploy: a function with the durable-lambda layer, handler ``circuit_breaker.handler``, the
fabric's ``DURABLE_*`` variables and the two ``BREAKER_*`` settings (defaults 5 and 30).
"""
from __future__ import annotations

import time
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from durable_lambda import actor
from durable_lambda.core.errors import InvalidRequestError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
#: Where "now" comes from; a test or local run may substitute a manual clock.
clock = time.time


class BreakerSettings(BaseSettings):
    """``BREAKER_*`` environment settings."""

    model_config = SettingsConfigDict(env_prefix="BREAKER_")
    failure_threshold: int = Field(5, ge=1)
    cooldown_seconds: float = Field(30.0, gt=0)


def allow(b: dict[str, Any], now: float, cfg: BreakerSettings) -> dict[str, Any]:
    """May a caller try the downstream now? Starts the half-open probe when it is due."""
    if b["state"] == CLOSED:
        return {"allowed": True, "state": CLOSED}
    since = b["probe_at"] if b["state"] == HALF_OPEN else b["opened_at"]
    wait = since + cfg.cooldown_seconds - now
    if wait > 0:
        return {"allowed": False, "state": b["state"], "retry_after": round(wait, 3)}
    b.update(state=HALF_OPEN, probe_at=now)
    return {"allowed": True, "state": HALF_OPEN}


def record(b: dict[str, Any], ok: bool, now: float, cfg: BreakerSettings) -> dict[str, Any]:
    """Count an outcome: failures open the breaker, the probe's outcome settles half-open."""
    if b["state"] == HALF_OPEN:
        if ok:
            b.update(state=CLOSED, failures=0)
        else:
            b.update(state=OPEN, opened_at=now)
    elif b["state"] == CLOSED:
        b["failures"] = 0 if ok else b["failures"] + 1
        if b["failures"] >= cfg.failure_threshold:
            b.update(state=OPEN, opened_at=now)
    # OPEN: outcomes of calls allowed before it opened change nothing
    return {"state": b["state"], "failures": b["failures"]}


@actor(actor_type="circuit-breaker")
def handler(ctx: Any, payload: Any) -> dict[str, Any]:
    """``{"op": "allow"}`` -> ``{"allowed", "state", "retry_after"?}``;
    ``{"op": "record", "ok": bool}`` -> ``{"state", "failures"}``; ``{"op": "get"}``."""
    payload = payload or {}
    breaker = ctx.state.setdefault("breaker", {"state": CLOSED, "failures": 0})
    op, cfg = payload.get("op"), BreakerSettings()
    if op == "allow":
        return allow(breaker, clock(), cfg)
    if op == "record":
        if not isinstance(payload.get("ok"), bool):
            raise InvalidRequestError("record needs 'ok': true or false")
        return record(breaker, payload["ok"], clock(), cfg)
    if op == "get":
        return dict(breaker)
    raise InvalidRequestError(f"unknown breaker op {op!r}: use 'allow', 'record' or 'get'")
