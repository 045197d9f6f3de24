#!/usr/bin/env python3
"""Benchmark actors on the local AWS (moto): API calls per operation and turns per second.

Counts every AWS call (the user's bill) for: a sync turn, an async message to distinct actors
(no coalescing), async messages to one actor (coalesced, batch size 10), and sync turns on ONE
actor with 1, 8 and 32 concurrent callers (contention: what waiting for the lease costs). Throughput on
moto is indicative only — DynamoDB and Lambda latencies differ in AWS. Bounded: N per case.

    .venv/bin/python scripts/bench_actors.py [--n 200]
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from durable_lambda import ActorClient, actor
from durable_lambda.core import aws
from durable_lambda.core.errors import RemoteActorError
from durable_lambda.platform import router
from durable_lambda.testing.fabric import deploy_fabric
from durable_lambda.testing.local_aws import configure_environment, start_local_aws
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.sqs_poller import SqsPoller


@actor
def counter(ctx: Any, payload: Any) -> int:
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    return int(ctx.state["n"])


def measure(label: str, per: int, action: Callable[[], Any]) -> dict[str, Any]:
    """Run ``action`` once; an int it returns is the number of ops done (else ``per``)."""
    aws.call_counter.clear()
    start = time.perf_counter()
    done = action()
    seconds = time.perf_counter() - start
    calls: Counter[str] = Counter(aws.call_counter)
    ops = done if isinstance(done, int) and not isinstance(done, bool) else per
    return {"case": label, "ops": max(ops, 1), "seconds": seconds, "calls": calls,
            "failed": per - ops}


def contend(client: ActorClient, actor_id: str, callers: int, n: int) -> int:
    """``n`` sync calls on one actor from ``callers`` threads (closed loop, bounded); returns
    how many turns committed (a call may fail with ActorBusyError after its bounded wait)."""
    def one(_: int) -> Any:
        try:
            return client.call(actor_id)
        except RemoteActorError as exc:
            if exc.error_type != "ActorBusyError":
                raise
            return None

    with ThreadPoolExecutor(callers) as pool:
        results = [r for r in pool.map(one, range(n)) if r is not None]
    if sorted(results) != list(range(1, len(results) + 1)):
        raise AssertionError(f"contended counter lost or doubled a turn: {sorted(results)[-3:]}")
    return len(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="operations per case (max 2000)")
    parser.add_argument("--threads", type=int, default=8, help="concurrent sync callers")
    args = parser.parse_args()
    n = max(10, min(args.n, 2000))
    server = start_local_aws()
    try:
        configure_environment(server.endpoint_url)
        fabric = deploy_fabric(server.endpoint_url)
        fabric.activate()
        functions = LocalLambda().install()
        functions.register("counter", counter)
        client = ActorClient("counter")
        poller = SqsPoller(fabric.queue, router.handler, endpoint_url=server.endpoint_url)
        rows = [
            measure("sync turn (1 caller)", n,
                    lambda: [client.call(f"s{i % 10}") for i in range(n)]),
            measure(f"sync turn ({args.threads} callers, distinct actors)", n,
                    lambda: list(ThreadPoolExecutor(args.threads).map(
                        lambda i: client.call(f"t{i}"), range(n)))),
            measure("async message, distinct actors (send + route + turn)", n,
                    lambda: ([client.send(f"a{i}") for i in range(n)], poller.drain())),
            measure("async message, one actor (coalesced by 10)", n,
                    lambda: ([client.send("hot") for _ in range(n)], poller.drain())),
            *[measure(f"sync turn, ONE actor, {callers} concurrent callers", n,
                      lambda callers=callers: contend(client, f"one{callers}", callers, n))
              for callers in (1, 8, 32)],
        ]
    finally:
        server.stop()
    print(f"\nactors on moto, n={n} per case\n")
    header = f"{'case':58} {'ops/s':>8} {'DDB/op':>7} {'SQS/op':>7}  calls per op"
    print(header)
    print("-" * len(header))
    for row in rows:
        calls: Counter[str] = row["calls"]
        ddb = sum(v for k, v in calls.items() if k.startswith("dynamodb."))
        sqs = sum(v for k, v in calls.items() if k.startswith("sqs."))
        detail = ", ".join(f"{k} {v / row['ops']:.2f}" for k, v in sorted(calls.items()))
        print(f"{row['case']:58} {row['ops'] / row['seconds']:8.1f} {ddb / row['ops']:7.2f} "
              f"{sqs / row['ops']:7.2f}  {detail}"
              + (f"  ({row['failed']} calls ActorBusy)" if row["failed"] else ""))


if __name__ == "__main__":
    main()
