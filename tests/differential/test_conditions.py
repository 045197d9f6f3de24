"""Differential tests: wait_for_condition (polls and per-poll history, custom strategy, serdes,
exhaustion, a failing check)."""
from __future__ import annotations

import pytest

from tests.differential.harness import Scenario, assert_equivalent, official_unavailable_reason

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def test_condition_polls_with_wait_strategy_config():
    assert_equivalent(Scenario("condition_polls"))


def test_condition_custom_strategy_and_serdes():
    assert_equivalent(Scenario("condition_custom"))


def test_condition_exhausted_and_failing_check():
    assert_equivalent(Scenario("condition_failures"))
