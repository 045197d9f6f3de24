"""Distributed cron: a job that re-arms itself with a timer each tick, pausable.

Shows: ``ctx.set_timer`` (a one-shot EventBridge Scheduler schedule, deleted after it fires)
scheduled in the same turn that records the tick, so a crash can neither lose the next
tick nor schedule two. Ticks are numbered and carry the generation of the run that armed
them: a timer delivered twice, a stale timer from before a pause, or a retried turn never
runs a period's job twice. Exactly one tick per period, whichever Lambda instance gets it.

    cron = ActorClient("examples-cron")
    cron.call("nightly-report", {"op": "start", "period_seconds": 86400,
                                 "job": {"target": "examples-counter", "actorId": "reports",
                                         "payload": {"op": "add", "by": 1}}})
    cron.call("nightly-report", {"op": "pause"})
    cron.call("nightly-report", {"op": "resume"})
    cron.call("nightly-report", {"op": "status"})

Each tick sends ``job.payload`` to actor ``job.actorId`` of function ``job.target`` (with
the send committed together with the tick) and keeps the last ``HISTORY`` ticks. Periods
are at least a minute (Scheduler fires with 60-second precision); the next tick is due one
period after the last one was due, so late firings do not drift the schedule.

Deploy: a function with the durable-lambda layer, handler ``cron.handler``, the fabric's
``DURABLE_*`` variables including the timer ones (``DURABLE_SCHEDULE_GROUP``,
``DURABLE_SCHEDULER_ROLE_ARN``, ``DURABLE_TIMER_TARGET_ARN``) and permission to create
schedules in that group and to pass the scheduler role.
"""
from __future__ import annotations

import time
from typing import Any, Optional

from durable_lambda import actor
from durable_lambda.core.errors import InvalidRequestError

HISTORY = 10
#: EventBridge Scheduler fires with 60-second precision
MIN_PERIOD_SECONDS = 60


def validate_start(payload: dict[str, Any]) -> tuple[float, Any]:
    """The period and the (optional) job of a start request."""
    period = payload.get("period_seconds")
    if not isinstance(period, (int, float)) or isinstance(period, bool) or (
            period < MIN_PERIOD_SECONDS):
        raise InvalidRequestError(f"period_seconds must be a number >= {MIN_PERIOD_SECONDS}")
    job = payload.get("job")
    if job is not None and not (isinstance(job, dict) and isinstance(job.get("target"), str)
                                and isinstance(job.get("actorId"), str)):
        raise InvalidRequestError("job must be {target, actorId, payload}")
    return period, job


def next_due(last_due: Optional[float], period: float, now: float) -> float:
    """One period after the last due time (no drift), or after now when starting or when
    the job fell behind (missed periods are skipped, not caught up)."""
    due = last_due + period if last_due is not None else now
    return due if due > now else now + period


def arm(ctx: Any, cron: dict[str, Any], after_due: bool = False) -> None:
    """Schedule the next tick of the current run (after the last due time when ``after_due``)."""
    now = time.time()
    cron["due_at"] = next_due(cron["due_at"] if after_due else None, cron["period_seconds"], now)
    ctx.set_timer(cron["due_at"] - now, {"op": "tick", "n": cron["next"], "gen": cron["gen"]})


def tick(ctx: Any, cron: dict[str, Any], n: Any, gen: Any) -> bool:
    """Run tick ``n`` if it is the one this run is waiting for; re-arm. False when ignored."""
    if not cron.get("running") or gen != cron["gen"] or n != cron["next"]:
        return False  # a duplicate, a stale timer from before a pause, or a replay
    job = cron.get("job")
    if job:
        ctx.send(job["actorId"], job.get("payload"), target=job["target"])
    cron["ticks"] = cron.get("ticks", 0) + 1
    cron["history"] = (cron.get("history", []) + [n])[-HISTORY:]
    cron["next"] = n + 1
    arm(ctx, cron, after_due=True)
    return True


@actor(actor_type="cron")
def handler(ctx: Any, payload: Any) -> Any:
    """``start`` {period_seconds, job?} | ``pause`` | ``resume`` | ``status`` | ``tick``
    (sent by its own timers); returns the job's status."""
    payload = payload or {}
    op, cron = payload.get("op"), ctx.state.get("cron")
    if op == "tick":
        if cron:
            tick(ctx, cron, payload.get("n"), payload.get("gen"))
    elif op == "start":
        if not cron:  # starting a started job changes nothing
            period, job = validate_start(payload)
            cron = ctx.state["cron"] = {"period_seconds": period, "job": job, "gen": 1,
                                        "next": 1, "running": True, "ticks": 0}
            arm(ctx, cron)
    elif op in ("pause", "resume"):
        if not cron:
            raise InvalidRequestError(f"cron job {ctx.actor_id!r} was never started")
        if op == "pause":
            cron["running"] = False
        elif not cron["running"]:
            cron.update(running=True, gen=cron["gen"] + 1)  # the old run's timers are void
            arm(ctx, cron)
    elif op != "status":
        raise InvalidRequestError(
            f"unknown cron op {op!r}: use 'start', 'pause', 'resume' or 'status'")
    return cron
