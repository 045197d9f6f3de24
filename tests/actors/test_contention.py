"""Sync callers queueing on one busy actor wait on the lease's own information, not by spinning.

A busy actor costs a waiter one call to join the line (it draws a ticket) and, mostly, one
conditional attempt when its turn comes: the floor is 3 calls per turn (join, take, save).
A waiter's failed attempt returns the item (ReturnValuesOnConditionCheckFailure), which tells
its place in line and how long a turn takes; it sleeps until its turn instead of retrying a
billed conditional write every few milliseconds. Counted in calls, never timed.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from durable_lambda.core import aws

from .conftest import World

CALLERS, CALLS_EACH = 8, 6


def test_eight_callers_on_one_actor_cost_few_dynamodb_calls_per_turn(world: World) -> None:
    world.client.call("busy", {"by": 0})
    aws.call_counter.clear()
    with ThreadPoolExecutor(CALLERS) as pool:
        results = list(pool.map(lambda i: world.client.call("busy", {"by": 1}),
                                range(CALLERS * CALLS_EACH)))
    turns = CALLERS * CALLS_EACH
    assert sorted(results) == list(range(1, turns + 1)), "every turn applied once, in some order"
    ddb = sum(v for k, v in aws.call_counter.items() if k.startswith("dynamodb."))
    assert ddb / turns <= 3.5, f"{ddb / turns:.2f} DynamoDB calls per turn: {dict(aws.call_counter)}"
