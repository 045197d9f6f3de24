"""The counter example: sync and async adds, exact under concurrency and retries."""
from __future__ import annotations

import pytest

from durable_lambda import ActorClient
from durable_lambda.core.errors import RemoteActorError
from durable_lambda.testing.local_cloud import LocalCloud
from examples.actors import counter
from examples.actors.harness import concurrently, stored
from examples.actors.scenarios import run_counter_scenario

from .conftest import deploy, redeliver


@pytest.fixture
def counters(env: LocalCloud) -> ActorClient:
    return deploy(env, "examples-counter", counter.handler)


def test_scenario_counts_sync_and_async_adds_once_each(env: LocalCloud) -> None:
    result = run_counter_scenario(env)
    assert result["sync_results"] == [1, 3, 6]
    assert result["value"] == 16, "6 + ten async adds; the retried send counted once"
    assert result["state_writes"] < 3 + 10, "async adds were coalesced into fewer turns"


def test_thirty_concurrent_callers_sync_and_async_give_the_exact_count(
        env: LocalCloud, counters: ActorClient) -> None:
    env.poller.start()
    try:
        concurrently(lambda i: counters.call("hot", {"by": 1}) if i % 2
                     else counters.send("hot", {"by": 1}), range(30))
    finally:
        env.poller.stop()
    env.run_until_idle()
    assert counters.call("hot", {"op": "get"}) == 30


def test_redelivered_message_is_applied_once(env: LocalCloud, counters: ActorClient) -> None:
    counters.send("c", {"by": 5}, message_id="evt-1")
    env.run_until_idle()
    redeliver(env, "examples-counter", "c", "evt-1", {"by": 5})
    assert env.run_until_idle() == 1, "the duplicate was delivered..."
    assert counters.call("c", {"op": "get"}) == 5, "...and changed nothing"


def test_reads_and_resets(env: LocalCloud, counters: ActorClient) -> None:
    assert counters.call("r", {"op": "get"}) == 0
    assert stored(env, "counter", "r").version == 0, "a read writes nothing"
    counters.call("r", {"by": 7})
    assert counters.call("r", {"op": "reset"}) == 0


@pytest.mark.parametrize("payload, fault", [({"op": "mul"}, "unknown counter op 'mul'"),
                                            ({"by": "2"}, "'by' must be an integer")])
def test_bad_command_is_a_typed_error_and_changes_nothing(
        env: LocalCloud, counters: ActorClient, payload: dict, fault: str) -> None:
    counters.call("b", {"by": 2})
    with pytest.raises(RemoteActorError) as err:
        counters.call("b", payload)
    assert err.value.error_type == "InvalidRequestError" and fault in err.value.error_message
    assert counters.call("b", {"op": "get"}) == 2
