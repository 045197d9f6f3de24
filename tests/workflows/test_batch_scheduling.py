"""map/parallel scheduling: bounded in flight, O(1) per finished branch, slots kept by suspended
branches, orphaned branches' checkpoints dropped, the completion queue."""
from __future__ import annotations

import concurrent.futures
import threading

import pytest

from durable_lambda.core.concurrency import CompletionPool
from durable_lambda.workflows import CompletionConfig, MapConfig, ParallelConfig
from durable_lambda.workflows.model import OperationStatus as S
from durable_lambda.workflows.outcome import OutcomeStatus
from durable_lambda.workflows.state import ExecutionState

from .helpers import Harness


def test_a_batch_never_rescans_pending_futures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Completion comes through one queue: ``concurrent.futures.wait`` over every pending future
    (quadratic in the number of items) is never called, and each finished branch is taken from
    the queue exactly once."""
    def forbidden(*args, **kwargs):
        raise AssertionError("concurrent.futures.wait rescans every pending future")
    monkeypatch.setattr(concurrent.futures, "wait", forbidden)
    taken = []
    real_next = CompletionPool.next
    monkeypatch.setattr(CompletionPool, "next", lambda self: taken.append(1) or real_next(self))

    def handler(e, ctx):
        return ctx.map(list(range(200)), lambda c, item, i, xs: item * 2,
                       config=MapConfig(max_concurrency=10)).success_count

    h = Harness(handler)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED and h.result() == 200
    assert len(taken) == 200


def test_at_most_max_concurrency_branches_are_admitted() -> None:
    lock = threading.Lock()
    running, peak, started = [0], [0], []

    def work(item):
        def run(_):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                started.append(item)
            threading.Event().wait(0.005)
            with lock:
                running[0] -= 1
            return item
        return run

    def handler(e, ctx):
        return ctx.map(list(range(30)), lambda c, item, i, xs: c.step(work(item), name="w"),
                       config=MapConfig(max_concurrency=3)).get_results()

    h = Harness(handler)
    h.invoke()
    assert h.result() == list(range(30)) and 1 <= peak[0] <= 3 and sorted(started) == list(range(30))


def test_a_suspended_branch_keeps_its_slot() -> None:
    """As the SDK: max_concurrency bounds branches in flight, and a waiting branch is in flight.
    With two slots both taken by waits, branch 2 does not start until one of them finishes."""
    def handler(e, ctx):
        res = ctx.parallel([
            lambda c: c.wait(10) or "a",
            lambda c: c.wait(20) or "b",
            lambda c: c.step(lambda _: "c", name="c"),
        ], name="p", config=ParallelConfig(max_concurrency=2))
        return res.get_results()

    h = Harness(handler)
    out = h.invoke()
    assert out.status is OutcomeStatus.SUSPENDED
    assert [t.due_ms for t in out.plan.timers] == [h.clock.ms + 10_000, h.clock.ms + 20_000]
    assert "parallel-branch-2" not in {op.name for op in h.ops()}  # its slot is still taken
    h.clock.advance(10)
    out = h.invoke()  # branch 0 finished: branch 2 takes its slot and runs
    assert out.status is OutcomeStatus.SUSPENDED and h.op("c").status is S.SUCCEEDED
    h.clock.advance(10)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED and h.result() == ["a", "b", "c"]


def test_branches_still_running_when_the_batch_completes_are_orphaned(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """first_successful with every branch in flight: the slow branch is reported STARTED and
    its later checkpoints are dropped (as the SDK refuses them), so the history does not show a
    branch finishing after the batch that abandoned it."""
    slow_started, orphaned = threading.Event(), threading.Event()
    real_orphan = ExecutionState.orphan_under

    def orphan_under(self, context_id):
        real_orphan(self, context_id)
        orphaned.set()  # the slow step may finish now: too late
    monkeypatch.setattr(ExecutionState, "orphan_under", orphan_under)

    def slow(c):
        return c.step(lambda _: slow_started.set() or orphaned.wait(10) and "slow", name="slow")

    def fast(c):
        return c.step(lambda _: slow_started.wait(10) and "fast", name="fast")

    def handler(e, ctx):
        res = ctx.parallel([slow, fast], name="p", config=ParallelConfig(
            completion_config=CompletionConfig.first_successful()))
        return [res.completion_reason.value, [i.status.value for i in res.all]]

    h = Harness(handler)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED
    assert h.result() == ["MIN_SUCCESSFUL_REACHED", ["STARTED", "SUCCEEDED"]]
    assert orphaned.is_set()
    assert h.op("parallel-branch-0").status is S.STARTED  # never recorded as finished
    assert h.op("slow").status is S.STARTED
    assert h.op("p").status is S.SUCCEEDED


def test_completion_pool_inline_and_threaded_return_results_and_errors() -> None:
    for workers in (1, 4):
        with CompletionPool[int](workers) as pool:
            for i in range(10):
                pool.submit(lambda i=i: i * i)
            assert sorted(pool.next() for _ in range(10)) == [i * i for i in range(10)]
            pool.submit(lambda: 1 / 0)
            with pytest.raises(ZeroDivisionError):
                pool.next()
            assert pool.drain() == []


def test_without_max_concurrency_every_branch_runs_at_once() -> None:
    barrier = threading.Barrier(5, timeout=10)  # passes only if all 5 run at the same time

    def handler(e, ctx):
        return ctx.map(list(range(5)), lambda c, item, i, xs: c.step(
            lambda _: barrier.wait() is not None and item, name="w")).get_results()

    h = Harness(handler)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED and h.result() == [0, 1, 2, 3, 4]


def test_a_completed_batch_drops_its_waiting_branches_from_the_plan() -> None:
    def handler(e, ctx):
        res = ctx.parallel([lambda c: c.wait(100) or "slow", lambda c: "fast"],
                           config=ParallelConfig(max_concurrency=1, completion_config=
                                                 CompletionConfig(min_successful=1)))
        return [res.get_results(), [i.status.value for i in res.all]]

    h = Harness(handler)
    out = h.invoke()  # branch 0 waits in its slot; one slot: the batch suspends
    assert out.status is OutcomeStatus.SUSPENDED and len(out.plan.timers) == 1
    h.clock.advance(100)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED
    assert h.result() == [["slow"], ["SUCCEEDED"]]  # done at 1 success: branch 1 never ran


def test_suspensions_of_all_branches_in_flight_are_merged() -> None:
    def handler(e, ctx):
        return ctx.map([1, 2, 3], lambda c, item, i, xs: c.wait(item) or item,
                       name="m").get_results()

    h = Harness(handler)
    out = h.invoke()
    assert out.status is OutcomeStatus.SUSPENDED
    assert sorted(t.due_ms - h.clock.ms for t in out.plan.timers) == [1000, 2000, 3000]
    h.clock.advance(3)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED and h.result() == [1, 2, 3]
