#!/usr/bin/env python3
"""Benchmark durable executions on the local AWS (moto): AWS calls per operation, replay time.

Counts every AWS call (the user's bill: DynamoDB, SQS, Scheduler, Lambda invokes) for a step
checkpoint, a wait + resume, a callback round trip and a chained invoke, each measured end to
end through the router and the SQS poller, and times loading + replaying a 10,000-step
execution from the DynamoDB store. Timings on moto are indicative only. Bounded throughout.
The fabric cases run with the default retention (DURABLE_EXECUTION_RETENTION_DAYS=14): a
finished execution adds its ttl sweep (1 Query per MB + 1 BatchWriteItem per 25 items); the
10,000-step case measures that sweep on its own line.

    .venv/bin/python scripts/bench_workflows.py [--steps 10000]
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any, Callable

from durable_lambda.core import aws
from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.testing.local_cloud import LocalCloud
from durable_lambda.testing.scheduler_pump import SchedulerPump
from durable_lambda.workflows import DurableContext, MapConfig, durable_function
from durable_lambda.workflows.callbacks import complete_callback
from durable_lambda.workflows.client import start_execution
from durable_lambda.workflows.dynamodb import DynamoDBStore, encode_operation
from durable_lambda.workflows.dynamodb.items import header_key, op_key
from durable_lambda.workflows.hosting import LambdaHost
from durable_lambda.workflows.model import (
    ExecutionStatus,
    OperationAction,
    OperationType,
    OperationUpdate,
)
from durable_lambda.workflows.reducer import apply_update

CALLBACKS: dict[str, str] = {}


@durable_function(name="bench-steps")
def steps(event: Any, ctx: DurableContext) -> int:
    total = 0
    for i in range(int(event["n"])):
        total += ctx.step(lambda _, i=i: i, name=f"s{i}")
    return total


@durable_function(name="bench-wait")
def waiting(event: Any, ctx: DurableContext) -> str:
    ctx.wait(3, name="pause")
    return "woke"


@durable_function(name="bench-callback")
def callback(event: Any, ctx: DurableContext) -> Any:
    cb = ctx.create_callback(name="cb")
    CALLBACKS[ctx.execution_id] = cb.callback_id
    return cb.result()


@durable_function(name="bench-child")
def child(event: Any, ctx: DurableContext) -> int:
    return int(event["n"]) + 1


@durable_function(name="bench-parent")
def parent(event: Any, ctx: DurableContext) -> int:
    return int(ctx.invoke("bench-child", {"n": 1}, name="child"))


@durable_function(name="bench-map")
def mapping(event: Any, ctx: DurableContext) -> int:
    return ctx.map(list(range(int(event["n"]))),
                   lambda c, item, i, items: c.step(lambda _: item * 2, name="double"),
                   config=MapConfig(max_concurrency=10)).success_count


def official_mapping() -> Any:
    """The same handler on the official SDK (None when it is not installed)."""
    try:
        from aws_durable_execution_sdk_python import durable_execution as official
        from aws_durable_execution_sdk_python.config import MapConfig as OfficialMapConfig
    except ImportError:
        return None

    @official
    def handler(event: Any, ctx: Any) -> int:
        return ctx.map(list(range(int(event["n"]))),
                       lambda c, item, i, items: c.step(lambda _: item * 2, name="double"),
                       config=OfficialMapConfig(max_concurrency=10)).success_count
    return handler


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of the process, result): CPU time is steadier than wall
    time on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def map_scaling(sizes: list[int], with_official: bool = True) -> None:
    """Per-item cost of a map as it grows, ours and the official local runner's (which is
    slow: minutes at 10,000 items)."""
    official = official_mapping() if with_official else None
    print("\nmap, one step per item, max_concurrency 10 (local runners, in memory):")
    print(f"  {'items':>6}  {'ours wall':>10} {'ours CPU':>10}  {'official wall':>13} "
          f"{'official CPU':>12}   (microseconds per item)")
    for n in sizes:
        wall, cpu, out = timed(lambda n=n: DurableTestRunner(mapping).run({"n": n}))
        if out.result != n:
            raise RuntimeError(f"map of {n} items returned {out.result!r}")
        line = f"  {n:>6}  {wall * 1e6 / n:>10.0f} {cpu * 1e6 / n:>10.0f}"
        if official is not None:
            from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
            with DurableFunctionTestRunner(official) as runner:
                owall, ocpu, oout = timed(lambda n=n, runner=runner: runner.run(
                    json.dumps({"n": n}), execution_timeout=3600))
            line += f"  {owall * 1e6 / n:>13.0f} {ocpu * 1e6 / n:>12.0f}"
            if oout.result != str(n):
                line += f"  (official returned {oout.result!r})"
        print(line)


def map_transactions(store: DynamoDBStore, n: int = 100) -> list[tuple[str, str]]:
    """TransactWriteItems of an ``n``-item map on the DynamoDB store, items in each; and what
    batching by 25 updates (the former rule) would have taken."""
    sizes: list[int] = []
    real = store._transact

    def transact(fence: Any, items: list[Any]) -> None:
        sizes.append(1 + len(items))
        real(fence, items)
    store._transact = transact  # type: ignore[method-assign]
    updates: list[int] = []
    real_checkpoint = store.checkpoint

    def checkpoint(execution_id: str, holder: str, batch: Any) -> Any:
        updates.append(len(batch))
        return real_checkpoint(execution_id, holder, batch)
    store.checkpoint = checkpoint  # type: ignore[method-assign]
    record, _ = store.start_execution("bench-map", json.dumps({"n": n}))
    try:
        wall, _, out = timed(lambda: mapping.run(store, record.execution_id, "bench-map"))
    finally:
        del store._transact, store.checkpoint
    ops = 1 + 2 * n
    return [
        (f"{n}-item map: operations / updates", f"{ops} / {sum(updates)}"),
        ("TransactWriteItems (items in each, fence included)",
         f"{len(sizes)} ({', '.join(map(str, sizes))}), {wall:.1f}s, {out.status.value}"),
        ("former rule (25 updates per checkpoint)",
         f"{-(-sum(updates) // 25)} TransactWriteItems of <= 26 items"),
    ]


def run_until(cloud: LocalCloud, pump: SchedulerPump, done: Callable[[], bool],
              timeout: float = 60.0) -> None:
    """Play AWS's part (Scheduler, the router's event source mapping) until ``done()``.

    The probe ``done()`` and empty polls are not billed: they are the benchmark's, not the
    user's (an event source mapping long-polls)."""
    deadline = time.monotonic() + timeout
    while not unbilled(done):
        if time.monotonic() > deadline:
            raise RuntimeError("benchmark case did not finish in time")
        moved = pump.fire_due()
        before = Counter(aws.call_counter)
        polled = cloud.poller.poll_once()
        if not polled:
            _restore(before)
        cloud.functions.wait_background(0.05)
        if not moved + polled:
            time.sleep(0.05)


def unbilled(probe: Callable[[], Any]) -> Any:
    before = Counter(aws.call_counter)
    try:
        return probe()
    finally:
        _restore(before)


def _restore(counts: Counter[str]) -> None:
    aws.call_counter.clear()
    aws.call_counter.update(counts)


def counted(action: Callable[[], Any]) -> tuple[Counter[str], float]:
    aws.call_counter.clear()
    start = time.perf_counter()
    action()
    return Counter(aws.call_counter), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10_000, help="ops of the replay case")
    parser.add_argument("--only", choices=("map", "calls"), help="one section only")
    parser.add_argument("--map-sizes", default="250,1000,4000,10000",
                        help="items of the map cases (each at most 20,000)")
    parser.add_argument("--no-official", action="store_true",
                        help="skip the official SDK's runner in the map section")
    args = parser.parse_args()
    n_replay = max(100, min(args.steps, 20_000))
    if args.only != "calls":
        map_scaling([max(1, min(int(n), 20_000)) for n in args.map_sizes.split(",")],
                    with_official=not args.no_official)
    rows: list[tuple[str, int, Counter[str], float]] = []
    with LocalCloud.start() as cloud:
        store = DynamoDBStore()
        if args.only == "map":
            print("\nmap on the DynamoDB store (moto):")
            for label, value in map_transactions(store):
                print(f"  {label:52} {value}")
            return
        host = LambdaHost(store)
        for function in (steps, waiting, callback, child, parent):
            function.host = host
            cloud.register(function.name, function)
        pump = SchedulerPump()

        def finished(eid: str) -> Callable[[], bool]:
            return lambda: store.describe(eid).status is not ExecutionStatus.RUNNING

        record, _ = store.start_execution("bench-raw", None)
        store.acquire(record.execution_id, "bench", 600_000)
        calls, secs = counted(lambda: [store.checkpoint(record.execution_id, "bench", [
            OperationUpdate(id=f"s{i}", type=OperationType.STEP, action=OperationAction.SUCCEED,
                            payload=str(i))]) for i in range(50)])
        rows.append(("step checkpoint (store.checkpoint, 1 step)", 50, calls, secs))

        calls, secs = counted(lambda: cloud.functions.invoke(
            "bench-steps", {"input": {"n": 20}}))
        rows.append(("20-step workflow, direct invoke (per step)", 20, calls, secs))

        def wait_case() -> None:
            eid = start_execution("bench-wait", None)
            run_until(cloud, pump, finished(eid))
        calls, secs = counted(wait_case)
        rows.append(("start + wait(3s) via Scheduler + resume + finish", 1, calls, secs))

        eid = start_execution("bench-callback", None)
        run_until(cloud, pump, lambda: eid in CALLBACKS)
        calls, secs = counted(lambda: (complete_callback(CALLBACKS[eid], result='"ok"'),
                                       run_until(cloud, pump, finished(eid))))
        rows.append(("callback: complete_callback + resume + finish", 1, calls, secs))

        def invoke_case() -> None:
            pid = start_execution("bench-parent", None)
            run_until(cloud, pump, finished(pid))
        calls, secs = counted(invoke_case)
        rows.append(("start parent + invoke child + child resumes parent", 1, calls, secs))

        replay = replay_case(store, n_replay)
        transactions = [] if args.only == "calls" else map_transactions(store)
    print_table(rows)
    print(f"\n{n_replay}-step execution on the DynamoDB store (moto):")
    for label, value in replay:
        print(f"  {label:46} {value}")
    if transactions:
        print("\nmap on the DynamoDB store (moto):")
        for label, value in transactions:
            print(f"  {label:52} {value}")


def replay_case(store: DynamoDBStore, n: int) -> list[tuple[str, str]]:
    """Seed ``n`` finished steps, then time load (acquire) and a full engine replay.

    The history is seeded with BatchWriteItem in the store's item format: moto applies
    99-item transactions slowly (seconds each, growing with the table), which would time
    moto, not the store. One real 99-step checkpoint is timed for reference.
    """
    record, _ = store.start_execution("bench-steps", '{"n": %d}' % n)
    eid = record.execution_id
    store.acquire(eid, "writer", 600_000)
    now = store.now_ms()
    ops = [apply_update(None, OperationUpdate(
        id=_step_id(i), type=OperationType.STEP, action=OperationAction.SUCCEED, name=f"s{i}",
        sub_type="Step", payload=str(i)), now) for i in range(n)]
    tx_calls, tx_secs = counted(lambda: store.checkpoint(eid, "writer", [
        OperationUpdate(id=op.id, type=op.type, action=OperationAction.SUCCEED, name=op.name,
                        sub_type=op.sub_type, payload=op.result) for op in ops[:99]]))
    seed_secs = seed(store, eid, ops[99:], first_seq=99)
    store.release(eid, "writer")
    load_calls, load_secs = counted(lambda: DynamoDBStore().acquire(eid, "loader", 600_000))
    DynamoDBStore().release(eid, "loader")
    outcome: list[Any] = []
    run_calls, run_secs = counted(lambda: outcome.append(  # retention apart: measured below
        steps.run(DynamoDBStore(retention_days=0), eid, "replayer", lease_ms=600_000)))
    keeper = DynamoDBStore(retention_days=14)
    swept: list[int] = []
    sweep_calls, sweep_secs = counted(lambda: swept.append(keeper.expire_items(
        eid, "bench-steps", None, keeper.now_ms() // 1000 + 14 * 86_400)))
    return [
        ("one 99-step checkpoint (1 transaction)", f"{tx_secs:.2f}s, "
         f"{tx_calls['dynamodb.TransactWriteItems']} TransactWriteItems"),
        ("seed the rest (BatchWriteItem)", f"{seed_secs:.2f}s"),
        ("load (acquire: UpdateItem + paginated Query)", f"{load_secs:.2f}s, "
         f"{load_calls['dynamodb.Query']} Query pages"),
        ("load + replay all + finish (engine)", f"{run_secs:.2f}s, "
         f"{sum(run_calls.values())} calls, status {outcome[0].status.value}"),
        ("retention at finish (ttl on every item)", f"{sweep_secs:.2f}s, {swept[0]} items, "
         + ", ".join(f"{v} {k.split('.')[1]}" for k, v in sorted(sweep_calls.items()))),
    ]


def seed(store: DynamoDBStore, execution_id: str, ops: list[Any], first_seq: int) -> float:
    """Write operation items as the store does, 25 per BatchWriteItem; returns seconds."""
    ddb = aws.client("dynamodb")
    start = time.perf_counter()
    items = [{**op_key(execution_id, op.id), "seq": {"N": str(first_seq + i)},
              "status": {"S": op.status.value}, "data": {"S": encode_operation(op)}}
             for i, op in enumerate(ops)]
    for begin in range(0, len(items), 25):
        pending = {store.table: [{"PutRequest": {"Item": item}}
                                 for item in items[begin:begin + 25]]}
        for _ in range(10):  # bounded retries of unprocessed items
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
    ddb.update_item(TableName=store.table, Key=header_key(execution_id),
                    UpdateExpression="SET op_count = :n, settled_version = version",
                    ExpressionAttributeValues={":n": {"N": str(first_seq + len(ops))}})
    return time.perf_counter() - start


def _step_id(i: int) -> str:
    from durable_lambda.workflows.ids import operation_id
    return operation_id(i + 1)


def print_table(rows: list[tuple[str, int, Counter[str], float]]) -> None:
    header = (f"{'case':54} {'per':>4} {'DDB':>6} {'SQS':>6} {'Sched':>6} {'Lambda':>6}"
              "  calls per unit")
    print("\ndurable executions on moto: AWS calls per unit (SQS includes the poller)\n")
    print(header)
    print("-" * len(header))
    for label, per, calls, _ in rows:
        def service(prefix: str) -> float:
            return sum(v for k, v in calls.items() if k.startswith(prefix)) / per
        detail = ", ".join(f"{k} {v / per:.2f}" for k, v in sorted(calls.items()))
        print(f"{label:54} {per:4} {service('dynamodb.'):6.2f} {service('sqs.'):6.2f} "
              f"{service('scheduler.'):6.2f} {service('lambda.'):6.2f}  {detail}")


if __name__ == "__main__":
    main()
