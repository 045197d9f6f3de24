"""Rate limiter: a token bucket per key, answered synchronously.

Shows: one actor per key (user, API key, IP) holding a token bucket; a sync call answers
``{"allowed": true|false, "remaining": tokens, "retry_after": seconds}``. Because one writer
owns each bucket, concurrent calls can never spend the same token twice.

    limits = ActorClient("examples-rate-limiter")
    decision = limits.call("api-key-123", {"cost": 1})
    if not decision["allowed"]:
        return 429, {"Retry-After": math.ceil(decision["retry_after"])}

Settings (env): ``RATE_LIMIT_CAPACITY`` (burst size, default 10) and
``RATE_LIMIT_REFILL_PER_SECOND`` (default 1.0).

Deploy: a function with the durable-lambda layer, handler ``rate_limiter.handler`` and the
fabric's ``DURABLE_*`` variables; callers invoke it synchronously (``ActorClient.call``), so
it needs no queue permissions beyond the defaults.
"""
from __future__ import annotations

import time
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from durable_lambda import actor
from durable_lambda.core.errors import InvalidRequestError

#: Where "now" comes from; a test or local run may substitute a manual clock.
clock = time.time


class RateLimitSettings(BaseSettings):
    """``RATE_LIMIT_*`` environment settings."""

    model_config = SettingsConfigDict(env_prefix="RATE_LIMIT_")
    capacity: float = Field(10, gt=0)
    refill_per_second: float = Field(1.0, gt=0)


def take(bucket: dict[str, float], now: float, cost: float,
         limits: RateLimitSettings) -> tuple[dict[str, float], dict[str, Any]]:
    """The business logic: refill ``bucket`` up to ``now``, then try to spend ``cost``."""
    if not 0 < cost <= limits.capacity:
        raise InvalidRequestError(
            f"cost must be > 0 and <= the bucket capacity {limits.capacity:g}, got {cost!r}")
    elapsed = max(0.0, now - bucket.get("at", now))
    tokens = min(limits.capacity, bucket.get("tokens", limits.capacity)
                 + elapsed * limits.refill_per_second)
    allowed = tokens >= cost
    if allowed:
        tokens -= cost
    retry_after = 0.0 if allowed else (cost - tokens) / limits.refill_per_second
    return ({"tokens": tokens, "at": now},
            {"allowed": allowed, "remaining": round(tokens, 3),
             "retry_after": round(retry_after, 3)})


@actor(actor_type="rate-limiter")
def handler(ctx: Any, payload: Any) -> dict[str, Any]:
    """``{"cost": n}`` (default 1) -> ``{"allowed", "remaining", "retry_after"}``."""
    cost = (payload or {}).get("cost", 1)
    if not isinstance(cost, (int, float)) or isinstance(cost, bool):
        raise InvalidRequestError(f"cost must be a number, got {cost!r}")
    bucket, decision = take(ctx.state.get("bucket", {}), clock(), cost, RateLimitSettings())
    ctx.state["bucket"] = bucket
    return decision
