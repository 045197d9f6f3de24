"""Checkpoint writes: fenced, ordered transactions of operation updates, and ``finish``."""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.items import (
    _CONFLICT_ATTEMPTS,
    _RACE_ATTEMPTS,
    MAX_TRANSACTION_BYTES,
    MAX_TRANSACTION_ITEMS,
    _encode_error,
    _get_s,
    _Loaded,
    _s,
    check_size,
    encode_operation,
    header_key,
    op_key,
    ref_key,
)
from durable_lambda.workflows.dynamodb.sequence import (
    _checkpoint_error,
    _counter_moved,
    _moved_seq,
    _numbered,
    _seq_condition,
    _seq_values,
)
from durable_lambda.workflows.errors import InvalidCheckpointError
from durable_lambda.workflows.model import (
    ErrorObject,
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
        for number, update in enumerate(updates, 1):  # numbers relative to the chunk's base
            existing = current.get(update.id)
            if existing is None:
                pos = loaded.positions.get(update.id)
                existing = record.operations[pos] if pos is not None else None
                prior[update.id] = existing
            op = apply_update(existing, update, now, seq=number)
            current[update.id] = op
            out.append(op)
        if not current:
            return out
        bases = self._commit(execution_id, holder, loaded, current, prior, len(updates))
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
        """(bytes, is new, [its conditional Put, + callback index Put]) of one touched
        operation: a unit is never split across transactions."""
        data = encode_operation(op)
        size = check_size(f"operation {op.id!r} ({op.type.value} {op.name or ''})".strip(), data)
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
                    break
                except Exception as exc:
                    moved = _counter_moved(exc, holder, loaded)
                    if moved is None or attempt == _RACE_ATTEMPTS - 1:
                        self._forget(execution_id, holder)
                        raise _checkpoint_error(exc, execution_id, holder, items) from None
                    loaded.commit_seq = moved  # an outside completion took numbers: renumber
            loaded.record.version += 1
            loaded.op_count += new_ops
            loaded.commit_seq = base + count
            bases.update((op.id, base) for op in pending[:taken])
            pending = pending[taken:]
        return bases

    def _callback_item(self, execution_id: str, loaded: _Loaded, op: Operation) -> dict[str, Any]:
        item = {**ref_key("cb", op.callback_id or ""), "execution_id": {"S": execution_id},
                "operation_id": {"S": op.id},
                "function_name": {"S": loaded.record.function_name}}
        if op.timeout_ms:
            item["timeout_ms"] = {"N": str(op.timeout_ms)}
        if op.heartbeat_timeout_seconds:
            item["heartbeat_seconds"] = {"N": str(op.heartbeat_timeout_seconds)}
            item["heartbeat_deadline_ms"] = {
                "N": str(op.start_ms + int(op.heartbeat_timeout_seconds * 1000))}
        return item

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

    def finish(self, execution_id: str, holder: str, status: ExecutionStatus,
               result: str | None = None, error: ErrorObject | None = None) -> None:
        """Terminal status + result (fenced UpdateItem) and lease release; the new ``version``
        is above every commit number handed out (retried if an outside completion took one)."""
        error_json = _encode_error(error)
        check_size(f"result of execution {execution_id!r}", result, error_json)
        loaded = self._holder_view(execution_id, holder)
        self._forget(execution_id, holder)
        for attempt in range(_RACE_ATTEMPTS):
            # the terminal version is above every commit number, so its event sorts last
            new_version = max(loaded.record.version, loaded.commit_seq or 0) + 1
            try:
                self._ddb.update_item(
                    TableName=self.table, Key=header_key(execution_id),
                    UpdateExpression="SET #st = :st, #r = :r, #e = :e, end_ms = :now, "
                                     "version = :nv, settled_version = :nv, commit_seq = :nv "
                                     "REMOVE lease_holder, lease_expires_ms",
                    ConditionExpression="lease_holder = :h AND version = :v AND #st = :running"
                                        " AND " + _seq_condition(loaded.commit_seq),
                    ExpressionAttributeNames={"#st": "status", "#r": "result", "#e": "error"},
                    ExpressionAttributeValues={
                        ":st": {"S": status.value}, ":r": _s(result), ":e": _s(error_json),
                        ":now": {"N": str(self.now_ms())}, ":h": {"S": holder},
                        ":v": {"N": str(loaded.record.version)},
                        ":nv": {"N": str(new_version)},
                        ":running": {"S": ExecutionStatus.RUNNING.value},
                        **_seq_values(loaded.commit_seq)},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD")
                return
            except Exception as exc:
                if aws.error_code(exc) != "ConditionalCheckFailedException":
                    raise
                old = getattr(exc, "response", {}).get("Item") or {}
                if _get_s(old, "status") not in (None, ExecutionStatus.RUNNING.value):
                    raise InvalidCheckpointError(
                        f"execution {execution_id!r} already finished ({_get_s(old, 'status')})"
                    ) from None
                moved = _moved_seq(old, holder, loaded)
                if moved is None or attempt == _RACE_ATTEMPTS - 1:
                    raise FencedError(
                        f"execution {execution_id!r}: {holder!r} no longer holds the lease "
                        "(or the execution changed); finish rejected") from None
                loaded.commit_seq = moved  # an outside completion took a number meanwhile
