"""Per-invocation execution state: the replayed operations, buffered checkpoints, resume plan."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NoReturn

from durable_lambda.workflows.errors import NonDeterministicExecutionError, error_object_of
from durable_lambda.workflows.exceptions import OrphanedChildException
from durable_lambda.workflows.identifier import OperationIdentifier
from durable_lambda.workflows.model import (
    ErrorObject, ExecutionRecord, Operation, OperationType, OperationUpdate)
from durable_lambda.workflows.outcome import (
    PendingCallback, PendingInvoke, PendingTimer, ResumePlan, TimerKind)
from durable_lambda.workflows.plugin_hooks import NO_PLUGINS, NoPlugins
from durable_lambda.workflows.reducer import FINISHED, apply_update
from durable_lambda.workflows.store import CheckpointStore
from durable_lambda.workflows.suspend import SuspendExecution

#: A checkpoint call is flushed at this many distinct operations (one DynamoDB transaction holds
#: 99 of them next to its fence) or this many payload bytes (a transaction holds 4 MB).
CHECKPOINT_MAX_OPERATIONS = 99
CHECKPOINT_MAX_BYTES = 3 * 1024 * 1024


class CheckpointFailed(BaseException):
    """The store rejected or failed a checkpoint (fenced, throttled...); ends the invocation.

    A BaseException so user ``except Exception`` cannot swallow it; the engine re-raises
    ``original`` to the host.
    """

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def error_object(exc: BaseException) -> ErrorObject:
    """Recorded form of an exception, as the SDK records it (see ``errors.error_object_of``)."""
    return error_object_of(exc)


class ExecutionState:
    """Operations of one execution as seen by one invocation (thread-safe: map/parallel
    branches run in threads)."""

    def __init__(self, store: CheckpointStore, record: ExecutionRecord, holder: str, *,
                 clock: Callable[[], int] | None = None, max_payload_bytes: int | None = None,
                 checkpoint_batch_size: int = CHECKPOINT_MAX_OPERATIONS) -> None:
        self.store = store
        self.holder = holder
        self.execution_id = record.execution_id
        self.execution_name = record.name
        self.execution_input = record.input  # serialized
        self.created_ms = record.created_ms
        self.max_payload_bytes = max_payload_bytes
        self._batch_size = max(1, checkpoint_batch_size)  # distinct operations per call
        self._pending_bytes: dict[str, int] = {}  # op id -> bytes of its buffered state
        self._pending_total = 0
        self._orphans: set[str] = set()  # ops of branches abandoned by a completed batch
        self._clock = clock or getattr(store, "now_ms", None) or (lambda: int(time.time() * 1000))
        self._ops: dict[str, Operation] = {op.id: op for op in record.operations}
        self._pending: list[OperationUpdate] = []
        self._to_replay = _replayed_ids(self._ops)
        self.replaying = bool(self._to_replay)
        self.fatal: BaseException | None = None  # e.g. non-determinism swallowed by user code
        self._lock = threading.RLock()
        self._local = threading.local()
        self.plugins: NoPlugins = NO_PLUGINS  # this invocation's instrumentation plugins

    @property
    def running_step(self) -> str | None:
        """Name of the step whose function runs in this thread (None outside steps)."""
        return getattr(self._local, "running_step", None)

    @running_step.setter
    def running_step(self, value: str | None) -> None:
        self._local.running_step = value

    # -- reading ---------------------------------------------------------------------------
    def now_ms(self) -> int:
        return self._clock()

    def get(self, op_id: str) -> Operation | None:
        return self._ops.get(op_id)

    def operations(self) -> dict[str, Operation]:
        """A snapshot of the operations as this invocation sees them now."""
        with self._lock:
            return dict(self._ops)

    def lookup(self, op_id: str, op_type: OperationType, name: str | None,
               sub_type: str | None) -> Operation | None:
        """The recorded operation for ``op_id``, checked against what the code asks for now."""
        with self._lock:
            op = self._lookup(op_id, op_type, name, sub_type)
        if op is not None and self.plugins.has_plugins:
            self.plugins.on_replay(op, self.now_ms())
        return op

    def _lookup(self, op_id: str, op_type: OperationType, name: str | None,
                sub_type: str | None) -> Operation | None:
        op = self._ops.get(op_id)
        if op is None:
            return None
        try:  # type, sub type and name as recorded, or non-determinism (the SDK's check)
            OperationIdentifier(op_id, sub_type or op.sub_type or "", op.parent_id, name,
                                operation_type=op_type).validate_checkpoint(op)
        except NonDeterministicExecutionError as error:
            self.fatal = self.fatal or error
            raise
        if self._to_replay:
            self._to_replay.discard(op_id)
            if not self._to_replay:
                self.replaying = False  # every recorded finished operation was revisited
        return op

    def begin_new_work(self) -> None:
        """Called where the code goes past the recorded history: replay is over."""
        self.replaying = False

    # -- writing ---------------------------------------------------------------------------
    def enqueue(self, update: OperationUpdate) -> Operation:
        """``_enqueue`` with the plugins' operation start / end hooks around it."""
        plugins = self.plugins
        if not plugins.has_plugins:
            return self._enqueue(update)
        plugins.before_update(update, self._ops.get(update.id), self.now_ms())
        op = self._enqueue(update)
        plugins.after_update(op)
        return op

    def _enqueue(self, update: OperationUpdate) -> Operation:
        """Apply locally and buffer for the store.

        One checkpoint call carries at most ``checkpoint_batch_size`` distinct operations (the
        store writes one item per operation however many updates it got: a START + SUCCEED
        pair takes one slot) and ``CHECKPOINT_MAX_BYTES`` of payloads: the buffer is flushed
        before an update that would pass either. Raises ``OrphanedChildException`` for an
        operation of a branch its completed map/parallel abandoned (``orphan_under``).
        """
        with self._lock:
            if update.id in self._orphans:
                raise OrphanedChildException(
                    f"operation {update.id} belongs to a map/parallel branch that was still "
                    "running when its batch completed; its checkpoint is dropped", update.id)
            size = len(update.payload or "") + (len(update.error.error_message or "")
                                                if update.error else 0)
            known = self._pending_bytes.get(update.id)
            if self._pending and (
                    (known is None and len(self._pending_bytes) >= self._batch_size)
                    or self._pending_total - (known or 0) + size > CHECKPOINT_MAX_BYTES):
                self.flush()
            op = apply_update(self._ops.get(update.id), update, self.now_ms())
            self._ops[update.id] = op
            self._pending.append(update)
            self._pending_total += size - self._pending_bytes.get(update.id, 0)
            self._pending_bytes[update.id] = size
            return op

    def orphan_under(self, context_id: str) -> None:
        """Freeze the operations known under ``context_id`` (a completed map/parallel): their
        later checkpoints raise ``OrphanedChildException``, as the SDK refuses checkpoints of
        branches still running when their batch completed."""
        with self._lock:
            children: dict[str, list[str]] = {}
            for op in self._ops.values():
                if op.parent_id:
                    children.setdefault(op.parent_id, []).append(op.id)
            todo = list(children.get(context_id, ()))
            while todo:
                op_id = todo.pop()
                if op_id not in self._orphans:
                    self._orphans.add(op_id)
                    todo.extend(children.get(op_id, ()))

    def flush(self) -> None:
        """Persist buffered updates in one fenced checkpoint call (store values win)."""
        with self._lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, []
            self._pending_bytes, self._pending_total = {}, 0
            try:
                stored = self.store.checkpoint(self.execution_id, self.holder, batch)
            except Exception as exc:  # noqa: BLE001 - any store failure ends the invocation
                raise CheckpointFailed(exc) from exc
            for op in stored:
                self._ops[op.id] = op
            if self.plugins.has_plugins:
                self.plugins.on_checkpoint(self.execution_id, self.operations())

    # -- suspending ------------------------------------------------------------------------
    @staticmethod
    def suspend_timer(op_id: str, due_ms: int, kind: TimerKind) -> NoReturn:
        raise SuspendExecution.waiting_for(f"{kind.value} {op_id} due at {due_ms}",
                                           timers=[PendingTimer(op_id, due_ms, kind)])

    @staticmethod
    def suspend_callback(op: Operation) -> NoReturn:
        timers = [] if op.timeout_ms is None else [
            PendingTimer(op.id, op.timeout_ms, TimerKind.CALLBACK_TIMEOUT)]
        raise SuspendExecution.waiting_for(
            f"callback {op.callback_id} pending", timers=timers, callbacks=[
                PendingCallback(op.id, op.callback_id or "", op.timeout_ms,
                                op.heartbeat_timeout_seconds)])

    @staticmethod
    def suspend_invoke(pending: PendingInvoke) -> NoReturn:
        raise SuspendExecution.waiting_for(f"invoke {pending.function_name} pending",
                                           invokes=[pending])


def plan_of(suspension: SuspendExecution) -> ResumePlan:
    """The resume plan carried by the suspension that ended an invocation."""
    return ResumePlan(tuple(suspension.timers), tuple(suspension.callbacks),
                      tuple(suspension.invokes))


def _replayed_ids(ops: dict[str, Operation]) -> set[str]:
    """Finished operations a replay will revisit (children of finished contexts are skipped)."""
    def skipped(op: Operation) -> bool:
        parent = ops.get(op.parent_id) if op.parent_id else None
        return parent is not None and (
            (parent.status in FINISHED and not parent.replay_children) or skipped(parent))
    return {op.id for op in ops.values() if op.status in FINISHED and not skipped(op)}
