"""The harness itself: the alias loader, normalisation and the service-form fix-ups (these pass
today; they keep the comparison honest)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.differential import harness
from tests.differential.harness import (
    OFFICIAL, OURS, callback_timeout_fires_before_wait, load_handler_module, map_official_name,
    normalise_history, official_unavailable_reason, service_form)

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")


def test_official_names_map_onto_ours():
    assert map_official_name(OFFICIAL) == OURS
    assert map_official_name(f"{OFFICIAL}.config") == f"{OURS}.config"
    assert map_official_name(f"{OFFICIAL}_testing") is None
    assert map_official_name("json") is None


def test_loader_gives_the_same_source_each_implementation():
    official = load_handler_module("step_basic", ours=False)
    assert official.durable_execution.__module__.startswith(OFFICIAL)
    try:
        ours = load_handler_module("step_basic", ours=True)
    except Exception:  # noqa: BLE001 - a missing name of ours is for the other tests to report
        return
    assert ours.durable_execution.__module__.startswith(OURS)
    assert ours.__name__ == official.__name__  # same wire ErrorType for user-defined classes


def test_normalise_keeps_structure_and_details_and_drops_identity():
    events = [
        {"EventType": "ExecutionStarted", "EventId": 1, "Id": "exec", "Name": "run-1",
         "EventTimestamp": "t", "ExecutionStartedDetails": {"Input": {"Payload": "{}",
                                                                      "Truncated": False},
                                                            "ExecutionTimeout": 60}},
        {"EventType": "ContextStarted", "EventId": 2, "Id": "c1", "Name": "outer",
         "SubType": "RunInChildContext", "ContextStartedDetails": {}},
        {"EventType": "StepSucceeded", "EventId": 3, "Id": "s1", "Name": "inner", "SubType": "Step",
         "ParentId": "c1", "StepSucceededDetails": {
             "Result": {"Payload": "1"}, "RetryDetails": {"CurrentAttempt": 1}}},
        {"EventType": "CallbackStarted", "Id": "cb", "SubType": "Callback",
         "CallbackStartedDetails": {"CallbackId": "abc", "Timeout": 0, "HeartbeatTimeout": 5}},
        {"EventType": "InvocationCompleted", "EventId": 5, "InvocationCompletedDetails": {
            "StartTimestamp": "a", "EndTimestamp": "b", "RequestId": "r"}},
    ]
    assert normalise_history(events) == [
        {"EventType": "ExecutionStarted", "ExecutionStartedDetails": {"Input": {"Payload": "{}"}}},
        {"EventType": "ContextStarted", "SubType": "RunInChildContext", "Name": "outer", "Op": 1},
        {"EventType": "StepSucceeded", "SubType": "Step", "Name": "inner", "Op": 2,
         "Parent": "RunInChildContext:outer", "StepSucceededDetails": {"Result": {"Payload": "1"}}},
        {"EventType": "CallbackStarted", "SubType": "Callback", "Op": 3,
         "CallbackStartedDetails": {"CallbackId": "<callback-id>", "HeartbeatTimeout": 5}},
        {"EventType": "InvocationCompleted"},
    ]


def test_service_form_fills_what_the_local_runner_leaves_out():
    def update(op_id, action, **fields):
        return SimpleNamespace(operation_id=op_id, action=SimpleNamespace(value=action),
                               error=fields.pop("error", None), payload=fields.pop("payload", None),
                               callback_options=fields.pop("callback_options", None))
    updates = [
        update("cb", "START", callback_options=SimpleNamespace(timeout_seconds=30,
                                                               heartbeat_timeout_seconds=0)),
        update("poll", "START"), update("poll", "RETRY", payload='"s1"'), update("poll", "START"),
        update("poll", "SUCCEED", payload='"s2"'),
    ]
    events = [
        {"EventType": "CallbackStarted", "Id": "cb", "CallbackStartedDetails": {"CallbackId": "x"}},
        {"EventType": "ChainedInvokeStarted", "Id": "inv", "ChainedInvokeStartedDetails": {}},
        {"EventType": "StepStarted", "Id": "poll"},
        {"EventType": "StepSucceeded", "Id": "poll", "StepSucceededDetails": {
            "Result": {"Truncated": False},
            "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 5}}},
        {"EventType": "StepStarted", "Id": "poll"},
        {"EventType": "StepSucceeded", "Id": "poll", "StepSucceededDetails": {
            "Result": {"Payload": '"s2"'}}},
    ]
    out = service_form(events, updates)
    assert out[0]["CallbackStartedDetails"] == {"CallbackId": "x", "Timeout": 30}
    assert out[1]["ChainedInvokeStartedDetails"] == {"ExecutedVersion": "$LATEST"}
    assert out[3]["StepSucceededDetails"]["Result"] == {"Payload": '"s1"', "Truncated": False}
    assert out[5]["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 2}


def test_callback_timeout_reordering_only_moves_the_two_events():
    events = [{"EventType": t} for t in ("CallbackStarted", "WaitStarted", "InvocationCompleted",
                                         "WaitSucceeded", "InvocationCompleted",
                                         "CallbackTimedOut", "InvocationCompleted")]
    assert [e["EventType"] for e in callback_timeout_fires_before_wait(events)] == [
        "CallbackStarted", "WaitStarted", "InvocationCompleted", "CallbackTimedOut",
        "InvocationCompleted", "WaitSucceeded", "InvocationCompleted"]


def test_unalias_maps_our_package_path_in_strings_only():
    assert harness.unalias({"ErrorType": f"{OURS}.exceptions.StepError", "n": 1}) == {
        "ErrorType": f"{OFFICIAL}.exceptions.StepError", "n": 1}
