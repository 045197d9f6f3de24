"""actor / workflow / callback commands against ``local up``, as a user runs them."""
from __future__ import annotations

import json
import uuid

from tests.cli.conftest import LocalUp, eventually


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_actor_call_send_state_history(local_up: LocalUp) -> None:
    actor = unique("user")
    assert local_up.cli("actor", "call", "durable-counter", actor, '{"by": 2}').out.strip() == "2"
    sent = local_up.cli("--json", "actor", "send", "durable-counter", actor, '{"by": 3}',
                        "--id", "m-1").json()
    assert sent == {"messageId": "m-1"}
    state = eventually(lambda: (s := local_up.cli("--json", "actor", "state", "durable-counter",
                                                  actor).json())["state"].get("n") == 5 and s,
                       what="the sent message applied")
    assert state["version"] == 2 and state["lease"] is None and state["key"].endswith(actor)
    history = local_up.cli("--json", "actor", "history", "durable-counter", actor).json()
    assert [row["messageId"] for row in history["items"]] == ["m-1"]
    human = local_up.cli("actor", "history", "durable-counter", actor)
    assert human.code == 0 and "MESSAGEID" in human.out and "m-1" in human.out
    assert "lease" in local_up.cli("actor", "state", "durable-counter", actor).out

    stdin = local_up.cli("actor", "call", "durable-counter", actor, "-", stdin='{"by": 10}')
    assert stdin.out.strip() == "15"


def test_actor_errors_have_exit_codes(local_up: LocalUp) -> None:
    failed = local_up.cli("actor", "call", "durable-counter", unique("x"), '{"fail": true}')
    assert failed.code == 1 and "ValueError" in failed.err and "refused" in failed.err
    missing = local_up.cli("actor", "call", "no-such-function", "x")
    assert missing.code == 4 and "Function not found" in missing.err
    unknown = local_up.cli("--json", "actor", "state", "durable-counter", unique("never"))
    assert unknown.code == 4 and unknown.json()["exitCode"] == 4
    bad = local_up.cli("actor", "call", "durable-counter", "x", "{not json")
    assert bad.code == 2 and "payload is not valid JSON" in bad.err


def test_workflow_start_callback_history_list(local_up: LocalUp) -> None:
    name = unique("order")
    started = local_up.cli("--json", "workflow", "start", "durable-approval",
                           '{"amounts": [3, 4]}', "--name", name).json()
    execution_id = started["executionId"]
    again = local_up.cli("--json", "workflow", "start", "durable-approval", "{}",
                         "--name", name).json()
    assert again["executionId"] == execution_id  # idempotent by name

    def callback_id() -> str:
        events = local_up.cli("--json", "workflow", "history", execution_id).json()["events"]
        return next((e["CallbackStartedDetails"]["CallbackId"] for e in events
                     if e["EventType"] == "CallbackStarted"), "")

    callback = eventually(callback_id, what="the execution waits on its callback")
    status = local_up.cli("--json", "workflow", "status", execution_id)
    assert status.code == 0 and status.json()["status"] == "RUNNING"
    beat = local_up.cli("--json", "callback", "heartbeat", callback).json()
    assert beat["action"] == "heartbeat"
    done = local_up.cli("--json", "callback", "succeed", callback, '{"approved": true}').json()
    assert done["changed"] is True
    final = eventually(lambda: (s := local_up.cli("--json", "workflow", "status",
                                                  execution_id).json())["status"] != "RUNNING"
                       and s, what="the execution finishes after the callback")
    assert final["status"] == "SUCCEEDED"
    assert final["result"] == {"total": 7, "verdict": '{"approved": true}'}
    again = local_up.cli("--json", "callback", "succeed", callback, "late").json()
    assert again["changed"] is False

    timeline = local_up.cli("workflow", "history", execution_id)
    lines = timeline.out.splitlines()
    assert "ExecutionStarted" in lines[0] and "ExecutionSucceeded" in lines[-1]
    assert any("CallbackSucceeded" in line and "approval" in line for line in lines)

    listed = local_up.cli("--json", "workflow", "list", "--function", "durable-approval").json()
    assert execution_id in [e["executionId"] for e in listed["items"]]
    only_running = local_up.cli("--json", "workflow", "list", "--status", "running").json()
    assert execution_id not in [e["executionId"] for e in only_running["items"]]


def test_workflow_start_wait_and_stop(local_up: LocalUp) -> None:
    quick = local_up.cli("--json", "workflow", "start", "durable-quick", '{"a": 1}',
                         "--wait", "60")
    assert quick.code == 0, quick.err
    assert quick.json()["result"] == {"echo": {"a": 1}} and quick.json()["status"] == "SUCCEEDED"

    started = local_up.cli("--json", "workflow", "start", "durable-approval", "{}").json()
    execution_id = started["executionId"]
    eventually(lambda: "CallbackStarted" in local_up.cli("workflow", "history",
                                                         execution_id).out,
               what="the execution suspends on its callback")
    stopped = local_up.cli("--json", "workflow", "stop", execution_id, "--reason", "test")
    assert stopped.code == 0 and stopped.json()["status"] == "STOPPED"
    status = local_up.cli("--json", "workflow", "status", execution_id)
    assert status.code == 1 and status.json()["error"]["ErrorMessage"] == "test"
    again = local_up.cli("workflow", "stop", execution_id)
    assert again.code == 1 and "already finished (STOPPED)" in again.err
    events = local_up.cli("--json", "workflow", "history", execution_id).json()["events"]
    assert events[-1]["EventType"] == "ExecutionStopped"
    missing = local_up.cli("workflow", "status", "0" * 32)
    assert missing.code == 4


def test_callback_fail_via_the_bus(local_up: LocalUp) -> None:
    execution_id = local_up.cli("--json", "workflow", "start", "durable-approval",
                                "{}").json()["executionId"]

    def callback_id() -> str:
        events = local_up.cli("--json", "workflow", "history", execution_id).json()["events"]
        return next((e["CallbackStartedDetails"]["CallbackId"] for e in events
                     if e["EventType"] == "CallbackStarted"), "")

    callback = eventually(callback_id, what="the callback started")
    published = local_up.cli("--json", "callback", "fail", callback, "--via-bus",
                             "--error-type", "Rejected", "--error-message", "no budget")
    assert published.code == 0 and published.json()["published"] is True
    final = eventually(lambda: (s := local_up.cli("--json", "workflow", "status",
                                                  execution_id).json())["status"] != "RUNNING"
                       and s, what="the failure reaches the execution through EventBridge")
    assert final["status"] == "FAILED" and "no budget" in json.dumps(final["error"])


def test_stopping_a_child_execution_fails_its_parents_invoke(local_up: LocalUp) -> None:
    parent_id = local_up.cli("--json", "workflow", "start", "durable-parent",
                             "{}").json()["executionId"]

    def child() -> str:
        items = local_up.cli("--json", "workflow", "list", "--function",
                             "durable-approval").json()["items"]
        return next((e["executionId"] for e in items
                     if (e["name"] or "").startswith(parent_id)), "")

    child_id = eventually(child, what="the parent started its child")
    eventually(lambda: "CallbackStarted" in local_up.cli("workflow", "history", child_id).out,
               what="the child waits on its callback")
    assert local_up.cli("workflow", "stop", child_id).code == 0
    final = eventually(lambda: (s := local_up.cli("--json", "workflow", "status",
                                                  parent_id).json())["status"] != "RUNNING"
                       and s, what="the parent learns its child stopped")
    assert final["status"] == "FAILED"
