"""parallel and map: branches, completion policies, max concurrency, replay of the result."""
from __future__ import annotations

import threading

import pytest

from durable_lambda.workflows import (
    BatchFailedError, BatchItemStatus, CompletionConfig, CompletionReason, MapConfig,
    ParallelConfig, RetryPresets, StepConfig)
from durable_lambda.workflows.model import OperationStatus as S
from durable_lambda.workflows.outcome import OutcomeStatus

from .helpers import Harness


def fail(message: str):
    def run(_):
        raise RuntimeError(message)
    return run


NO_RETRY = StepConfig(RetryPresets.none())


def test_parallel_results_in_branch_order_and_replay_returns_stored_result() -> None:
    runs = []

    def handler(e, ctx):
        res = ctx.parallel([
            lambda c: runs.append("a") or c.step(lambda _: "A", name="a"),
            lambda c: runs.append("b") or c.step(lambda _: "B", name="b"),
        ], name="both")
        ctx.wait(1)
        return res.get_results()

    h = Harness(handler)
    h.invoke()
    h.clock.advance(1)
    assert h.invoke().result == '["A","B"]'
    assert runs == ["a", "b"]  # branches not re-run: the batch result was checkpointed
    assert [h.op(f"parallel-branch-{i}").sub_type for i in (0, 1)] == ["ParallelBranch"] * 2
    assert h.op("both").sub_type == "Parallel"


def test_parallel_default_all_successful_stops_at_first_failure() -> None:
    ran = []

    def handler(e, ctx):
        res = ctx.parallel([
            lambda c: c.step(fail("x"), name="bad", config=NO_RETRY),
            lambda c: ran.append(1),
        ], config=ParallelConfig(max_concurrency=1))  # one at a time: deterministic order
        return [res.completion_reason.value, res.status, res.failure_count, res.started_count]

    h = Harness(handler)
    assert h.invoke().result == '["FAILURE_TOLERANCE_EXCEEDED","FAILED",1,1]'
    assert ran == []


def test_throw_if_error() -> None:
    def handler(e, ctx):
        ctx.parallel([lambda c: c.step(fail("card declined"), name="pay", config=NO_RETRY)]
                     ).throw_if_error()

    out = Harness(handler).invoke()
    assert out.status is OutcomeStatus.FAILED and out.error.error_type == "BatchFailedError"
    assert "card declined" in out.error.error_message
    assert issubclass(BatchFailedError, Exception)


def test_map_default_completes_all_and_tolerates_failures() -> None:
    def handler(e, ctx):
        res = ctx.map([1, 2, 3], lambda c, item, i, items: c.step(
            fail("odd") if item % 2 else (lambda _: item * 10), name="work", config=NO_RETRY))
        return [res.completion_reason.value, res.get_results(),
                [err.error_type for err in res.get_errors()]]

    assert Harness(handler).invoke().result == \
        '["ALL_COMPLETED",[20],["RuntimeError","RuntimeError"]]'


def test_first_successful_stops_early() -> None:
    started = []

    def handler(e, ctx):
        res = ctx.map(["a", "b", "c"], lambda c, item, i, items: started.append(item) or item,
                      config=MapConfig(max_concurrency=1,
                                       completion_config=CompletionConfig.first_successful()))
        return [res.completion_reason.value, res.get_results(),
                [i.status.value for i in res.all]]

    assert Harness(handler).invoke().result == \
        '["MIN_SUCCESSFUL_REACHED",["a"],["SUCCEEDED","STARTED","STARTED"]]'
    assert started == ["a"]


@pytest.mark.parametrize("config,reason", [
    (CompletionConfig(tolerated_failure_count=1), "FAILURE_TOLERANCE_EXCEEDED"),
    (CompletionConfig(tolerated_failure_count=2), "ALL_COMPLETED"),
    (CompletionConfig(tolerated_failure_percentage=40), "FAILURE_TOLERANCE_EXCEEDED"),
    (CompletionConfig(tolerated_failure_percentage=50), "ALL_COMPLETED"),
])
def test_failure_tolerance(config: CompletionConfig, reason: str) -> None:
    def handler(e, ctx):
        res = ctx.map([0, 1, 1, 0], lambda c, item, i, items: c.step(
            fail("no") if item else (lambda _: i), name="w", config=NO_RETRY),
            config=MapConfig(max_concurrency=1, completion_config=config))
        return res.completion_reason.value

    assert Harness(handler).invoke().result == f'"{reason}"'


def test_suspended_branch_lets_other_branches_run_then_resumes() -> None:
    def handler(e, ctx):
        res = ctx.parallel([
            lambda c: c.wait(30) or "slow",
            lambda c: c.step(lambda _: "fast", name="fast"),
        ], config=ParallelConfig(completion_config=CompletionConfig.all_completed()))
        return res.get_results()

    h = Harness(handler)
    out = h.invoke()
    assert out.status is OutcomeStatus.SUSPENDED and len(out.plan.timers) == 1
    assert h.op("fast").status is S.SUCCEEDED  # ran while branch 0 waits
    h.clock.advance(30)
    assert h.invoke().result == '["slow","fast"]'


def test_branches_run_concurrently_up_to_max_concurrency() -> None:
    lock = threading.Lock()
    running, peak = [0], [0]
    barrier = threading.Barrier(5, timeout=10)

    def work(item, meet: bool):
        def run(_):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            if meet:
                barrier.wait()  # only passes if all 5 branches run at the same time
            threading.Event().wait(0.02)
            with lock:
                running[0] -= 1
            return item
        return run

    def handler(e, ctx):
        limited = ctx.map(list(range(6)), lambda c, item, i, xs: c.step(work(item, False), name="w"),
                          name="limited", config=MapConfig(max_concurrency=2))
        limited_peak, peak[0] = peak[0], 0
        free = ctx.map(list(range(5)), lambda c, item, i, xs: c.step(work(item, True), name="w"),
                       name="free")
        return [limited.get_results(), free.get_results(), limited_peak <= 2, peak[0]]

    assert Harness(handler).invoke().result == "[[0,1,2,3,4,5],[0,1,2,3,4],true,5]"


def test_max_concurrency_is_never_exceeded() -> None:
    lock = threading.Lock()
    running, peak = [0], [0]

    def branch(c, item, i, items):
        def run(_):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            threading.Event().wait(0.01)
            with lock:
                running[0] -= 1
            return item
        return c.step(run, name="w")

    h = Harness(lambda e, ctx: ctx.map(list(range(8)), branch,
                                       config=MapConfig(max_concurrency=3)).get_results())
    assert h.invoke().result == "[0,1,2,3,4,5,6,7]"
    assert 1 <= peak[0] <= 3


def test_suspended_branches_free_their_slot_and_resume_together() -> None:
    started = []

    def branch(c, item, i, items):
        started.append(item)
        c.wait(10)
        return item

    h = Harness(lambda e, ctx: ctx.map([1, 2, 3, 4, 5], branch, name="m",
                                       config=MapConfig(max_concurrency=2)).get_results())
    out = h.invoke()
    assert out.status is OutcomeStatus.SUSPENDED
    assert sorted(started) == [1, 2, 3, 4, 5] and len(out.plan.timers) == 5
    h.clock.advance(10)
    assert h.invoke().result == "[1,2,3,4,5]"


def test_first_successful_drops_waiting_branches_from_the_plan() -> None:
    def handler(e, ctx):
        res = ctx.parallel([lambda c: c.wait(100) or "slow", lambda c: "fast"],
                           config=ParallelConfig(completion_config=CompletionConfig.first_successful()))
        return res.get_results()

    out = Harness(handler).invoke()
    assert out.status is OutcomeStatus.SUCCEEDED and out.result == '["fast"]'
    assert out.plan.timers == ()


def test_batch_item_status_enum_is_exported() -> None:
    assert BatchItemStatus("STARTED") is BatchItemStatus.STARTED
    assert CompletionReason.ALL_COMPLETED.value == "ALL_COMPLETED"
