"""The circuit breaker example: opens after N failures, one probe after the cool-down."""
from __future__ import annotations

import pytest

from durable_lambda import ActorClient
from durable_lambda.core.errors import RemoteActorError
from durable_lambda.testing.local_cloud import LocalCloud
from durable_lambda.testing.scheduler_pump import ManualClock
from examples.actors import circuit_breaker
from examples.actors.harness import concurrently
from examples.actors.scenarios import run_circuit_breaker_scenario

from .conftest import deploy


@pytest.fixture
def breaker(env: LocalCloud, clock: ManualClock,
            monkeypatch: pytest.MonkeyPatch) -> ActorClient:
    monkeypatch.setenv("BREAKER_FAILURE_THRESHOLD", "3")
    monkeypatch.setenv("BREAKER_COOLDOWN_SECONDS", "10")
    return deploy(env, "examples-circuit-breaker", circuit_breaker.handler)


def fail(breaker: ActorClient, times: int, downstream: str = "api") -> list[str]:
    return [breaker.call(downstream, {"op": "record", "ok": False})["state"]
            for _ in range(times)]


def test_scenario_opens_probes_once_and_closes(env: LocalCloud) -> None:
    steps = run_circuit_breaker_scenario(env)["steps"]
    assert [s["failure"]["state"] for s in steps[:5]] == ["closed"] * 4 + ["open"]
    assert steps[5]["allow"] == {"allowed": False, "state": "open", "retry_after": 30.0}
    assert steps[6]["10 callers after cool-down"] == {"allowed": 1, "denied": 9}
    assert steps[7]["probe succeeded"]["state"] == "closed"


def test_opens_after_threshold_consecutive_failures(breaker: ActorClient,
                                                    clock: ManualClock) -> None:
    assert fail(breaker, 2) == ["closed", "closed"]
    assert breaker.call("api", {"op": "record", "ok": True}) == {"state": "closed",
                                                                 "failures": 0}
    assert fail(breaker, 3) == ["closed", "closed", "open"]
    clock.advance(4)
    assert breaker.call("api", {"op": "allow"}) == {"allowed": False, "state": "open",
                                                    "retry_after": 6.0}
    assert breaker.call("other-api", {"op": "allow"})["allowed"], "per downstream"


def test_half_open_lets_exactly_one_of_twenty_concurrent_callers_probe(
        breaker: ActorClient, clock: ManualClock) -> None:
    fail(breaker, 3)
    clock.advance(10)
    answers = concurrently(lambda _: breaker.call("api", {"op": "allow"}),
                           range(20), 20)
    assert sum(a["allowed"] for a in answers) == 1
    assert {a["state"] for a in answers} == {"half_open"}


def test_failed_probe_reopens_and_successful_probe_closes(breaker: ActorClient,
                                                          clock: ManualClock) -> None:
    fail(breaker, 3)
    clock.advance(10)
    assert breaker.call("api", {"op": "allow"})["allowed"]
    assert fail(breaker, 1) == ["open"]
    assert breaker.call("api", {"op": "allow"})["retry_after"] == 10.0, "a full new cool-down"
    clock.advance(10)
    assert breaker.call("api", {"op": "allow"})["allowed"]
    assert breaker.call("api", {"op": "record", "ok": True})["state"] == "closed"
    assert all(breaker.call("api", {"op": "allow"})["allowed"] for _ in range(3))


def test_lost_probe_is_replaced_after_another_cool_down(breaker: ActorClient,
                                                        clock: ManualClock) -> None:
    fail(breaker, 3)
    clock.advance(10)
    assert breaker.call("api", {"op": "allow"})["allowed"]  # its caller never reports back
    clock.advance(9)
    assert not breaker.call("api", {"op": "allow"})["allowed"]
    clock.advance(1)
    assert breaker.call("api", {"op": "allow"})["allowed"]


def test_concurrent_async_failure_reports_are_all_counted(
        breaker: ActorClient, env: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKER_FAILURE_THRESHOLD", "20")
    concurrently(lambda _: breaker.send("api", {"op": "record", "ok": False}), range(12))
    env.run_until_idle()
    assert breaker.call("api", {"op": "get"}) == {"state": "closed", "failures": 12}
    concurrently(lambda _: breaker.send("api", {"op": "record", "ok": False}), range(8))
    env.run_until_idle()
    assert breaker.call("api", {"op": "get"})["state"] == "open"


def test_bad_requests_are_typed_errors(breaker: ActorClient) -> None:
    for payload in ({"op": "record", "ok": "no"}, {"op": "trip"}):
        with pytest.raises(RemoteActorError) as err:
            breaker.call("api", payload)
        assert err.value.error_type == "InvalidRequestError"
