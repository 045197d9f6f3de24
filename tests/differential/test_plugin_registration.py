"""Differential tests: a plugin factory's registration API (``exclusive_group``,
``on_registration_result``) and how hooks are dispatched (order around the user code, a raising
hook or factory, the handler thread and the plugin change thread, the invocation's context)."""
from __future__ import annotations

import json
import os
from typing import Any, Callable

import pytest

from tests.differential.harness import (
    Scenario, assert_equivalent, load_handler_module, official_unavailable_reason, unalias)

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def _both(stem: str, observe: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``observe(module)`` of the handler module loaded as written and on ours."""
    official = observe(load_handler_module(stem, ours=False))
    ours = unalias(observe(load_handler_module(stem, ours=True)))
    return official, ours


def _assert_same(official: Any, ours: Any) -> None:
    if official != ours:
        names = official.keys() if isinstance(official, dict) else []
        wrong = [f"{name}:\n  official: {json.dumps(official[name])}\n  ours:     "
                 f"{json.dumps(ours.get(name))}" for name in names if official[name] != ours.get(name)]
        raise AssertionError("ours differs from the official SDK:\n" + "\n".join(
            wrong or [f"official: {official}\nours: {ours}"]))


def test_exclusive_groups_and_registration_results():
    official, ours = _both("plugin_registration", lambda module: module.outcomes())
    _assert_same(official, ours)
    conflict, results = official["two in one group"]
    assert conflict[0] == "PluginLoadError" and "mutually exclusive (group 'tracing')" in conflict[1]
    assert results == [["a", False], ["m", False], ["b", False]]  # every candidate, told once


def test_registration_results_when_a_handler_with_plugins_runs():
    official, _ = assert_equivalent(Scenario(
        "plugin_registration", input={"k": 1},
        observe=lambda module: {"results": module.RESULTS, "hooks": module.HOOKS}))
    assert official.observations["results"] == [["tracer", True], ["metrics", True]]


def test_exclusive_groups_across_explicit_and_discovered(tmp_path, monkeypatch):
    info = tmp_path / "differential_registration-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: differential-registration\n"
                                   "Version: 1.0\n")
    target = "differential_handlers.plugin_registration"
    (info / "entry_points.txt").write_text(
        "[aws_durable_execution.plugins]\n"
        f"tracer-a = {target}:EXPLICIT_A\ntracer-b = {target}:DISCOVERED_B\n"
        f"broken = {target}:BROKEN\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DURABLE_EXECUTION_PLUGINS", "")  # restored after the test
    official, ours = _both("plugin_registration",
                           lambda module: module.discovered_outcomes(os.environ))
    _assert_same(official, ours)
    error, results = official["explicit and discovered in one group"]
    assert "TracerA and differential_handlers.plugin_registration.TracerB" in error[1]
    assert results == [["explicit-a", False], ["discovered-b", False]]
    assert official["same object explicit and discovered"] == [None, [["explicit-a", True]]]


def test_hook_dispatch_order_failures_and_threads():
    official, _ = assert_equivalent(Scenario("plugin_dispatch", input={"k": 1},
                                             observe=lambda module: module.observe()))
    events = official.observations["events"]
    assert ["user", "in step", "one", "handler", "invocation 1"] in events
    assert {thread for entry in official.observations["changes"].values()
            for thread in entry["threads"]} == {"plugin-change"}
