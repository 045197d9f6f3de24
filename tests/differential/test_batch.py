"""Differential tests: map and parallel (BatchResult, completion policies, throw_if_error,
item_namer, serdes vs item_serdes, nesting_type, custom completion, concurrency)."""
from __future__ import annotations

import pytest

from tests.differential.harness import Scenario, assert_equivalent, official_unavailable_reason

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def test_map_batch_result():
    assert_equivalent(Scenario("map_basic"))


@pytest.mark.parametrize("policy", ["default", "min_successful", "tolerated_count",
                                    "tolerated_percentage", "all_completed", "all_successful",
                                    "first_successful"])
def test_map_completion_policies(policy):
    assert_equivalent(Scenario("map_completion", input={"policy": policy}))


def test_map_item_namer():
    assert_equivalent(Scenario("map_item_namer"))


def test_map_serdes_and_item_serdes():
    assert_equivalent(Scenario("map_serdes"))


def test_map_flat_nesting():
    assert_equivalent(Scenario("map_flat"))


def test_map_concurrent_iterations():
    # All iterations at once: which branch checkpoints first is timing, so the history is compared
    # as a multiset of events (contents still exact).
    assert_equivalent(Scenario("map_concurrent", ordered=False))


@pytest.mark.parametrize("outcome", ["SUCCEEDED", "FAILED"])
def test_map_custom_completion_predicate(outcome):
    assert_equivalent(Scenario("map_should_complete", input={"outcome": outcome}))


def test_parallel_branches_named_and_decorated():
    assert_equivalent(Scenario("parallel_basic"))


@pytest.mark.parametrize("policy", ["default", "first_successful", "all_completed"])
def test_parallel_completion_policies(policy):
    assert_equivalent(Scenario("parallel_completion", input={"policy": policy}))


def test_parallel_item_serdes_and_flat_nesting():
    assert_equivalent(Scenario("parallel_serdes"))


@pytest.mark.parametrize("mode", ["wait", "retry"])
def test_map_branch_timer_due_while_others_run(mode):
    # Item 0's 1 s wait / step retry comes due while items 1-2 still run 2.5 s steps: the SDK
    # resumes it in the same invocation. Concurrent checkpoints: compared as a multiset, which
    # leaves InvocationCompleted out, so the number of invocations is compared here (one each).
    official, ours = assert_equivalent(
        Scenario("map_wait_while_others_run", input={"mode": mode}, ordered=False))

    def invocations(run):
        return sum(e["EventType"] == "InvocationCompleted" for e in run.history)
    assert invocations(ours) == invocations(official) == 1
