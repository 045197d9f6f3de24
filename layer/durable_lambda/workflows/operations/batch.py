"""``parallel`` and ``map``: branches as child contexts under one CONTEXT operation.

Branch ``i`` (0-based) gets operation id ``operation_id(i, batch_op_id)`` and name
``"parallel-branch-{i}"`` / ``"map-item-{i}"``, like the official SDK. Branches run in a thread
pool of ``max_concurrency`` workers (all branches at once when None; inline when 1). A branch
that suspends (wait, callback, retry, invoke...) frees its worker, like the SDK. The batch
completes per ``CompletionConfig``; branches not started by then are never started, running
ones are waited for and reported as STARTED. If it cannot complete yet, the batch suspends with
the merged plans of its suspended branches. Its ``BatchResult`` is checkpointed on its CONTEXT
operation, so replays return it without re-running branches.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.workflows.batch_result import (
    BatchItem, BatchItemStatus, BatchResult, BatchSerDes, CompletionReason)
from durable_lambda.workflows.config import CompletionConfig
from durable_lambda.workflows.errors import ValidationError
from durable_lambda.workflows.ids import operation_id
from durable_lambda.workflows.operations.child import run_child
from durable_lambda.workflows.operations.common import OpRef
from durable_lambda.workflows.serdes import SerDes
from durable_lambda.workflows.state import ExecutionState, error_object
from durable_lambda.workflows.suspend import SuspendExecution

Branch = Callable[[Any], Any]  # (child DurableContext) -> result


@dataclass
class _Counters:
    total: int
    config: CompletionConfig
    succeeded: int = 0
    failed: int = 0

    def reason(self) -> Optional[CompletionReason]:
        """Why the batch is complete now, or None if it must go on."""
        cfg = self.config
        if cfg.tolerated_failure_count is not None and self.failed > cfg.tolerated_failure_count:
            return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
        if cfg.tolerated_failure_percentage is not None and self.total and \
                self.failed * 100 / self.total > cfg.tolerated_failure_percentage:
            return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
        if self.succeeded + self.failed == self.total:
            return CompletionReason.ALL_COMPLETED
        if cfg.min_successful is not None and self.succeeded >= cfg.min_successful:
            return CompletionReason.MIN_SUCCESSFUL_REACHED
        return None


@dataclass(frozen=True)
class _Outcome:
    index: int
    item: Optional[BatchItem] = None  # finished (SUCCEEDED / FAILED)
    suspended: Optional[SuspendExecution] = None
    fatal: Optional[BaseException] = None  # checkpoint failure etc.: ends the invocation


def run_batch(state: ExecutionState, ref: OpRef, sub_type: str, branch_sub_type: str,
              name_prefix: str, branches: Sequence[Branch], make_context: Callable[[str], Any],
              max_concurrency: Optional[int], completion: CompletionConfig,
              item_serdes: SerDes | None) -> BatchResult:
    if max_concurrency is not None and max_concurrency < 1:
        raise ValidationError(f"max_concurrency must be >= 1, got {max_concurrency}")
    if completion.min_successful is not None and completion.min_successful < 0:
        raise ValidationError(f"min_successful must be >= 0, got {completion.min_successful}")
    stop = threading.Event()

    def run_branch(index: int) -> _Outcome:
        if stop.is_set():
            return _Outcome(index)
        branch_id = operation_id(index, ref.id)
        child = make_context(branch_id)
        try:
            result = run_child(state, OpRef(branch_id, ref.id, f"{name_prefix}{index}"),
                               branch_sub_type, lambda: branches[index](child), item_serdes)
        except SuspendExecution as suspension:
            return _Outcome(index, suspended=suspension)
        except Exception as exc:  # noqa: BLE001 - a failed branch is a batch item
            return _Outcome(index, BatchItem(index, BatchItemStatus.FAILED, error=error_object(exc)))
        except BaseException as exc:  # noqa: BLE001 - re-raised by the batch thread
            return _Outcome(index, fatal=exc)
        return _Outcome(index, BatchItem(index, BatchItemStatus.SUCCEEDED, result))

    def body() -> BatchResult:
        counters = _Counters(len(branches), completion)
        items = [BatchItem(i, BatchItemStatus.STARTED) for i in range(len(branches))]
        suspensions: list[SuspendExecution] = []
        reason = counters.reason()
        for outcome in _execute(run_branch, len(branches), max_concurrency, stop):
            if outcome.fatal is not None:
                stop.set()
                raise outcome.fatal
            if reason is not None:
                continue  # completed already: late finishers stay STARTED
            if outcome.suspended is not None:
                suspensions.append(outcome.suspended)
            elif outcome.item is not None:
                items[outcome.index] = outcome.item
                if outcome.item.status is BatchItemStatus.SUCCEEDED:
                    counters.succeeded += 1
                else:
                    counters.failed += 1
                reason = counters.reason()
                if reason is not None:
                    stop.set()
        if reason is None:
            raise SuspendExecution.merge(f"{sub_type} {ref.id}: branches pending", suspensions)
        return BatchResult(items, reason)

    return run_child(state, ref, sub_type, body, BatchSerDes(item_serdes))


def _execute(run_branch: Callable[[int], _Outcome], count: int, max_concurrency: Optional[int],
             stop: threading.Event):
    """Yield branch outcomes as they finish (inline when one worker suffices)."""
    workers = min(max_concurrency or count, count)
    if workers <= 1:
        for index in range(count):
            yield run_branch(index)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="durable-branch") as pool:
        pending: set[Future[_Outcome]] = {pool.submit(run_branch, i) for i in range(count)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            finished = [f.result() for f in done if not f.cancelled()]
            for outcome in sorted(finished, key=lambda o: o.index):
                yield outcome
            if stop.is_set():  # never start the rest; running branches are waited for
                pending = {f for f in pending if not f.cancel()}
