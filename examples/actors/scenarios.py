"""One scenario per actor example, run on a local cloud: ``run_<name>_scenario(env) -> dict``.

Each registers its example's functions on ``env`` (a ``LocalCloud``), drives it through the
public API, and returns what happened (the demo prints it; tests check it). Ids are unique
per run, so every scenario can run on a shared fabric, in any order, more than once.
"""
from __future__ import annotations

from typing import Any

from durable_lambda import ActorClient, WorkflowService
from durable_lambda.platform import timer_forwarder as timer_forwarder
from durable_lambda.testing.local_cloud import LocalCloud

from . import circuit_breaker, counter, cron, leaderboard, order_saga, rate_limiter
from .harness import (
    SCHEDULER_SLACK_SECONDS,
    concurrently,
    manual_clock,
    scenario,
    scheduler_pump,
    stored,
    unique,
)


@scenario("counter")
def run_counter_scenario(env: LocalCloud) -> dict[str, Any]:
    """Sync adds, then ten async adds (one retried) coalesced by the router."""
    env.register("examples-counter", counter.handler)
    counters, actor_id = ActorClient("examples-counter"), unique("page-views")
    sync = [counters.call(actor_id, {"op": "add", "by": by}) for by in (1, 2, 3)]
    for i in range(10):
        counters.send(actor_id, {"op": "add", "by": 1}, message_id=f"{actor_id}:evt-{i}")
    counters.send(actor_id, {"op": "add", "by": 1}, message_id=f"{actor_id}:evt-0")  # a retry
    routed = env.run_until_idle()
    return {"actor": actor_id, "sync_results": sync, "async_sends": 11,
            "messages_routed": routed, "value": counters.call(actor_id, {"op": "get"}),
            "state_writes": stored(env, "counter", actor_id).version}


@scenario("rate_limiter")
def run_rate_limiter_scenario(env: LocalCloud) -> dict[str, Any]:
    """A burst of 15 concurrent calls against a bucket of 10, then 3 s later 4 more."""
    env.register("examples-rate-limiter", rate_limiter.handler)
    limits, key = ActorClient("examples-rate-limiter"), unique("api-key")
    with manual_clock(rate_limiter) as clock:
        burst = concurrently(lambda _: limits.call(key, {"cost": 1}),
                             range(15), workers=15)
        clock.advance(3)
        later = [limits.call(key, {"cost": 1}) for _ in range(4)]
    denied = [d for d in burst if not d["allowed"]]
    return {"key": key, "capacity": rate_limiter.RateLimitSettings().capacity,
            "burst": {"calls": len(burst), "allowed": len(burst) - len(denied),
                      "denied": len(denied),
                      "retry_after": min((d["retry_after"] for d in denied), default=0)},
            "after_3s": [d["allowed"] for d in later]}


@scenario("leaderboard")
def run_leaderboard_scenario(env: LocalCloud) -> dict[str, Any]:
    """Twenty async submissions (five retried by their clients), then a sync top 3."""
    env.register("examples-leaderboard", leaderboard.handler)
    board, season = ActorClient("examples-leaderboard"), unique("season")
    players = ["ann", "bob", "cy", "dee"]
    submissions = [(f"match-{i}:{players[i % 4]}", players[i % 4], 10 + i) for i in range(20)]
    for submission_id, player, points in submissions + submissions[:5]:
        board.send(season, {"op": "score", "player": player, "points": points},
                   message_id=f"{season}:{submission_id}")
    env.run_until_idle()
    return {"board": season, "submissions": len(submissions), "sends": len(submissions) + 5,
            "top": board.call(season, {"op": "top", "limit": 3}),
            "state_writes": stored(env, "leaderboard", season).version}


def register_order_saga(env: LocalCloud) -> None:
    """The saga's four functions under their default names."""
    for step in order_saga.STEPS:
        env.register(order_saga.participant(step), {
            "reserve": order_saga.inventory_handler, "charge": order_saga.payment_handler,
            "ship": order_saga.shipping_handler}[step])
    env.register("examples-orders", order_saga.order_handler)


def place_order(order_id: str, **order: Any) -> str:
    """What a caller does: create the promise workflow, send the order; returns its id."""
    workflow_id = WorkflowService().create(f"order-{order_id}")
    ActorClient("examples-orders").send(order_id, {"op": "place", "workflow_id": workflow_id,
                                                   **order})
    return workflow_id


@scenario("order_saga")
def run_order_saga_scenario(env: LocalCloud) -> dict[str, Any]:
    """Three orders: one completes, one is declined (stock released), one cannot ship
    (payment refunded, stock released)."""
    register_order_saga(env)
    sku, ann, bob = unique("sku"), unique("ann"), unique("bob")
    ActorClient("examples-inventory").call(sku, {"op": "restock", "qty": 6})
    wallets = ActorClient("examples-payments")
    wallets.call(ann, {"op": "deposit", "amount": 100})
    wallets.call(bob, {"op": "deposit", "amount": 10})
    orders = {"completes": dict(customer=ann, country="DE", amount=40),
              "declined": dict(customer=bob, country="DE", amount=40),
              "unshippable": dict(customer=ann, country="XX", amount=30)}
    workflows = {name: place_order(unique(name), sku=sku, qty=2, **order)
                 for name, order in orders.items()}
    env.run_until_idle()
    service = WorkflowService()
    return {"outcomes": {name: service.wait(wid, timeout_seconds=10)
                         for name, wid in workflows.items()},
            "stock": ActorClient("examples-inventory").call(sku, {"op": "get"}),
            "wallets": {ann: wallets.call(ann, {"op": "get"}),
                        bob: wallets.call(bob, {"op": "get"})}}


@scenario("circuit_breaker")
def run_circuit_breaker_scenario(env: LocalCloud) -> dict[str, Any]:
    """Failures open the breaker; after the cool-down one of ten callers probes; it closes."""
    env.register("examples-circuit-breaker", circuit_breaker.handler)
    breaker, downstream = ActorClient("examples-circuit-breaker"), unique("payments-api")
    cfg = circuit_breaker.BreakerSettings()
    steps: list[dict[str, Any]] = []
    with manual_clock(circuit_breaker) as clock:
        for _ in range(cfg.failure_threshold):
            steps.append({"failure": breaker.call(downstream, {"op": "record", "ok": False})})
        steps.append({"allow": breaker.call(downstream, {"op": "allow"})})
        clock.advance(cfg.cooldown_seconds)
        probes = concurrently(
            lambda _: breaker.call(downstream, {"op": "allow"}), range(10),
            workers=10)
        steps.append({"10 callers after cool-down": {
            "allowed": sum(p["allowed"] for p in probes),
            "denied": sum(not p["allowed"] for p in probes)}})
        breaker.send(downstream, {"op": "record", "ok": True})
        env.run_until_idle()
        steps.append({"probe succeeded": breaker.call(downstream, {"op": "get"})})
    return {"downstream": downstream, "steps": steps}


@scenario("cron")
def run_cron_scenario(env: LocalCloud) -> dict[str, Any]:
    """A job adding 1 to a counter every minute; Scheduler fires every timer twice; three
    periods, a pause over one period, a resume, two more periods. (Time is skipped ahead
    about six minutes: other timers of the fabric due by then fire too.)"""
    env.register("examples-cron", cron.handler)
    env.register("examples-counter", counter.handler)
    jobs, job_id, runs = ActorClient("examples-cron"), unique("nightly"), unique("cron-runs")
    fires: list[str] = []

    def fire_twice(event: Any, context: Any) -> Any:  # Scheduler delivers at least once
        for _ in range(2):
            fires.append(timer_forwarder.handler(event, context)["queued"])

    pump = scheduler_pump(env, handler=fire_twice)

    def periods(count: int) -> None:  # skip time ahead: Scheduler fires within the minute
        for _ in range(count):
            pump.advance(cron.MIN_PERIOD_SECONDS + SCHEDULER_SLACK_SECONDS)
            env.run_until_idle()

    jobs.call(job_id, {"op": "start", "period_seconds": 60, "job": {
        "target": "examples-counter", "actorId": runs, "payload": {"op": "add", "by": 1}}})
    periods(3)
    jobs.call(job_id, {"op": "pause"})
    periods(1)
    jobs.call(job_id, {"op": "resume"})
    periods(2)
    status = jobs.call(job_id, {"op": "status"})
    return {"job": job_id, "periods_running": 5, "timer_fires": len(fires),
            "ticks": status["ticks"], "history": status["history"],
            "job_runs": ActorClient("examples-counter").call(runs, {"op": "get"})}
