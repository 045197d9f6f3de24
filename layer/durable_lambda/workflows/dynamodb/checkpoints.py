"""Checkpoint writes: fenced, ordered transactions of operation updates (and the attempt
events they record, as event items in the same transactions)."""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Optional

from durable_lambda.core import metrics
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.event_items import event_items
from durable_lambda.workflows.dynamodb.items import (
    _CONFLICT_ATTEMPTS,
    _RACE_ATTEMPTS,
    MAX_TRANSACTION_BYTES,
    MAX_TRANSACTION_ITEMS,
    _Loaded,
    callback_ref_item,
    check_size,
    encode_operation,
    header_key,
    op_key,
)
from durable_lambda.workflows.dynamodb.sequence import (
    _checkpoint_error,
    _counter_moved,
    _numbered,
    _seq_condition,
    _seq_values,
)
from durable_lambda.workflows.errors import InvalidCheckpointError
from durable_lambda.workflows.events import EventRecord, attempt_event
from durable_lambda.workflows.model import (
    ExecutionStatus,
    Operation,
    OperationType,
    OperationUpdate,
)
from durable_lambda.workflows.reducer import apply_update


class CheckpointWrites(StoreBase):
    """``checkpoint`` (see the package docstring on atomicity and numbering) and ``finish``."""

    def checkpoint(self, execution_id: str, holder: str,
                   updates: Sequence[OperationUpdate]) -> list[Operation]:
        """Apply ``updates`` in order, fenced (lease holder and version); see module docstring."""
        loaded = self._holder_view(execution_id, holder)
        record = loaded.record
        if record.status is not ExecutionStatus.RUNNING:
            raise InvalidCheckpointError(
                f"execution {execution_id!r} is {record.status.value}; checkpoint rejected")
        now = self.now_ms()
        current: dict[str, Operation] = {}
        prior: dict[str, Optional[Operation]] = {}  # each touched op as stored before
        out: list[Operation] = []
        staged: dict[str, list[EventRecord]] = {}
        for number, update in enumerate(updates, 1):  # numbers relative to the chunk's base
            existing = current.get(update.id)
            if existing is None:
                pos = loaded.positions.get(update.id)
                existing = record.operations[pos] if pos is not None else None
                prior[update.id] = existing
            op = apply_update(existing, update, now, seq=number)
            event = attempt_event(existing, update, op, number, now)
            if event is not None:
                staged.setdefault(update.id, []).append(event)
            current[update.id] = op
            out.append(op)
        if not current:
            return out
        loaded.staged_events = staged
        try:
            bases = self._commit(execution_id, holder, loaded, current, prior, len(updates))
        finally:
            loaded.staged_events = {}
        for op_id, op in current.items():  # the holder's view follows what was committed
            op = _numbered(op, prior[op_id], bases[op_id])
            pos = loaded.positions.get(op_id)
            if pos is None:
                loaded.positions[op_id] = len(record.operations)
                record.operations.append(op)
            else:
                record.operations[pos] = op
        return [_numbered(op, prior[op.id], bases[op.id]) for op in out]

    def _op_write(self, execution_id: str, loaded: _Loaded, op: Operation,
                  next_seq: int) -> tuple[int, bool, list[dict[str, Any]]]:
        """(bytes, is new, [its conditional Put, + callback index Put, + event item Puts]) of
        one touched operation: a unit is never split across transactions. Its attempt events
        are numbered from the chunk's base, which is ``loaded.commit_seq`` while it is built."""
        data = encode_operation(op)
        what = f"operation {op.id!r} ({op.type.value} {op.name or ''})".strip()
        size = check_size(what, data)
        pos = loaded.positions.get(op.id)
        if pos is None:
            seq, condition, values = next_seq, "attribute_not_exists(pk)", {}
        else:
            seq = pos  # seqs are 0..n-1 in commit order, so a position is its seq
            old = loaded.record.operations[pos]
            condition, values = "#st = :old", {":old": {"S": old.status.value}}
        put: dict[str, Any] = {
            "TableName": self.table, "ConditionExpression": condition,
            "Item": {**op_key(execution_id, op.id), "seq": {"N": str(seq)},
                     "status": {"S": op.status.value}, "data": {"S": data}}}
        if values:
            put["ExpressionAttributeValues"] = values
            put["ExpressionAttributeNames"] = {"#st": "status"}
        unit = [{"Put": put}]
        if op.type is OperationType.CALLBACK and pos is None and op.callback_id:
            unit.append({"Put": {"TableName": self.table,
                                 "Item": self._callback_item(execution_id, loaded, op),
                                 "ConditionExpression": "attribute_not_exists(pk)"}})
        events = loaded.staged_events.get(op.id)
        if events:
            base = loaded.commit_seq or 0
            for item in event_items(execution_id, [replace(e, seq=base + e.seq) for e in events],
                                    "op", what):
                size += check_size(f"events of {what}", item["ev"]["S"])
                unit.append({"Put": {"TableName": self.table, "Item": item}})
        return size, pos is None, unit

    def _chunk(self, execution_id: str, loaded: _Loaded, ops: list[Operation],
               prior: dict[str, Optional[Operation]], base: int
               ) -> tuple[list[dict[str, Any]], int, int]:
        """The next fenced transaction's writes: (items, operations taken, new operations);
        <= 99 items / ~4 MB, at least one operation, numbered from ``base``."""
        items: list[dict[str, Any]] = []
        chunk_bytes = taken = new_ops = 0
        for op in ops:
            size, is_new, unit = self._op_write(execution_id, loaded,
                                                _numbered(op, prior[op.id], base),
                                                loaded.op_count + new_ops)
            if items and (len(items) + len(unit) >= MAX_TRANSACTION_ITEMS
                          or chunk_bytes + size > MAX_TRANSACTION_BYTES):
                break
            items.extend(unit)
            chunk_bytes += size
            taken += 1
            new_ops += is_new
        return items, taken, new_ops

    def _commit(self, execution_id: str, holder: str, loaded: _Loaded,
                ops: dict[str, Operation], prior: dict[str, Optional[Operation]],
                count: int) -> dict[str, int]:
        """Write in fenced transactions, in order; each reserves ``count`` commit numbers.
        Returns each operation's base (its relative numbers + base = its commit numbers)."""
        pending = list(ops.values())
        bases: dict[str, int] = {}
        while pending:
            for attempt in range(_RACE_ATTEMPTS):
                base = loaded.commit_seq or 0
                items, taken, new_ops = self._chunk(execution_id, loaded, pending, prior, base)
                fence = {"Update": {
                    "TableName": self.table, "Key": header_key(execution_id),
                    "UpdateExpression": "SET version = :nv, op_count = :oc, commit_seq = :cs",
                    "ConditionExpression": "lease_holder = :h AND version = :v AND "
                                           + _seq_condition(loaded.commit_seq),
                    "ExpressionAttributeValues": {
                        ":h": {"S": holder}, ":v": {"N": str(loaded.record.version)},
                        ":nv": {"N": str(loaded.record.version + 1)},
                        ":oc": {"N": str(loaded.op_count + new_ops)},
                        ":cs": {"N": str(base + count)}, **_seq_values(loaded.commit_seq)},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
                try:
                    self._transact(fence, items)
                    metrics.emit(Checkpoints=1, CheckpointBytes=metrics.written_bytes(items))
                    break
                except Exception as exc:
                    moved = _counter_moved(exc, holder, loaded)
                    if moved is None or attempt == _RACE_ATTEMPTS - 1:
                        loaded.stale = True  # reloaded before any further checkpoint
                        raise _checkpoint_error(exc, execution_id, holder, items) from None
                    loaded.commit_seq = moved  # an outside completion took numbers: renumber
            loaded.record.version += 1
            loaded.op_count += new_ops
            loaded.commit_seq = base + count
            bases.update((op.id, base) for op in pending[:taken])
            pending = pending[taken:]
        return bases

    def _callback_item(self, execution_id: str, loaded: _Loaded, op: Operation) -> dict[str, Any]:
        return callback_ref_item(execution_id, loaded.record.function_name, op)

    def _transact(self, fence: dict[str, Any], items: list[dict[str, Any]]) -> None:
        """One fenced transaction; retried (bounded) when it only lost a race with a concurrent
        transaction on the header (an outside completion's ``wakes += 1``): it wrote nothing."""
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                self._ddb.transact_write_items(TransactItems=[fence, *items])
                return
            except Exception as exc:
                reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
                codes = {r.get("Code") for r in reasons} - {"None", None}
                if codes != {"TransactionConflict"} or attempt == _CONFLICT_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
