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


def test_plugins_named_in_durable_execution_plugins(tmp_path, monkeypatch):
    # An installed distribution providing entry point "recorder" in the SDK's group; both SDKs
    # load it at decoration time because DURABLE_EXECUTION_PLUGINS names it.
    info = tmp_path / "differential_plugins-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: differential-plugins\n"
                                   "Version: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[aws_durable_execution.plugins]\n"
        "recorder = differential_handlers.plugin_discovered:FACTORY\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DURABLE_EXECUTION_PLUGINS", "recorder")
    official, ours = assert_equivalent(Scenario("plugin_discovered", input={"k": 1},
                                                observe=lambda module: module.HOOKS))
    assert official.observations and official.observations[0] == ["create_plugin", True]
