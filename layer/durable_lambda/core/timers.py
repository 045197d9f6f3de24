"""Durable timers: deliver an envelope to the work queue at a later time.

``schedule_envelope`` creates a one-shot EventBridge Scheduler schedule in
``DURABLE_SCHEDULE_GROUP`` (expression ``at(yyyy-mm-ddThh:mm:ss)``, UTC, flexible window OFF,
``ActionAfterCompletion=DELETE``) whose target is the timer forwarder
(``DURABLE_TIMER_TARGET_ARN``, role ``DURABLE_SCHEDULER_ROLE_ARN``) with
``Input = {"envelope": <envelope>}``; the forwarder sends the envelope to ``DURABLE_QUEUE``.

Decisions (see docs/platform.md):
- The schedule name is derived from the envelope id, so scheduling the same timer twice is a
  no-op (Scheduler answers ``ConflictException``, which means "already scheduled").
- A timer due within ``IMMEDIATE_SECONDS`` (or in the past) is sent to the queue at once: a
  schedule could not fire sooner, and ``at()`` in the past would never fire.
- SQS ``DelaySeconds`` is NOT used for short delays: the work queue is FIFO, and FIFO queues
  reject per-message delays (only a queue-wide delay exists). Every other delay goes through
  Scheduler, which costs one CreateSchedule call per timer.
- The fire time is rounded up to the whole second, so a timer never fires early.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import time
from datetime import datetime, timezone
from typing import Optional

from durable_lambda.core.envelope import Envelope, send
from durable_lambda.core.errors import InvalidRequestError

#: due within this many seconds (or overdue): sent straight to the queue, no schedule
IMMEDIATE_SECONDS = 1.0
#: prefix of every schedule this module creates (the local pump lists by it)
NAME_PREFIX = "dl-"
_NAME_RE = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


def schedule_name(envelope_id: str) -> str:
    """The deterministic schedule name for an envelope id (63 chars, valid for Scheduler)."""
    return NAME_PREFIX + hashlib.sha256(envelope_id.encode()).hexdigest()[:60]


def at_expression(fire_at_epoch_seconds: float) -> str:
    """``at(yyyy-mm-ddThh:mm:ss)`` in UTC, rounded up to the second."""
    moment = datetime.fromtimestamp(math.ceil(fire_at_epoch_seconds), tz=timezone.utc)
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def parse_at_expression(expression: str) -> float:
    """Epoch seconds of an ``at(...)`` expression (UTC); InvalidRequestError otherwise."""
    match = re.fullmatch(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)", expression or "")
    if not match:
        raise InvalidRequestError(f"not a one-shot at(...) expression: {expression!r}")
    moment = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    return moment.replace(tzinfo=timezone.utc).timestamp()


def schedule_envelope(envelope: Envelope, fire_at_epoch_seconds: float,
                      name: Optional[str] = None, *, now: Optional[float] = None) -> str:
    """Deliver ``envelope`` to the work queue at ``fire_at_epoch_seconds``; returns the schedule name.

    Idempotent: the same envelope id (or ``name``) is scheduled once. A timer due within
    ``IMMEDIATE_SECONDS`` is sent now (no schedule is created; ``cancel`` then returns False).
    ``now`` overrides the clock (tests). Raises InvalidRequestError for a bad envelope, time or
    name, ConfigurationError when a needed setting is missing.
    """
    if not isinstance(envelope, Envelope):
        raise InvalidRequestError(
            f"schedule_envelope needs an Envelope, got {type(envelope).__name__}")
    if isinstance(fire_at_epoch_seconds, bool) or not isinstance(
            fire_at_epoch_seconds, (int, float)) or not math.isfinite(fire_at_epoch_seconds):
        raise InvalidRequestError(
            f"fire_at_epoch_seconds must be a finite number, got {fire_at_epoch_seconds!r}")
    name = name if name is not None else schedule_name(envelope.id)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InvalidRequestError(
            f"schedule name must be 1-64 characters of [0-9A-Za-z_.-], got {name!r}")
    current = time.time() if now is None else now
    if fire_at_epoch_seconds - current <= IMMEDIATE_SECONDS:
        send(envelope)
        return name
    _create_schedule(name, envelope, fire_at_epoch_seconds)
    return name


def _create_schedule(name: str, envelope: Envelope, fire_at: float) -> None:
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    settings = get_settings()
    group = settings.require("schedule_group")
    target = {"Arn": settings.require("timer_target_arn"),
              "RoleArn": settings.require("scheduler_role_arn"),
              "Input": timer_input(envelope)}
    try:
        aws.client("scheduler").create_schedule(
            Name=name, GroupName=group, ScheduleExpression=at_expression(fire_at),
            ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE", State="ENABLED", Target=target,
            Description=f"durable-lambda timer for {envelope.kind} {envelope.target}"[:512])
    except Exception as exc:
        if aws.error_code(exc) != "ConflictException":
            raise
        # a schedule with this name exists: this timer is already scheduled


def timer_input(envelope: Envelope) -> str:
    """The schedule's target Input: ``{"envelope": <envelope as a JSON object>}``."""
    return json.dumps({"envelope": json.loads(envelope.to_json())}, separators=(",", ":"))


def cancel(name: str) -> bool:
    """Delete schedule ``name``; True when it existed, False when it had fired or never existed."""
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InvalidRequestError(f"not a valid schedule name: {name!r}")
    try:
        aws.client("scheduler").delete_schedule(
            Name=name, GroupName=get_settings().require("schedule_group"))
    except Exception as exc:
        if aws.error_code(exc) == "ResourceNotFoundException":
            return False
        raise
    return True


__all__ = ["schedule_envelope", "cancel", "schedule_name", "at_expression",
           "parse_at_expression", "timer_input", "IMMEDIATE_SECONDS", "NAME_PREFIX"]
