#!/usr/bin/env python3
"""The local demo: deploy the fabric to a local AWS and run actors and a workflow end to end.

Starts a moto server on 127.0.0.1, creates the tables/queues/bus/schedule group, registers
the example functions as local Lambda functions, then:
  1. sync calls to a counter actor, 2. async sends coalesced through the router,
  3. a promise workflow resolved by an actor, 4. a durable workflow run to completion (its
  waits skipped on the scheduler clock), 5. the six actor examples' scenarios.
Prints what happened and the AWS calls it cost. Nothing reaches real AWS.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable_lambda import ActorClient, WorkflowService, actor  # noqa: E402
from durable_lambda.core import aws  # noqa: E402
from durable_lambda.testing.local_cloud import LocalCloud  # noqa: E402


@actor
def counter(ctx: Any, payload: Any) -> Any:
    """Counts; resolves a workflow when asked to report."""
    payload = payload or {}
    ctx.state["n"] = ctx.state.get("n", 0) + int(payload.get("by", 1))
    if "report_to" in payload:
        ctx.resolve(payload["report_to"], {"actor": ctx.actor_id, "n": ctx.state["n"]})
    return ctx.state["n"]


STARTED = time.monotonic()
STAGES = 6
_stage = 0


def section(title: str) -> None:
    """One line of progress per stage: its number and the time since the demo started."""
    global _stage
    _stage += 1
    print(f"\n== [{_stage}/{STAGES}] {title}  (t={time.monotonic() - STARTED:.1f} s)", flush=True)


def calls() -> str:
    text = ", ".join(f"{k} {v}" for k, v in sorted(aws.call_counter.items()))
    aws.call_counter.clear()
    return text or "none"


def main() -> int:
    section("local AWS (moto on 127.0.0.1) and the fabric")
    with LocalCloud.start() as cloud:
        print(f"local AWS (moto) at {cloud.aws.endpoint_url}")
        print(f"fabric: tables {cloud.fabric.table}, {cloud.fabric.locks_table}, "
              f"{cloud.fabric.workflow_table}; queue {cloud.fabric.queue.rsplit('/', 1)[-1]}")
        cloud.register("counter", counter)
        counters = ActorClient("counter")

        section("sync calls")
        aws.call_counter.clear()
        for by in (1, 2, 3):
            print(f"counter/alice += {by} -> {counters.call('alice', {'by': by})}")
        print(f"AWS calls: {calls()}")

        section("async sends (SQS FIFO -> router -> one coalesced turn)")
        for _ in range(10):
            counters.send("bob", {"by": 1})
        moved = cloud.run_until_idle()
        print(f"{moved} messages routed; counter/bob = {counters.call('bob', {'by': 0})}")
        print(f"AWS calls: {calls()}")

        section("promise workflow resolved by an actor")
        workflows = WorkflowService()
        workflow_id = workflows.create()
        counters.send("alice", {"by": 10, "report_to": workflow_id})
        cloud.run_until_idle()
        print(f"workflow {workflow_id[:8]}… resolved with {workflows.wait(workflow_id, 10)}")

        section("durable workflow (examples/workflows/order_pipeline.py)")
        run_durable_workflow(cloud)
        # the workflow's waits moved the scheduler clock hours ahead; the examples set their
        # timers on real time (a cron actor re-arms every minute): back to real time for them
        cloud.clock.current = time.time()

        section("the six actor examples (examples/actors)")
        from examples.actors.run import SCENARIOS, run_scenarios
        for name, result in run_scenarios(list(SCENARIOS), cloud).items():
            print(f"{name}: {json.dumps(result)[:160]}")
    print(f"\ndemo finished in {time.monotonic() - STARTED:.1f} s; next: "
          "`.venv/bin/durable-lambda local up` (docs/operating.md)")
    return 0


def run_durable_workflow(cloud: LocalCloud) -> None:
    """examples/workflows/order_pipeline.py on the fabric: start, approve by callback (through
    EventBridge -> signal forwarder), skip the waits (Scheduler -> timer forwarder), finish."""
    from durable_lambda.platform.signals import send_callback_result
    from durable_lambda.workflows.client import get_execution, start_execution
    from durable_lambda.workflows.dynamodb import DynamoDBStore
    from examples.workflows.order_pipeline import order_pipeline, payments

    cloud.register_durable(order_pipeline, payments)
    order = {"orderId": "A-1001", "customer": "ada",
             "lines": [{"sku": "apple", "qty": 3}, {"sku": "plum", "qty": 2}]}
    execution_id = start_execution(order_pipeline.name, order, name="order-A-1001")
    cloud.run_until_idle()
    store = DynamoDBStore()
    callback = next(op for op in store.get(execution_id).operations
                    if op.callback_id and op.status.value == "STARTED")
    print(f"execution {execution_id[:8]}… waits for approval (callback {callback.callback_id[:8]}…)")
    send_callback_result(callback.callback_id, result=json.dumps({"approved": True, "by": "grace"}))
    for _ in range(20):  # the waits: cooling-off, warehouse polls, settlement, pickup window
        info = get_execution(execution_id)
        if info.done:
            break
        cloud.advance(3600)
    info = get_execution(execution_id)
    print(f"status {info.status.value}: {json.dumps(info.result)}")
    operations = store.get(execution_id).operations
    print(f"{len(operations)} checkpointed operations, resumed through timers and a callback")


if __name__ == "__main__":
    raise SystemExit(main())
