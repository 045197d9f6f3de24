"""Local EventBridge Scheduler: fires due one-shot schedules through the timer forwarder.

moto stores schedules (CreateSchedule/GetSchedule/ListSchedules/DeleteSchedule) but never fires
them. ``SchedulerPump`` does what the service would: it lists the schedules of the group
(``ListSchedules`` — supported by moto 5.x; summaries carry no Input, so each is read with
``GetSchedule``), picks the enabled ``at(...)`` ones whose time has come on an injectable clock
(``now``), calls the target handler (the timer forwarder by default) with the schedule's Input
as Lambda would, then deletes the schedule (``ActionAfterCompletion=DELETE``). A handler that
raises is retried on later rounds, up to ``max_attempts`` (Lambda's async invoke: 1 + 2
retries), then the schedule is dropped and recorded in ``failed``. Recurring expressions
(``rate``/``cron``) are not emulated. Every loop is bounded.

The pump's own Scheduler calls emulate the service and are not added to
``durable_lambda.core.aws.call_counter`` (a user pays per schedule invocation, not per API call).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import boto3

from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.settings import get_settings
from durable_lambda.core.timers import parse_at_expression
from durable_lambda.platform import timer_forwarder as timer_forwarder
from durable_lambda.testing.local_lambda import LambdaContext

log = logging.getLogger("durable_lambda")
Handler = Callable[[Any, Any], Any]


class ManualClock:
    """A clock for time skipping: ``pump = SchedulerPump(now=clock)``; ``clock.advance(60)``."""

    def __init__(self, start: Optional[float] = None) -> None:
        self.current = time.time() if start is None else start

    def __call__(self) -> float:
        return self.current

    def advance(self, seconds: float) -> float:
        self.current += seconds
        return self.current


@dataclass
class DueSchedule:
    """A schedule whose time has come."""

    name: str
    fire_at: float
    input: Any
    delete_after: bool


@dataclass
class SchedulerPump:
    """Fire due schedules of ``group`` (default ``DURABLE_SCHEDULE_GROUP``) into ``handler``."""

    group: Optional[str] = None
    handler: Handler = timer_forwarder.handler
    now: Callable[[], float] = time.time
    endpoint_url: Optional[str] = None
    function_name: str = "durable-timer-forwarder"
    max_attempts: int = 3
    max_schedules: int = 10_000
    #: names of schedules fired successfully, in firing order
    fired: list[str] = field(default_factory=list)
    #: names of schedules dropped after ``max_attempts`` failed invocations
    failed: list[str] = field(default_factory=list)
    _attempts: dict[str, int] = field(default_factory=dict, init=False)
    _completed: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        settings = get_settings()
        self.group = self.group or settings.require("schedule_group")
        self._scheduler = boto3.client("scheduler", region_name=settings.region,
                                       endpoint_url=self.endpoint_url or settings.endpoint_url)

    def schedule_names(self) -> list[str]:
        """Names of every schedule in the group (paginated, bounded by ``max_schedules``)."""
        names: list[str] = []
        token: Optional[str] = None
        while len(names) < self.max_schedules:
            params: dict[str, Any] = {"GroupName": self.group, "MaxResults": 100}
            if token:
                params["NextToken"] = token
            page = self._scheduler.list_schedules(**params)
            names += [s["Name"] for s in page.get("Schedules", [])]
            token = page.get("NextToken")
            if not token:
                break
        return names[:self.max_schedules]

    def due(self) -> list[DueSchedule]:
        """Enabled one-shot schedules due at ``now()``, earliest first."""
        now = self.now()
        found: list[DueSchedule] = []
        for name in self.schedule_names():
            if name in self._completed:
                continue
            try:
                schedule = self._scheduler.get_schedule(Name=name, GroupName=self.group)
            except self._scheduler.exceptions.ResourceNotFoundException:
                continue  # deleted (cancelled) since it was listed
            if schedule.get("State", "ENABLED") != "ENABLED":
                continue
            try:
                fire_at = parse_at_expression(schedule["ScheduleExpression"])
            except InvalidRequestError:
                continue  # rate()/cron(): not emulated
            if fire_at <= now:
                raw = schedule.get("Target", {}).get("Input")
                found.append(DueSchedule(name, fire_at, _decode(raw),
                                         schedule.get("ActionAfterCompletion") == "DELETE"))
        found.sort(key=lambda s: s.fire_at)
        return found

    def fire_due(self) -> int:
        """Fire every due schedule once; returns how many invocations succeeded."""
        succeeded = 0
        for schedule in self.due():
            if self._invoke(schedule):
                succeeded += 1
                self.fired.append(schedule.name)
                self._finish(schedule)
            elif self._attempts[schedule.name] >= self.max_attempts:
                log.error("schedule %s dropped after %d failed invocations", schedule.name,
                          self.max_attempts)
                self.failed.append(schedule.name)
                self._finish(schedule)
        return succeeded

    def advance(self, seconds: float) -> int:
        """Skip the clock ahead (a ``ManualClock`` ``now``) and fire what became due."""
        if not isinstance(self.now, ManualClock):
            raise TypeError("advance() needs SchedulerPump(now=ManualClock())")
        self.now.advance(seconds)
        return self.fire_due()

    def _invoke(self, schedule: DueSchedule) -> bool:
        self._attempts[schedule.name] = self._attempts.get(schedule.name, 0) + 1
        try:
            self.handler(json.loads(json.dumps(schedule.input)),
                         LambdaContext(self.function_name))
        except Exception as exc:  # the target failed: Lambda retries the async invoke
            log.warning("schedule %s: target failed (attempt %d): %s", schedule.name,
                        self._attempts[schedule.name], exc)
            return False
        return True

    def _finish(self, schedule: DueSchedule) -> None:
        self._attempts.pop(schedule.name, None)
        if not schedule.delete_after:
            self._completed.add(schedule.name)  # a one-shot schedule never fires again
            return
        try:
            self._scheduler.delete_schedule(Name=schedule.name, GroupName=self.group)
        except self._scheduler.exceptions.ResourceNotFoundException:
            pass


def _decode(raw: Optional[str]) -> Any:
    """Lambda gets the Input parsed when it is JSON, else as a string."""
    if raw is None:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return raw
