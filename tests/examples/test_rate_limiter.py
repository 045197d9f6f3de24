"""The rate limiter example: a token bucket per key that concurrency cannot overspend."""
from __future__ import annotations

import pytest

from durable_lambda import ActorClient
from durable_lambda.core.errors import InvalidRequestError, RemoteActorError
from durable_lambda.testing.local_cloud import LocalCloud
from durable_lambda.testing.scheduler_pump import ManualClock
from examples.actors import rate_limiter
from examples.actors.harness import concurrently
from examples.actors.scenarios import run_rate_limiter_scenario

from .conftest import deploy


@pytest.fixture
def limits(env: LocalCloud, clock: ManualClock,
           monkeypatch: pytest.MonkeyPatch) -> ActorClient:
    monkeypatch.setenv("RATE_LIMIT_CAPACITY", "10")
    monkeypatch.setenv("RATE_LIMIT_REFILL_PER_SECOND", "2")
    return deploy(env, "examples-rate-limiter", rate_limiter.handler)


def test_scenario_allows_the_bucket_then_refills(env: LocalCloud) -> None:
    result = run_rate_limiter_scenario(env)
    assert result["burst"] == {"calls": 15, "allowed": 10, "denied": 5, "retry_after": 1.0}
    assert result["after_3s"] == [True, True, True, False]


def test_thirty_concurrent_calls_never_get_more_than_the_bucket(
        limits: ActorClient) -> None:
    decisions = concurrently(lambda _: limits.call("k", {"cost": 1}),
                             range(30), workers=30)
    allowed = [d for d in decisions if d["allowed"]]
    denied = [d for d in decisions if not d["allowed"]]
    assert len(allowed) == 10 and len(denied) == 20
    assert sorted(d["remaining"] for d in allowed) == list(range(10)), "each token spent once"
    assert {d["retry_after"] for d in denied} == {0.5}, "one token refills in 1/2 s"


def test_tokens_refill_with_time_up_to_the_capacity(limits: ActorClient,
                                                    clock: ManualClock) -> None:
    assert limits.call("k", {"cost": 10})["allowed"]
    clock.advance(1.5)  # 3 tokens back
    assert [limits.call("k")["allowed"] for _ in range(4)] == [True, True, True, False]
    assert limits.call("k", {"cost": 2}) == {"allowed": False, "remaining": 0,
                                             "retry_after": 1.0}
    clock.advance(3600)
    assert limits.call("k", {"cost": 10})["remaining"] == 0, "never more than the capacity"
    assert not limits.call("k")["allowed"]


def test_keys_have_independent_buckets(limits: ActorClient) -> None:
    assert limits.call("a", {"cost": 10})["allowed"]
    assert not limits.call("a")["allowed"]
    assert limits.call("b")["allowed"]


@pytest.mark.parametrize("cost", [0, -1, 11, "1", True])
def test_bad_cost_is_a_typed_error(limits: ActorClient, cost: object) -> None:
    with pytest.raises(RemoteActorError) as err:
        limits.call("k", {"cost": cost})
    assert err.value.error_type == "InvalidRequestError" and "cost" in err.value.error_message
    assert limits.call("k", {"cost": 10})["allowed"], "no token was spent"


def test_take_is_pure_business_logic() -> None:
    limits = rate_limiter.RateLimitSettings(capacity=2, refill_per_second=1)
    bucket, decision = rate_limiter.take({}, 100.0, 2, limits)
    assert decision["allowed"] and bucket == {"tokens": 0, "at": 100.0}
    with pytest.raises(InvalidRequestError, match="capacity 2"):
        rate_limiter.take(bucket, 100.0, 3, limits)
