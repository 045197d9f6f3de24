"""Benchmark: replaying an N-step durable workflow costs linear time (in-memory store).

For N in 1k, 2k, 5k, 10k: run a workflow of N steps followed by one wait (first invocation,
checkpoints everything and suspends), then time the resume invocation, which replays all N
recorded steps and finishes (best of 3). Prints a table with the per-step replay cost; a roughly
constant per-step cost means replay is linear. Not a test: `python scripts/bench_workflow_replay.py`.
"""
from __future__ import annotations

import json
import time

from durable_lambda.workflows import DurableFunction
from durable_lambda.workflows.outcome import OutcomeStatus
from durable_lambda.workflows.store import InMemoryStore

SIZES = (1_000, 2_000, 5_000, 10_000)
REPEATS = 3  # best of, to damp noise from other processes


def workflow(steps: int) -> DurableFunction:
    def handler(event, ctx):
        total = 0
        for i in range(steps):
            total += ctx.step(lambda _, i=i: i, name=f"s{i}")
        ctx.wait(1, name="end")
        return total
    return DurableFunction(handler, name=f"bench-{steps}")


def measure(steps: int) -> tuple[float, float]:
    clock = [0]
    store = InMemoryStore(clock=lambda: clock[0])
    fn = workflow(steps)
    record, _ = store.start_execution(fn.name, json.dumps(None))
    started = time.perf_counter()
    first = fn.run(store, record.execution_id, "first")
    first_s = time.perf_counter() - started
    assert first.status is OutcomeStatus.SUSPENDED
    clock[0] += 1000
    started = time.perf_counter()
    done = fn.run(store, record.execution_id, "replay")
    replay_s = time.perf_counter() - started
    assert done.status is OutcomeStatus.SUCCEEDED and json.loads(done.result) == sum(range(steps))
    return first_s, replay_s


def main() -> None:
    measure(200)  # warm up imports and caches
    print(f"{'steps':>7} {'first run s':>12} {'replay s':>10} {'replay us/step':>15}")
    for steps in SIZES:
        runs = [measure(steps) for _ in range(REPEATS)]
        first_s, replay_s = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"{steps:>7} {first_s:>12.3f} {replay_s:>10.3f} {replay_s / steps * 1e6:>15.1f}")


if __name__ == "__main__":
    main()
