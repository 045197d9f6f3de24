"""``parallel`` and ``map``: branches under one CONTEXT operation, scheduled as the SDK does.

Operations: the batch is a CONTEXT operation (sub type ``Map`` / ``Parallel``); branch ``i``
(0-based) has id ``operation_id(i, batch_id)``, name ``"map-item-{i}"`` /
``"parallel-branch-{i}"`` unless ``MapConfig.item_namer`` / ``ParallelBranch.name`` names it,
and is a CONTEXT operation of sub type ``MapIteration`` / ``ParallelBranch`` (NESTED), or no
operation at all (FLAT: its operations report to the batch, ids still derived from the branch).

Scheduling: branches start in index order, at most ``max_concurrency`` in flight. A branch
that suspends (wait, callback, retry, invoke...) keeps its slot, so when every branch in
flight is suspended the batch suspends with their merged resume plans. A branch suspended on a
timer (wait, step retry, condition poll) while others still run is run again in this invocation
when its time comes (as the SDK's resume waves), in index order, after the plugins' change
hook shows the timers the service completed (no checkpoint: ``PluginExecutor.on_timers_due``).
Finished branches come back through one completion queue (``CompletionPool``): each costs
O(1), the whole batch O(n).
The batch completes per ``CompletionPolicy``; branches not started by then never start and are
not listed in the ``BatchResult``; branches still running are reported STARTED and their
further checkpoints are dropped (``ExecutionState.orphan``). The result is checkpointed on the
batch operation with ``config.serdes`` (branch results with ``item_serdes or serdes``).
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.core.concurrency import CompletionPool
from durable_lambda.workflows.batch_result import BatchItem, BatchItemStatus, BatchResult
from durable_lambda.workflows.completion_policy import CompletionPolicy
from durable_lambda.workflows.batch_config import (
    CompletionConfig, CompletionItemStatus, MapConfig, NestingType, ParallelBranch, ParallelConfig)
from durable_lambda.workflows.errors import error_object_of
from durable_lambda.workflows.exceptions import (
    DurableOperationError, ExecutionError, InvocationError, OrphanedChildException)
from durable_lambda.workflows.ids import operation_id
from durable_lambda.workflows.model import ErrorObject
from durable_lambda.workflows.operations.batch_summary import (
    CompletionRecord, replay_result, summary_generator)
from durable_lambda.workflows.operations.child import run_child, run_virtual_child
from durable_lambda.workflows.operations.common import OpRef, SubType
from durable_lambda.workflows.outcome import TimerKind
from durable_lambda.workflows.serdes import SerDes
from durable_lambda.workflows.suspend import SuspendExecution

#: Threads one batch uses at most. Branches beyond it wait for a thread (still in flight);
#: Lambda allows 1,024 threads per execution environment.
MAX_BRANCH_THREADS = 64

Branch = Callable[[Any], Any]  # (branch DurableContext) -> result
#: timers a branch is resumed from in-process (a callback's timeout is not: it waits on others)
_TIMED = (TimerKind.WAIT, TimerKind.RETRY, TimerKind.CONDITION)


@dataclass(frozen=True)
class BatchSpec:
    """What one map/parallel runs: its branches and the batch's options."""

    sub_type: str
    branch_sub_type: str
    name_prefix: str
    branches: Sequence[Branch]
    max_concurrency: Optional[int]
    completion: CompletionConfig
    serdes: Optional[SerDes]  # the BatchResult
    item_serdes: Optional[SerDes]  # each branch's result
    nesting: NestingType
    summary: Optional[Callable[[Any], str]]  # the user's summary_generator


def run_map(context: Any, inputs: Sequence[Any], func: Callable[..., Any], name: Optional[str],
            config: Optional[MapConfig]) -> BatchResult[Any]:
    """``context.map``: ``func(branch_context, item, index, inputs)`` for every item."""
    config = config or MapConfig()
    config.completion_config._validate_for_total(len(inputs))
    ref = context._next(name)
    items = inputs
    spec = BatchSpec(SubType.MAP, SubType.MAP_ITERATION, "map-item-",
                     [lambda c, i=i, x=x: func(c, x, i, items) for i, x in enumerate(items)],
                     config.max_concurrency, config.completion_config, config.serdes,
                     config.item_serdes or config.serdes, config.nesting_type,
                     config.summary_generator)
    namer = config.item_namer
    # item_namer runs inside the batch operation: a failing namer fails the map
    return _run(context, ref, spec, lambda: [namer(x, i) if namer else None
                                             for i, x in enumerate(items)])


def run_parallel(context: Any, functions: Sequence[Branch], name: Optional[str],
                 config: Optional[ParallelConfig]) -> BatchResult[Any]:
    """``context.parallel``: each ``f(branch_context)`` (or ``ParallelBranch``) as a branch."""
    config = config or ParallelConfig()
    config.completion_config._validate_for_total(len(functions))
    ref = context._next(name)
    functions = list(functions)
    spec = BatchSpec(SubType.PARALLEL, SubType.PARALLEL_BRANCH, "parallel-branch-", functions,
                     config.max_concurrency, config.completion_config, config.serdes,
                     config.item_serdes or config.serdes, config.nesting_type,
                     config.summary_generator)
    return _run(context, ref, spec, lambda: [
        f.name if isinstance(f, ParallelBranch) else None for f in functions])


def _run(context: Any, ref: OpRef, spec: BatchSpec,
         names: Callable[[], list[Optional[str]]]) -> BatchResult[Any]:
    batch_context = context.create_child_context(ref.id)
    result_type = "MapResult" if spec.sub_type == SubType.MAP else "ParallelResult"
    return run_child(context.state, ref, spec.sub_type,
                     lambda: _Coordinator(context.state, ref, spec, names(), batch_context).run(),
                     spec.serdes, summary_generator=summary_generator(result_type, spec.summary))


class _Kind(enum.Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SUSPENDED = "SUSPENDED"
    ORPHANED = "ORPHANED"  # its checkpoint was refused: the batch completed meanwhile
    FATAL = "FATAL"  # ends the invocation (non-determinism, checkpoint failure, retryable)


@dataclass(frozen=True)
class _Outcome:
    index: int
    kind: _Kind
    result: Any = None
    error: Optional[ErrorObject] = None
    suspension: Optional[SuspendExecution] = None
    fatal: Optional[BaseException] = None


def _branch_error(exc: BaseException) -> ErrorObject:
    """A failed item's error: the type that escaped the branch (not the ChildContextError
    wrapping it), as the SDK records it."""
    if isinstance(exc, DurableOperationError):
        return ErrorObject(exc.error_type, exc.message or "", exc.data, exc.stack_trace)
    return error_object_of(exc)


class _Coordinator:
    """One live run of a batch: admits branches, consumes their outcomes, decides."""

    def __init__(self, state: Any, ref: OpRef, spec: BatchSpec, names: list[Optional[str]],
                 batch_context: Any) -> None:
        self.state, self.ref, self.spec, self.batch_context = state, ref, spec, batch_context
        self.names = names  # custom branch names (None: "{name_prefix}{index}")
        n = len(spec.branches)
        self.policy = CompletionPolicy(n, spec.completion)
        self.status: list[Optional[BatchItemStatus]] = [None] * n  # None: not started
        self.results: dict[int, Any] = {}
        self.errors: dict[int, ErrorObject] = {}
        self.succeeded = self.failed = 0

    # -- one branch (runs in a worker thread) ----------------------------------------------
    def run_branch(self, index: int) -> _Outcome:
        spec = self.spec
        branch_id = operation_id(index, self.ref.id)
        try:
            if spec.nesting is NestingType.FLAT:
                result = self._run_flat(index, branch_id)
            else:
                child = self.batch_context.create_child_context(branch_id)
                result = run_child(self.state, OpRef(branch_id, self.ref.id, self._name(index)),
                                   spec.branch_sub_type, lambda: spec.branches[index](child),
                                   spec.item_serdes)
        except SuspendExecution as suspension:
            return _Outcome(index, _Kind.SUSPENDED, suspension=suspension)
        except OrphanedChildException:
            return _Outcome(index, _Kind.ORPHANED)
        except ExecutionError as exc:
            return _Outcome(index, _Kind.FATAL, fatal=exc)
        except Exception as exc:  # noqa: BLE001 - a failed branch is a batch item
            if isinstance(exc, InvocationError) and exc.is_retryable():
                return _Outcome(index, _Kind.FATAL, fatal=exc)  # the invocation is retried
            return _Outcome(index, _Kind.FAILED, error=_branch_error(exc))
        except BaseException as exc:  # noqa: BLE001 - re-raised by the coordinator
            return _Outcome(index, _Kind.FATAL, fatal=exc)
        return _Outcome(index, _Kind.SUCCEEDED, result=result)

    def _run_flat(self, index: int, branch_id: str) -> Any:
        """A virtual branch: no operation of its own; its operations report to the batch."""
        child = self.batch_context.create_child_context(branch_id, is_virtual=True)
        return run_virtual_child(self.state, OpRef(branch_id, self.ref.id, self._name(index)),
                                 self.spec.branch_sub_type,
                                 lambda: self.spec.branches[index](child), self.spec.item_serdes)

    # -- the coordinator (the calling thread) ----------------------------------------------
    def run(self) -> BatchResult[Any]:
        op = self.state.get(self.ref.id)
        record = CompletionRecord.parse(op.result) if op is not None and op.replay_children \
            else None
        return self._live() if record is None else replay_result(record, self._terminal_item)

    def _terminal_item(self, index: int) -> BatchItem[Any]:
        """A branch the recorded decision saw finished, re-derived from its checkpoints."""
        outcome = self.run_branch(index)
        if outcome.kind is _Kind.FATAL and outcome.fatal is not None:
            raise outcome.fatal
        if outcome.kind is _Kind.SUCCEEDED:
            return BatchItem(index, BatchItemStatus.SUCCEEDED, outcome.result)
        if outcome.kind is _Kind.FAILED:
            return BatchItem(index, BatchItemStatus.FAILED, error=outcome.error)
        return BatchItem(index, BatchItemStatus.STARTED)

    def _live(self) -> BatchResult[Any]:
        n = len(self.spec.branches)
        limit = min(self.spec.max_concurrency or n, n)
        suspended: dict[int, SuspendExecution] = {}
        timed: dict[int, int] = {}  # suspended branch -> when its earliest timer is due (ms)
        admitted = running = 0
        with CompletionPool[_Outcome](min(limit, MAX_BRANCH_THREADS), "durable-branch") as pool:
            decision = self.policy.decide(0, 0, self._snapshot())
            while not (self.policy.is_complete(self.succeeded, self.failed, decision)
                       or self.policy.tolerance_exceeded(self.failed)):
                while admitted < n and admitted - self._finished() < limit:
                    self.status[admitted] = BatchItemStatus.STARTED
                    pool.submit(self.run_branch, admitted)
                    admitted += 1
                    running += 1
                due = self._due(timed)  # their time came while others ran
                if due:  # the service completed their timers (the SDK's refresh response)
                    self.state.plugins.on_timers_due(self.state.now_ms())
                for index in due:
                    del suspended[index], timed[index]
                    pool.submit(self.run_branch, index)
                    running += 1
                if running == 0:  # every branch in flight waits: the batch suspends
                    raise SuspendExecution.merge(
                        f"{self.spec.sub_type} {self.ref.id}: branches pending",
                        [suspended[i] for i in sorted(suspended)])
                until = self._until(timed)
                try:
                    outcome = pool.next() if until is None else pool.next(until)
                except TimeoutError:
                    continue  # a suspended branch's timer is due
                running -= 1
                if outcome.kind is _Kind.SUSPENDED and outcome.suspension is not None:
                    suspended[outcome.index] = outcome.suspension
                    due = [t.due_ms for t in outcome.suspension.timers if t.kind in _TIMED]
                    if due:
                        timed[outcome.index] = min(due)
                elif not self._apply(outcome):
                    break  # orphaned: an enclosing context completed
                decision = self.policy.decide(self.succeeded, self.failed, self._snapshot())
            reason = self.policy.reason(self.succeeded, self.failed, decision)
            for outcome in pool.drain():  # branches that finished as the batch completed
                running -= 1
                self._apply(outcome)
            if running:
                self.state.orphan_under(self.ref.id)
        return self._result(reason)

    def _due(self, timed: dict[int, int]) -> list[int]:
        """Timer-suspended branches whose time has come, in index order."""
        if not timed:
            return []
        now = self.state.now_ms()
        return sorted(index for index, due in timed.items() if due <= now)

    def _until(self, timed: dict[int, int]) -> Optional[float]:
        """Seconds until the earliest timer of a suspended branch (None: no such branch)."""
        if not timed:
            return None
        return max(min(timed.values()) - self.state.now_ms(), 0) / 1000

    def _name(self, index: int) -> str:
        name = self.names[index]
        return name if name is not None else f"{self.spec.name_prefix}{index}"

    def _finished(self) -> int:
        return self.succeeded + self.failed

    def _apply(self, outcome: _Outcome) -> bool:
        """Record a finished branch; False when it was orphaned."""
        if outcome.kind is _Kind.FATAL and outcome.fatal is not None:
            raise outcome.fatal
        if outcome.kind is _Kind.SUCCEEDED:
            self.status[outcome.index] = BatchItemStatus.SUCCEEDED
            self.results[outcome.index] = outcome.result
            self.succeeded += 1
        elif outcome.kind is _Kind.FAILED and outcome.error is not None:
            self.status[outcome.index] = BatchItemStatus.FAILED
            self.errors[outcome.index] = outcome.error
            self.failed += 1
        return outcome.kind is not _Kind.ORPHANED

    def _snapshot(self) -> tuple[CompletionItemStatus, ...]:
        """Per-branch status for a ``should_complete`` predicate (O(n): only with one)."""
        if not self.policy.custom:
            return ()
        return tuple(CompletionItemStatus(index=i, name=self.names[i], status=status)
                     for i, status in enumerate(self.status))

    def _result(self, reason: Any) -> BatchResult[Any]:
        items: list[BatchItem[Any]] = []
        for index, status in enumerate(self.status):
            if status is BatchItemStatus.SUCCEEDED:
                items.append(BatchItem(index, status, self.results[index]))
            elif status is BatchItemStatus.FAILED:
                items.append(BatchItem(index, status, error=self.errors[index]))
            elif status is BatchItemStatus.STARTED:
                items.append(BatchItem(index, status))
        return BatchResult(items, reason)
