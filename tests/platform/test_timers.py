"""Timers: one-shot Scheduler schedules of the right shape, fired (time-skipped) into the queue."""
from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope
from durable_lambda.core.errors import ConfigurationError, InvalidRequestError
from durable_lambda.core.settings import reset_settings
from durable_lambda.platform import timer_forwarder as timer_forwarder
from durable_lambda.core import timers
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.scheduler_pump import ManualClock, SchedulerPump

from .conftest import Peek


def _envelope(key: str = "a1", payload: Any = None, kind: str = "actor") -> Envelope:
    return Envelope(kind=kind, target="counter", key=key, payload=payload or {"by": 1})


def test_a_timer_is_a_one_shot_schedule_of_the_contract_shape(fabric: Fabric, peek: Peek) -> None:
    envelope = _envelope(payload={"tick": 1})
    fire_at = time.time() + 600.25
    name = timers.schedule_envelope(envelope, fire_at)

    schedule = peek.schedule(name)
    env = fabric.environment()
    assert len(name) <= 64 and name == timers.schedule_name(envelope.id)
    assert schedule["GroupName"] == fabric.schedule_group
    expected = datetime.fromtimestamp(math.ceil(fire_at), tz=timezone.utc)
    assert schedule["ScheduleExpression"] == f"at({expected:%Y-%m-%dT%H:%M:%S})"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == env["DURABLE_TIMER_TARGET_ARN"]
    assert schedule["Target"]["RoleArn"] == env["DURABLE_SCHEDULER_ROLE_ARN"]
    assert json.loads(schedule["Target"]["Input"]) == {"envelope": json.loads(envelope.to_json())}
    assert peek.drain(fabric.queue) == [], "nothing is queued before the timer fires"
    assert aws.call_counter == {"scheduler.CreateSchedule": 1}


def test_the_pump_fires_due_timers_through_the_forwarder_when_time_is_skipped(
        fabric: Fabric, peek: Peek) -> None:
    clock = ManualClock()
    later, sooner = _envelope("a1", {"n": 2}), _envelope("a2", {"n": 1})
    timers.schedule_envelope(later, clock() + 7200)
    timers.schedule_envelope(sooner, clock() + 3600)
    pump = SchedulerPump(now=clock)

    assert pump.fire_due() == 0
    assert pump.advance(3595) == 0, "not due yet"
    assert pump.advance(10) == 1
    assert peek.bodies(fabric.queue) == [json.loads(sooner.to_json())]
    assert pump.advance(3600) == 1
    assert peek.bodies(fabric.queue) == [json.loads(later.to_json())]
    assert peek.schedules() == [], "one-shot schedules are deleted after they fire"
    assert pump.fire_due() == 0


def test_a_message_from_a_timer_keeps_its_group_and_dedup_id(fabric: Fabric, peek: Peek) -> None:
    clock = ManualClock()
    envelope = _envelope("order-7", kind="workflow")
    timers.schedule_envelope(envelope, clock() + 60)
    SchedulerPump(now=clock).advance(61)
    [message] = peek.drain(fabric.queue)
    assert message["Attributes"]["MessageGroupId"] == envelope.group_id
    assert message["Attributes"]["MessageDeduplicationId"] == envelope.dedup_id


def test_scheduling_the_same_timer_twice_creates_one_schedule(fabric: Fabric, peek: Peek) -> None:
    envelope = _envelope()
    first = timers.schedule_envelope(envelope, time.time() + 300)
    again = timers.schedule_envelope(envelope, time.time() + 300)
    assert first == again and peek.schedules() == [first]


def test_a_double_fire_enqueues_the_envelope_once(fabric: Fabric, peek: Peek) -> None:
    envelope = _envelope()
    event = json.loads(timers.timer_input(envelope))
    aws.call_counter.clear()
    timer_forwarder.handler(event, None)
    timer_forwarder.handler(event, None)
    assert len(peek.drain(fabric.queue)) == 1
    assert aws.call_counter == {"sqs.SendMessage": 2}, "one SendMessage per fire"


def test_a_timer_due_now_or_overdue_is_sent_at_once_without_a_schedule(
        fabric: Fabric, peek: Peek) -> None:
    overdue, now = _envelope("a1"), _envelope("a2")
    timers.schedule_envelope(overdue, time.time() - 30)
    name = timers.schedule_envelope(now, time.time() + timers.IMMEDIATE_SECONDS / 2)
    assert peek.schedules() == []
    assert {b["actorId"] for b in peek.bodies(fabric.queue)} == {"a1", "a2"}
    assert timers.cancel(name) is False
    assert aws.call_counter["scheduler.CreateSchedule"] == 0


def test_a_cancelled_timer_never_fires(fabric: Fabric, peek: Peek) -> None:
    clock = ManualClock()
    keep, drop = _envelope("keep"), _envelope("drop")
    timers.schedule_envelope(keep, clock() + 60)
    name = timers.schedule_envelope(drop, clock() + 60, name="my-timer.1")
    assert name == "my-timer.1"
    assert timers.cancel(name) is True
    assert timers.cancel(name) is False, "cancel is idempotent"
    assert SchedulerPump(now=clock).advance(3600) == 1
    assert [b["actorId"] for b in peek.bodies(fabric.queue)] == ["keep"]


@pytest.mark.parametrize("call, fault", [
    (lambda: timers.schedule_envelope({"kind": "actor"}, time.time() + 60), "Envelope"),
    (lambda: timers.schedule_envelope(_envelope(), float("nan")), "finite"),
    (lambda: timers.schedule_envelope(_envelope(), "soon"), "finite"),
    (lambda: timers.schedule_envelope(_envelope(), time.time() + 60, name="bad name!"),
     "schedule name"),
    (lambda: timers.schedule_envelope(_envelope(), time.time() + 60, name="x" * 65),
     "schedule name"),
    (lambda: timers.cancel(""), "schedule name"),
])
def test_bad_timer_arguments_raise_a_typed_error(fabric: Fabric, call: Any, fault: str) -> None:
    with pytest.raises(InvalidRequestError, match=fault):
        call()


def test_a_missing_scheduler_setting_is_named(fabric: Fabric,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURABLE_TIMER_TARGET_ARN")
    reset_settings()
    with pytest.raises(ConfigurationError, match="DURABLE_TIMER_TARGET_ARN"):
        timers.schedule_envelope(_envelope(), time.time() + 60)


@pytest.mark.parametrize("event, fault", [
    ({}, "'envelope'"),
    ("not an object", "'envelope'"),
    ({"envelope": 5}, "object or JSON text"),
    ({"envelope": "{not json"}, "not JSON"),
    ({"envelope": {"kind": "robot", "target": "t", "id": "1"}}, "kind"),
    ({"envelope": {"kind": "actor", "target": "t", "id": "1"}}, "actorId"),
])
def test_the_timer_forwarder_rejects_bad_events_with_a_typed_error(
        fabric: Fabric, peek: Peek, event: Any, fault: str) -> None:
    with pytest.raises(InvalidRequestError, match=fault):
        timer_forwarder.handler(event, None)
    assert peek.drain(fabric.queue) == []


def test_the_forwarder_accepts_the_envelope_as_json_text(fabric: Fabric, peek: Peek) -> None:
    envelope = _envelope()
    assert timer_forwarder.handler({"envelope": envelope.to_json()}, None) == {
        "queued": envelope.id}
    assert peek.bodies(fabric.queue) == [json.loads(envelope.to_json())]


def test_a_failing_target_is_retried_then_dropped_by_the_pump(fabric: Fabric,
                                                               peek: Peek) -> None:
    clock = ManualClock()
    calls: list[Any] = []

    def broken(event: Any, context: Any) -> None:
        calls.append(event)
        raise RuntimeError("target down")

    name = timers.schedule_envelope(_envelope(), clock() + 60)
    pump = SchedulerPump(now=clock, handler=broken, max_attempts=3)
    assert pump.advance(61) == 0 and peek.schedules() == [name], "kept for a retry"
    assert pump.fire_due() == 0 and pump.fire_due() == 0
    assert len(calls) == 3 and pump.failed == [name] and peek.schedules() == []
    assert pump.fire_due() == 0 and len(calls) == 3
