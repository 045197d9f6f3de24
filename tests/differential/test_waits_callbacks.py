"""Differential tests: wait, create_callback, wait_for_callback (success, failure, timeouts,
heartbeats, a callback timeout during a wait)."""
from __future__ import annotations

import pytest

from tests.differential.harness import (
    Fail, Heartbeat, Scenario, Succeed, assert_equivalent, callback_timeout_fires_before_wait,
    official_unavailable_reason)

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def test_wait_durations_and_validation():
    assert_equivalent(Scenario("wait_basic"))


def test_callback_success_returns_raw_payload():
    assert_equivalent(Scenario("callback_success",
                               actions=(Succeed("approval", {"approved": True}),)))


def test_callback_serdes_decodes_payload():
    assert_equivalent(Scenario("callback_serdes", actions=(
        Succeed("decoded", {"a": 1}), Succeed("raw", [1, 2]))))


def test_callback_external_failure():
    assert_equivalent(Scenario("callback_failure", actions=(
        Fail("payment", "card expired", "PaymentError", '{"code": 51}'),)))


def test_callback_timeout_error_type():
    # CallbackTimedOut with ErrorType "Callback.Timeout"; result() raises CallbackTimeoutError.
    assert_equivalent(Scenario("callback_timeout"))


def test_callback_heartbeat_timeout_error_type():
    # CallbackTimedOut with ErrorType "Callback.Heartbeat" when no heartbeat arrives in time.
    assert_equivalent(Scenario("callback_heartbeat_timeout"))


def test_callback_heartbeat_then_success():
    assert_equivalent(Scenario("callback_heartbeat_then_success", actions=(
        Heartbeat("job"), Succeed("job", "done"))))


def test_callback_timeout_fires_during_longer_wait():
    # Service ordering (see callback_timeout_fires_before_wait): CallbackTimedOut at 3 s, its
    # invocation, then WaitSucceeded at 6 s.
    assert_equivalent(Scenario("callback_timeout_during_wait",
                               fixups=(callback_timeout_fires_before_wait,)))


def test_wait_for_callback_submitter_signature_and_success():
    assert_equivalent(Scenario("wait_for_callback_success", actions=(
        Succeed("approve create callback id", {"ok": True}),)))


def test_wait_for_callback_decorated_submitter():
    assert_equivalent(Scenario("wait_for_callback_decorated", actions=(
        Succeed("request_review create callback id", "approved"),)))


def test_wait_for_callback_failures():
    assert_equivalent(Scenario("wait_for_callback_failures", actions=(
        Fail("rejected create callback id", "request rejected", "Rejected"),)))


def test_wait_for_callback_timeout_uncaught():
    assert_equivalent(Scenario("wait_for_callback_timeout"))
