"""Differential tests: context.logger, instrumentation plugins, the error classes."""
from __future__ import annotations

import pytest

from tests.differential.harness import Scenario, assert_equivalent, official_unavailable_reason

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def test_logger_replay_safe_and_get_logger():
    assert_equivalent(Scenario("logger", input={"who": "ann"},
                               observe=lambda module: module.collect()))


def test_plugin_hooks():
    assert_equivalent(Scenario("plugin_hooks", input={"k": 1},
                               observe=lambda module: module.HOOKS))


def test_error_classes():
    assert_equivalent(Scenario("errors_hierarchy"))
