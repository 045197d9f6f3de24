"""Differential test: every field of every hook info a plugin receives (invocation start/end with
their operation maps and ``updated_operations``, operation start/end, user function start/end,
the change notifications), over one workflow that suspends on each kind of operation."""
from __future__ import annotations

import functools

import pytest

from tests.differential.harness import (
    Scenario, Succeed, assert_equivalent, differences, official_unavailable_reason, run_official,
    run_ours)

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


@pytest.fixture
def callbacks_reported_as_updated(monkeypatch):
    """The service form of the official local runner's ``UpdatedOperationIds``.

    The service reports in ``UpdatedOperationIds`` every operation that changed while the
    execution was suspended: "A wait timer that expired, a callback that was delivered, or a
    chained invoke that completed" (the SDK's ``InvocationStartInfo.updated_operations``; its
    ``ExecutionState`` comment names "waits, callbacks, invokes, or retry timers"). The local
    runner 1.4.0 records waits, retries and chained invokes (``Execution._record_updated_
    operation``) but not callbacks completed by ``send_callback_*`` or timed out; so on it a
    delivered callback gets no update hook at replay, and its end hook runs late (from a
    checkpoint response). Record them as the service does.
    """
    from aws_durable_execution_sdk_python_testing.execution import Execution

    def recording(complete):
        @functools.wraps(complete)
        def wrapper(self, *args, **kwargs):
            operation = complete(self, *args, **kwargs)
            self._record_updated_operation(operation.operation_id)  # noqa: SLF001
            return operation
        return wrapper

    for name in ("complete_callback_success", "complete_callback_failure",
                 "complete_callback_timeout"):
        monkeypatch.setattr(Execution, name, recording(getattr(Execution, name)))


def test_every_hook_info_field(callbacks_reported_as_updated):
    official, _ = assert_equivalent(Scenario(
        "plugin_payloads", input={"k": 1}, functions={"quote": "quote"},
        actions=(Succeed("approval", {"ok": True}),), observe=lambda module: module.observe()))
    hooks = official.observations["hooks"]
    starts = {number: info for number, hook, info in hooks if hook == "invocation_start"}
    assert len(starts) == 6
    # the service's EXECUTION operation heads every map, on the first invocation too
    assert all(info["operations"][0][1]["type"] == "EXECUTION" for info in starts.values())
    assert [len(info["operations"]) for info in starts.values()][0] == 1
    updated = {number: [(op["name"], op["status"]) for _, op in info["updated_operations"]]
               for number, info in starts.items()}
    assert updated == {1: [], 2: [("flaky", "READY")], 3: [("pause", "SUCCEEDED")],
                       4: [("approval", "SUCCEEDED")], 5: [("job-done", "READY")],
                       6: [("get-price", "SUCCEEDED")]}


def _merged(calls):
    """Several change notifications as the one call they merge into (the SDK's merge): every
    operation any of them reported, in its newest state; the newest full map."""
    updated = {}
    for call in calls:
        updated.update(call["updated"])
    return {"updated": updated, "operations": calls[-1]["operations"]}


def _call_ends(official, ours):
    """Where each of our calls ends in the official sequence, when ours is the official sequence
    with consecutive calls merged (our checkpoints are buffered: fewer calls); else None."""
    ends, start = [], 0
    for call in ours:
        end = next((j for j in range(start, len(official))
                    if _merged(official[start:j + 1]) == call), None)
        if end is None:
            return None
        ends.append(end)
        start = end + 1
    return ends if start == len(official) else None


@pytest.mark.parametrize("mode", ["wait", "retry"])
def test_hooks_of_a_branch_run_again_when_its_timer_comes_due(mode):
    scenario = Scenario("plugin_resume_wave", input={"mode": mode}, ordered=False,
                        observe=lambda module: module.observe())
    official, ours = run_official(scenario), run_ours(scenario)
    changes = official.observations.pop("changes"), ours.observations.pop("changes")
    problems = differences(official, ours, scenario.ordered)
    assert not problems, "\n\n".join(problems)
    starts = [hook for hook in official.observations["hooks"] if hook[0] == "start"]
    assert ["start", "map-item-0", "STARTED", False] in starts
    assert ["start", "map-item-0", "STARTED", True] not in starts
    if mode == "retry":
        assert ["start", "flaky", "STARTED", True] in starts
    # The change notifications: ours may merge consecutive official calls, and the timer the
    # service completed while branches 1-2 ran (the retry READY, the wait SUCCEEDED: the SDK's
    # refresh response) is a call of its own, before the branch goes on from it.
    official_calls, our_calls = changes
    timer = {"retry": {"flaky": "READY"}, "wait": {"pause": "SUCCEEDED"}}[mode]
    # the official call reporting the timer (its own call in every run seen; a superset would
    # mean the official runner merged it with a concurrent change, which ours may do too)
    wave = next(i for i, call in enumerate(official_calls)
                if timer.items() <= call["updated"].items())
    ends = _call_ends(official_calls, our_calls)
    assert ends is not None, f"official {official_calls}\nours {our_calls}"
    assert wave in ends, f"official {official_calls}\nours {our_calls}"
