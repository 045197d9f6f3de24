"""Checkpoint store protocol (the engine/hosting seam) and the thread-safe ``InMemoryStore``.

Operation state only changes through ``reducer.apply_update``. ``ExecutionRecord.operations``
holds the user operations in first-commit order (there is no separate EXECUTION operation; the
input lives on the record). Beside the operations a store keeps the execution's append-only
event record (``events.EventRecord``: step attempts, invocations), written with the same
commits, for ``history.history_events``. See ``docs/workflows.md``.
"""
from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from durable_lambda.core.errors import FencedError
from durable_lambda.workflows.errors import (
    CallbackNotFoundError,
    ExecutionBusyError,
    ExecutionNotFoundError,
    InvalidCheckpointError,
)
from durable_lambda.workflows.events import (
    INVOCATION,
    EventRecord,
    attempt_event,
    dead_invocation_event,
    invocation_event,
)
from durable_lambda.workflows.model import (
    ErrorObject,
    ExecutionRecord,
    ExecutionStatus,
    Operation,
    OperationStatus,
    OperationUpdate,
)
from durable_lambda.workflows.reducer import apply_update

OPEN_STATUSES = frozenset({OperationStatus.STARTED, OperationStatus.PENDING, OperationStatus.READY})


@runtime_checkable
class CheckpointStore(Protocol):
    """Durable storage of executions and their operations (see module docstring)."""

    def start_execution(self, function_name: str, input: str | None, name: str | None = None,
                        parent: dict[str, str] | None = None,
                        execution_id: str | None = None) -> tuple[ExecutionRecord, bool]:
        """Create an execution (id = ``execution_id`` or uuid4 hex); idempotent by
        (function_name, name)."""

    def get(self, execution_id: str) -> ExecutionRecord:
        """Load an execution; ``ExecutionNotFoundError``."""

    def acquire(self, execution_id: str, holder: str, lease_ms: int) -> ExecutionRecord:
        """Take the lease and load; ``ExecutionBusyError`` if held by another and unexpired.
        Taking over an expired lease records the dead holder's invocation (with an error)."""

    def failed_invocations(self, execution_id: str, holder: str) -> int:
        """How many invocations failed in a row before ``holder``'s (the trailing
        InvocationCompleted events with an error, a dead holder taken over included); valid
        after ``acquire``, without a call."""

    def checkpoint(self, execution_id: str, holder: str,
                   updates: Sequence[OperationUpdate]) -> list[Operation]:
        """Apply updates atomically in order, fenced by the lease; return resulting ops."""

    def finish(self, execution_id: str, holder: str, status: ExecutionStatus,
               result: str | None = None, error: ErrorObject | None = None, *,
               invocation_error: ErrorObject | None = None) -> None:
        """Record the terminal status (fenced) and release the lease, with the invocation's end
        (``invocation_error``: the invocation itself failed — a retryable ``InvocationError``
        on its last attempt — and its InvocationCompleted carries that error)."""

    def release(self, execution_id: str, holder: str, error: ErrorObject | None = None) -> None:
        """Release the lease if still held by ``holder``; records the invocation's end
        (``error``: why it failed, if it did) while the execution runs."""

    def complete_external(self, execution_id: str, operation_id: str,
                          update: OperationUpdate) -> bool:
        """Apply an outside update if the op is still open; False if already finished."""

    def stop(self, execution_id: str, error: ErrorObject) -> ExecutionRecord:
        """End a RUNNING execution as STOPPED with ``error`` whoever holds its lease (an
        invocation still running it is fenced out); the header as written, no operations.
        ``ExecutionNotFoundError``; ``InvalidCheckpointError`` if it already finished."""

    def find_callback(self, callback_id: str) -> tuple[str, str]:
        """(execution_id, operation_id) of a callback; ``CallbackNotFoundError``."""

    def load_history(self, execution_id: str) -> tuple[ExecutionRecord, list[EventRecord]]:
        """The execution and its event record (for ``history.history_events``)."""


class InMemoryStore:
    """Thread-safe in-process ``CheckpointStore`` (local runner, tests). ``clock`` returns ms."""

    def __init__(self, clock: Callable[[], int] | None = None) -> None:
        self._clock = clock or (lambda: int(time.time() * 1000))
        self._lock = threading.RLock()
        self._records: dict[str, ExecutionRecord] = {}
        self._index: dict[str, dict[str, int]] = {}  # execution -> op id -> list position
        self._leases: dict[str, tuple[str, int, int]] = {}  # execution -> holder, expiry, start
        self._events: dict[str, list[EventRecord]] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._callbacks: dict[str, tuple[str, str]] = {}

    def now_ms(self) -> int:
        """The store's clock (virtual in the local runner)."""
        return self._clock()

    def start_execution(self, function_name: str, input: str | None, name: str | None = None,
                        parent: dict[str, str] | None = None,
                        execution_id: str | None = None) -> tuple[ExecutionRecord, bool]:
        with self._lock:
            if name is not None and (function_name, name) in self._names:
                return self.get(self._names[(function_name, name)]), False
            if execution_id is not None and execution_id in self._records:
                return self.get(execution_id), False
            record = ExecutionRecord(execution_id=execution_id or uuid.uuid4().hex,
                                     function_name=function_name,
                                     name=name, status=ExecutionStatus.RUNNING, input=input,
                                     created_ms=self._clock(),
                                     parent=dict(parent) if parent else None)
            self._records[record.execution_id] = record
            self._index[record.execution_id] = {}
            self._events[record.execution_id] = []
            if name is not None:
                self._names[(function_name, name)] = record.execution_id
            return self._copy(record), True

    def get(self, execution_id: str) -> ExecutionRecord:
        with self._lock:
            return self._copy(self._record(execution_id))

    def acquire(self, execution_id: str, holder: str, lease_ms: int) -> ExecutionRecord:
        with self._lock:
            record = self._record(execution_id)
            current = self._leases.get(execution_id)
            now = self._clock()
            if current and current[0] != holder and current[1] > now:
                raise ExecutionBusyError(
                    f"execution {execution_id!r} is leased by {current[0]!r} until {current[1]}")
            if current and current[0] != holder and record.status is ExecutionStatus.RUNNING:
                self._events[execution_id].append(dead_invocation_event(
                    record.version, current[0], current[2], current[1]))
            start = current[2] if current and current[0] == holder else now
            self._leases[execution_id] = (holder, now + lease_ms, start)
            return self._copy(record)

    def checkpoint(self, execution_id: str, holder: str,
                   updates: Sequence[OperationUpdate]) -> list[Operation]:
        with self._lock:
            record = self._record(execution_id)
            self._fence(execution_id, holder)
            if record.status is not ExecutionStatus.RUNNING:
                raise InvalidCheckpointError(
                    f"execution {execution_id!r} is {record.status.value}; checkpoint rejected")
            index = self._index[execution_id]
            staged: dict[str, Operation] = {}  # all-or-nothing: reduce first, then commit
            new_ids: list[str] = []
            now = self._clock()
            seq = record.version
            out = []
            events: list[EventRecord] = []
            for update in updates:
                current = staged.get(update.id)
                if current is None and update.id in index:
                    current = record.operations[index[update.id]]
                seq += 1  # one sequence number per update: history commit order
                op = apply_update(current, update, now, seq=seq)
                event = attempt_event(current, update, op, seq, now)
                if event is not None:
                    events.append(event)
                if current is None:
                    new_ids.append(update.id)
                staged[update.id] = op
                out.append(op)
            record.version = seq
            self._events[execution_id].extend(events)
            ops = record.operations
            for op_id in new_ids:
                index[op_id] = len(ops)
                ops.append(staged[op_id])
            for op_id, op in staged.items():
                ops[index[op_id]] = op
                if op.callback_id:
                    self._callbacks[op.callback_id] = (execution_id, op_id)
            return out

    def finish(self, execution_id: str, holder: str, status: ExecutionStatus,
               result: str | None = None, error: ErrorObject | None = None, *,
               invocation_error: ErrorObject | None = None) -> None:
        with self._lock:
            record = self._record(execution_id)
            self._fence(execution_id, holder)
            _require_running(record)
            self._record_invocation(execution_id, record, holder, invocation_error)
            record.status, record.result, record.error = status, result, error
            record.version += 1
            self._leases.pop(execution_id, None)

    def stop(self, execution_id: str, error: ErrorObject) -> ExecutionRecord:
        with self._lock:
            record = self._record(execution_id)
            _require_running(record)
            record.status, record.error = ExecutionStatus.STOPPED, error
            record.version += 1
            self._leases.pop(execution_id, None)
            stopped = self._copy(record)
            stopped.operations = []
            return stopped

    def release(self, execution_id: str, holder: str, error: ErrorObject | None = None) -> None:
        with self._lock:
            current = self._leases.get(execution_id)
            if current and current[0] == holder:
                record = self._record(execution_id)
                if record.status is ExecutionStatus.RUNNING:
                    self._record_invocation(execution_id, record, holder, error)
                del self._leases[execution_id]

    def failed_invocations(self, execution_id: str, holder: str) -> int:
        with self._lock:
            invocations = [e for e in self._events.get(execution_id, ()) if e.kind == INVOCATION]
        failed = 0
        for event in reversed(invocations):
            if event.error is None:
                break
            failed += 1
        return failed

    def _record_invocation(self, execution_id: str, record: ExecutionRecord, holder: str,
                           error: ErrorObject | None = None) -> None:
        start = self._leases[execution_id][2]
        self._events[execution_id].append(
            invocation_event(record.version, holder, start, self._clock(), error))

    def complete_external(self, execution_id: str, operation_id: str,
                          update: OperationUpdate) -> bool:
        with self._lock:
            record = self._record(execution_id)
            pos = self._index[execution_id].get(operation_id)
            if pos is None:
                raise InvalidCheckpointError(
                    f"execution {execution_id!r} has no operation {operation_id!r}")
            op = record.operations[pos]
            if op.status not in OPEN_STATUSES or record.status is not ExecutionStatus.RUNNING:
                return False
            record.version += 1
            record.operations[pos] = apply_update(op, update, self._clock(), seq=record.version)
            return True

    def find_callback(self, callback_id: str) -> tuple[str, str]:
        with self._lock:
            try:
                return self._callbacks[callback_id]
            except KeyError:
                raise CallbackNotFoundError(f"no callback with id {callback_id!r}") from None

    def load_history(self, execution_id: str) -> tuple[ExecutionRecord, list[EventRecord]]:
        with self._lock:
            return self._copy(self._record(execution_id)), list(self._events[execution_id])

    def execution_ids(self) -> list[str]:
        """All execution ids, oldest first (test/inspection helper)."""
        with self._lock:
            return list(self._records)

    def lease_holder(self, execution_id: str) -> str | None:
        """Current lease holder (inspection helper)."""
        with self._lock:
            current = self._leases.get(execution_id)
            return current[0] if current else None

    def _record(self, execution_id: str) -> ExecutionRecord:
        try:
            return self._records[execution_id]
        except KeyError:
            raise ExecutionNotFoundError(f"no durable execution {execution_id!r}") from None

    def _fence(self, execution_id: str, holder: str) -> None:
        current = self._leases.get(execution_id)
        if not current or current[0] != holder:
            raise FencedError(f"execution {execution_id!r}: {holder!r} does not hold the lease")

    @staticmethod
    def _copy(record: ExecutionRecord) -> ExecutionRecord:
        clone = copy.copy(record)
        clone.operations = list(record.operations)
        clone.parent = dict(record.parent) if record.parent else None
        return clone


def _require_running(record: ExecutionRecord) -> None:
    """``InvalidCheckpointError`` unless the execution still runs (finish, stop)."""
    if record.status is not ExecutionStatus.RUNNING:
        raise InvalidCheckpointError(
            f"execution {record.execution_id!r} already finished ({record.status.value})")
