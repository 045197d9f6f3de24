"""The one harness every actor example runs on locally.

``local_cloud()`` starts a moto server on 127.0.0.1, deploys the fabric and installs local
Lambda with the router on the work queue (``durable_lambda.testing.local_cloud.LocalCloud``);
the helpers below are what the scenarios share: a manual clock, a scheduler pump,
concurrent callers, unique ids, and reading an actor's stored record.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Optional, TypeVar

from durable_lambda.actors.store import ActorRecord, ActorStore
from durable_lambda.testing.local_aws import LocalAws
from durable_lambda.testing.local_cloud import LocalCloud
from durable_lambda.testing.scheduler_pump import ManualClock, SchedulerPump

T = TypeVar("T")
R = TypeVar("R")
Scenario = Callable[[LocalCloud], dict[str, Any]]
#: how much longer than a timer's delay to skip ahead before it is surely due
SCHEDULER_SLACK_SECONDS = 2
#: name -> scenario, filled by ``@scenario``
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    """Register a ``run_<name>_scenario(env) -> dict`` function under ``name``."""
    def register(fn: Scenario) -> Scenario:
        SCENARIOS[name] = fn
        return fn
    return register


@contextmanager
def local_cloud(server: Optional[LocalAws] = None) -> Iterator[LocalCloud]:
    """A local AWS with the fabric deployed and the router wired to the work queue."""
    with LocalCloud.start(server=server) as env:
        yield env


@contextmanager
def manual_clock(*modules: ModuleType) -> Iterator[ManualClock]:
    """Make each example module's ``clock`` one ManualClock (starting now) for the duration."""
    clock = ManualClock()
    saved = [module.clock for module in modules]
    for module in modules:
        module.clock = clock  # type: ignore[attr-defined]
    try:
        yield clock
    finally:
        for module, original in zip(modules, saved):
            module.clock = original  # type: ignore[attr-defined]


def scheduler_pump(env: LocalCloud,
                   handler: Optional[Callable[[Any, Any], Any]] = None) -> SchedulerPump:
    """The local EventBridge Scheduler on a manual clock starting now: ``pump.advance(s)``
    skips ``s`` seconds ahead and fires the timers due by then through the timer forwarder
    (or ``handler``). Timers are set on real time, so advance a little more than a delay
    (``SCHEDULER_SLACK_SECONDS``: fire times are rounded up to the second)."""
    extra = {"handler": handler} if handler else {}
    return SchedulerPump(now=ManualClock(), endpoint_url=env.fabric.endpoint_url, **extra)


def concurrently(fn: Callable[[T], R], items: Iterable[T], workers: int = 30) -> list[R]:
    """``[fn(i) for i in items]`` with up to ``workers`` callers at once (results in order)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def unique(name: str) -> str:
    """``name`` with a short random suffix, so a scenario can run twice on one fabric."""
    return f"{name}-{uuid.uuid4().hex[:6]}"


def stored(env: LocalCloud, actor_type: str, actor_id: str) -> ActorRecord:
    """The actor's item as stored in the state table (state, version, processed ids)."""
    return ActorStore(env.fabric.table).read(f"{actor_type}#{actor_id}")
