"""Sync callers queueing on one busy actor wait on the lease's own information, not by spinning.

A busy actor costs a waiter one call to join the line (it draws a ticket) and, mostly, one
conditional attempt when its turn comes: the floor is 3 calls per turn (join, take, save).
A waiter's failed attempt returns the item (ReturnValuesOnConditionCheckFailure), which tells
its place in line and how long a turn takes; it sleeps until its turn instead of retrying a
billed conditional write every few milliseconds. Counted in calls, never timed: the handler
does slow work (like a real one calling a service) so that a turn is long against the local
AWS's own latency.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from durable_lambda import ActorClient, actor
from durable_lambda.core import aws

from .conftest import World

CALLERS, CALLS_EACH = 8, 2


@actor(actor_type="slow")
def slow(ctx: Any, payload: Any) -> int:
    time.sleep(0.15)  # the handler's own work: calls another service
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    return int(ctx.state["n"])


def test_eight_callers_on_one_busy_actor_cost_about_three_calls_per_turn(world: World) -> None:
    world.functions.register("slow", slow)
    client = ActorClient("slow")
    client.call("busy")
    aws.call_counter.clear()
    with ThreadPoolExecutor(CALLERS) as pool:
        results = list(pool.map(lambda i: client.call("busy"), range(CALLERS * CALLS_EACH)))
    turns = CALLERS * CALLS_EACH
    assert sorted(results) == list(range(2, turns + 2)), "every turn applied once, in some order"
    ddb = sum(v for k, v in aws.call_counter.items() if k.startswith("dynamodb."))
    assert ddb / turns <= 4.0, f"{ddb / turns:.2f} DynamoDB calls per turn: {dict(aws.call_counter)}"
