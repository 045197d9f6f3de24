"""Differential tests: invoke (register_durable_function targets, failure, tenant_id, serdes),
run_in_child_context (nesting, failure, serdes), operation ids."""
from __future__ import annotations

import pytest

from tests.differential.harness import (
    Scenario, assert_equivalent, official_unavailable_reason, run_official, run_ours)

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def test_invoke_success_and_tenant_id():
    assert_equivalent(Scenario("invoke_success", functions={"pricing": "pricing"}))


def test_invoke_failure_caught_and_uncaught():
    assert_equivalent(Scenario("invoke_failure", functions={"inventory": "inventory"}))


def test_invoke_payload_and_result_serdes():
    assert_equivalent(Scenario("invoke_serdes", functions={"echo": "echo"}))


def test_child_context_nesting():
    assert_equivalent(Scenario("child_nesting"))


def test_child_context_failure():
    assert_equivalent(Scenario("child_failure"))


def test_child_context_serdes_round_trips_on_first_run():
    assert_equivalent(Scenario("child_serdes"))


def _operation_ids(history):
    seen = {}
    for event in history:
        kind = event["EventType"]
        if event.get("Id") and not kind.startswith(("Execution", "Invocation")):
            seen.setdefault(event["Id"], (event.get("SubType"), event.get("Name"),
                                          event.get("ParentId")))
    return sorted((sub_type or "", name or "", op_id, parent or "")
                  for op_id, (sub_type, name, parent) in seen.items())


def test_operation_id_scheme():
    """The raw operation ids (not normalised away here): blake2b of the step counter, prefixed with
    the parent's id inside child contexts, the branch index under map/parallel."""
    scenario = Scenario("ids_nested")
    official, ours = run_official(scenario), run_ours(scenario)
    expected, actual = _operation_ids(official.history), _operation_ids(ours.history)
    only_official = [op for op in expected if op not in actual]
    only_ours = [op for op in actual if op not in expected]
    assert not only_official and not only_ours, (
        f"operation ids differ (official run {official.status}, ours {ours.status}; "
        f"(SubType, Name, Id, ParentId)):\n  only official:\n    "
        + "\n    ".join(map(str, only_official)) + "\n  only ours:\n    "
        + "\n    ".join(map(str, only_ours)))
