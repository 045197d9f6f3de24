"""The distributed cron example: one tick per period, whatever the timers do."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from durable_lambda import ActorClient
from durable_lambda.core.errors import RemoteActorError
from durable_lambda.platform import timer_forwarder as timer_forwarder
from durable_lambda.testing.local_cloud import LocalCloud
from durable_lambda.testing.scheduler_pump import SchedulerPump
from examples.actors import counter, cron
from examples.actors.harness import SCHEDULER_SLACK_SECONDS, scheduler_pump
from examples.actors.scenarios import run_cron_scenario

from .conftest import redeliver

jobs = ActorClient("examples-cron")
runs = ActorClient("examples-counter")
JOB = {"target": "examples-counter", "actorId": "runs", "payload": {"op": "add", "by": 1}}


@pytest.fixture
def cron_env(env: LocalCloud) -> LocalCloud:
    env.register("examples-cron", cron.handler)
    env.register("examples-counter", counter.handler)
    return env


def firing(times: int) -> Callable[[Any, Any], Any]:
    """A timer target that Scheduler invokes ``times`` times per schedule (at least once)."""
    def forward(event: Any, context: Any) -> None:
        for _ in range(times):
            timer_forwarder.handler(event, context)
    return forward


def periods(env: LocalCloud, pump: SchedulerPump, count: int = 1) -> None:
    for _ in range(count):
        pump.advance(60 + SCHEDULER_SLACK_SECONDS)
        env.run_until_idle()


def ticks(job: str = "j") -> int:
    return int(jobs.call(job, {"op": "status"})["ticks"])


def test_scenario_ticks_once_per_running_period(env: LocalCloud) -> None:
    result = run_cron_scenario(env)
    assert result["timer_fires"] == 12, "six timers, each fired twice"
    assert result["ticks"] == result["job_runs"] == result["periods_running"] == 5
    assert result["history"] == [1, 2, 3, 4, 5]


def test_one_tick_per_period_when_every_timer_fires_three_times(cron_env: LocalCloud) -> None:
    pump = scheduler_pump(cron_env, handler=firing(3))
    jobs.call("j", {"op": "start", "period_seconds": 60, "job": JOB})
    periods(cron_env, pump, 4)
    assert ticks() == 4
    assert runs.call("runs", {"op": "get"}) == 4, "the job ran once per tick"
    assert len(pump.schedule_names()) == 1, "exactly one next tick is armed"


def test_replayed_ticks_with_new_message_ids_are_ignored(cron_env: LocalCloud) -> None:
    pump = scheduler_pump(cron_env)
    jobs.call("j", {"op": "start", "period_seconds": 60, "job": JOB})
    periods(cron_env, pump, 2)
    stale = [(1, 1), (2, 1), (9, 1), (3, 0)]  # done ticks, a bogus one, another run's
    for n, gen in stale:
        redeliver(cron_env, "examples-cron", "j", f"replay-{n}-{gen}",
                  {"op": "tick", "n": n, "gen": gen})
    cron_env.run_until_idle()
    assert ticks() == 2 and runs.call("runs", {"op": "get"}) == 2
    periods(cron_env, pump)
    assert jobs.call("j", {"op": "status"})["history"] == [1, 2, 3]


def test_pause_stops_ticking_and_resume_voids_the_old_runs_timer(cron_env: LocalCloud) -> None:
    pump = scheduler_pump(cron_env)
    jobs.call("j", {"op": "start", "period_seconds": 60})
    jobs.call("j", {"op": "pause"})
    jobs.call("j", {"op": "resume"})
    assert len(pump.schedule_names()) == 2, "the paused run's timer is still scheduled"
    periods(cron_env, pump)
    assert ticks() == 1, "both timers fired; only the current run's ticked"
    jobs.call("j", {"op": "pause"})
    periods(cron_env, pump, 2)
    assert ticks() == 1 and pump.schedule_names() == [], "paused: nothing armed"
    assert jobs.call("j", {"op": "resume"})["running"]
    periods(cron_env, pump)
    assert ticks() == 2


def test_crash_after_the_tick_committed_neither_repeats_it_nor_arms_twice(
        cron_env: LocalCloud) -> None:
    crashed: list[bool] = []

    def crashes_once_after_commit(event: Any, context: Any) -> Any:
        response = cron.handler(event, context)
        if "Records" in event and not crashed:
            crashed.append(True)
            raise RuntimeError("invocation died after the turn committed")
        return response

    cron_env.register("examples-cron", crashes_once_after_commit)
    pump = scheduler_pump(cron_env)
    jobs.call("j", {"op": "start", "period_seconds": 60, "job": JOB})
    periods(cron_env, pump)
    assert crashed and ticks() == 1 and runs.call("runs", {"op": "get"}) == 1
    assert len(pump.schedule_names()) == 1, "the redelivered tick armed no second timer"


def test_start_is_idempotent(cron_env: LocalCloud) -> None:
    pump = scheduler_pump(cron_env)
    first = jobs.call("j", {"op": "start", "period_seconds": 60})
    assert jobs.call("j", {"op": "start", "period_seconds": 3600}) == first
    assert len(pump.schedule_names()) == 1


@pytest.mark.parametrize("payload, fault", [
    ({"op": "start", "period_seconds": 30}, "period_seconds must be a number >= 60"),
    ({"op": "start", "period_seconds": 60, "job": {"target": 1}}, "job must be"),
    ({"op": "pause"}, "was never started"),
    ({"op": "stop"}, "unknown cron op 'stop'")])
def test_bad_requests_are_typed_errors(cron_env: LocalCloud, payload: dict, fault: str) -> None:
    with pytest.raises(RemoteActorError) as err:
        jobs.call("j", payload)
    assert err.value.error_type == "InvalidRequestError" and fault in err.value.error_message


def test_next_due_keeps_the_period_and_skips_missed_ones() -> None:
    assert cron.next_due(None, 60, 1000) == 1060
    assert cron.next_due(1060, 60, 1075) == 1120, "a late tick does not shift the schedule"
    assert cron.next_due(1060, 60, 1200) == 1260, "periods missed while behind are skipped"
