"""An actor's ctx.set_timer end to end: schedule -> (time skipped) pump -> forwarder -> actor."""
from __future__ import annotations

from typing import Any

from durable_lambda import ActorClient, actor
from durable_lambda.actors.context import ActorContext
from durable_lambda.actors.store import ActorStore
from durable_lambda.core import aws
from durable_lambda.platform import router
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.scheduler_pump import ManualClock, SchedulerPump
from durable_lambda.testing.sqs_poller import SqsPoller

from .conftest import Peek


@actor
def alarm(ctx: ActorContext, payload: Any) -> Any:
    """``{"arm": seconds}`` sets a timer; the timer's ``{"ring": true}`` counts a ring."""
    if "arm" in payload:
        ctx.set_timer(payload["arm"], {"ring": True})
    if payload.get("ring"):
        ctx.state["rings"] = ctx.state.get("rings", 0) + 1
    return ctx.state.get("rings", 0)


def test_an_actor_timer_rings_once_after_the_skipped_delay(
        fabric: Fabric, peek: Peek, local_lambda: LocalLambda) -> None:
    local_lambda.register("alarm", alarm)
    poller = SqsPoller(fabric.queue, router.handler, endpoint_url=fabric.endpoint_url,
                       function_name="router")
    clock = ManualClock()
    pump = SchedulerPump(now=clock)
    ActorClient("alarm").send("kitchen", {"arm": 3600})
    poller.drain()
    assert len(peek.schedules()) == 1
    assert pump.advance(1800) == 0
    aws.call_counter.clear()
    assert pump.advance(1860) == 1  # margin: the schedule was set after the clock was read
    assert dict(aws.call_counter) == {"sqs.SendMessage": 1}, "the forwarder's only call"
    poller.drain()
    assert ActorStore(fabric.table).read("alarm#kitchen").state == {"rings": 1}
    assert peek.schedules() == [] and pump.fire_due() == 0
