"""Differential tests: step (results, names, failures, retries, presets, jitter, semantics, serdes)."""
from __future__ import annotations

import pytest

from tests.differential.harness import (
    Scenario, Succeed, assert_equivalent, official_unavailable_reason)

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def test_step_results_and_names():
    assert_equivalent(Scenario("step_basic", input={"n": 20}))


def test_step_context_attempt():
    assert_equivalent(Scenario("step_attempt"))


def test_step_failure_raises_step_error():
    assert_equivalent(Scenario("step_failure"))


def test_step_failure_uncaught_fails_execution():
    assert_equivalent(Scenario("step_failure_uncaught"))


def test_handler_error_fails_execution():
    assert_equivalent(Scenario("step_unhandled_error"))


def test_retry_exponential_backoff_capped():
    assert_equivalent(Scenario("step_retry_exponential"))


def test_retry_default_strategy():
    assert_equivalent(Scenario("step_retry_default"))


@pytest.mark.parametrize("preset", ["none", "default", "transient", "resource_availability",
                                    "critical", "linear", "fixed"])
def test_retry_presets(preset):
    assert_equivalent(Scenario("step_retry_preset", input={"preset": preset}))


@pytest.mark.parametrize("jitter", ["NONE", "FULL", "HALF"])
def test_retry_jitter(jitter):
    assert_equivalent(Scenario("step_retry_jitter", input={"jitter": jitter}))


def test_retry_linear_strategy():
    assert_equivalent(Scenario("step_retry_linear"))


def test_retry_error_filters():
    assert_equivalent(Scenario("step_retry_filters"))


def test_step_semantics_at_most_and_at_least_once():
    assert_equivalent(Scenario("step_semantics"))


def test_step_custom_serdes_round_trips_on_first_run():
    assert_equivalent(Scenario("step_serdes_custom"))


def test_step_default_serdes_extended_types():
    assert_equivalent(Scenario("step_serdes_default"))


def test_step_and_callback_sub_type():
    assert_equivalent(Scenario("step_sub_type", actions=(Succeed("approval", "ok"),)))


def test_with_retry_block():
    assert_equivalent(Scenario("with_retry_block"))
