"""``DynamoDBStore``: the ``CheckpointStore`` of durable executions in ``DURABLE_WORKFLOW_TABLE``.

Items (docs/contracts.md, docs/workflows_hosting.md):

- header ``pk="exec#{id}", sk="#meta"``: function, name, status, input, result, error, parent,
  ``version`` (fence, +1 per committed chunk), ``op_count`` (next first-commit sequence number),
  ``commit_seq`` (last commit sequence number handed out, see below),
  ``lease_holder`` / ``lease_expires_ms``, ``settled_version`` and ``wakes`` (see ``release``);
- one item per operation ``pk="exec#{id}", sk="op#{operation id}"``: ``seq`` (first-commit
  order), ``status`` (for conditions) and ``data`` (the ``Operation`` as JSON, with its
  ``start_seq`` / ``end_seq``);
- name index ``pk="name#{function}#{name}", sk="#ref"`` -> execution id (idempotent start);
- callback index ``pk="cb#{callback_id}", sk="#ref"`` -> execution, operation, function,
  timeout deadline and heartbeat settings.

Calls: ``acquire`` = 1 UpdateItem + 1 Query per MB of operations; ``checkpoint`` = 1
TransactWriteItems per 99 operations touched; ``release`` / ``finish`` = 1 UpdateItem;
``complete_external`` = BatchGetItem (op + header counter) + TransactWriteItems;
``start_execution`` = 1 PutItem (1 TransactWriteItems with a name).

Commit order (history EventIds): every applied update gets a number from the header's
``commit_seq``, recorded on the operation as ``start_seq`` / ``end_seq`` (``reducer.apply_update``
``seq=``). A checkpoint chunk reserves ``len(updates)`` numbers (its updates keep their order)
by setting ``commit_seq`` in its fence, conditioned on the value it knows; an outside completion
takes the next number the same way. Whoever loses that race re-reads the counter (the fence's
``ALL_OLD`` image; the BatchGetItem) and retries, bounded — extra calls only on a race. So the
numbers strictly increase in commit order across invocations and outside completions, and
``finish`` sets ``version`` above every number handed out (the terminal event comes last).

Atomicity: a checkpoint touching up to 99 distinct operations is one transaction (the header
version bump is its fence). A larger one is split into ordered chunks, each fenced and atomic;
a crash or lease loss between chunks leaves a committed *prefix* of the updates, never a torn
operation — the same state as an engine that checkpointed those updates one call at a time and
then stopped, which replay handles. Operations touched by several updates of one checkpoint are
merged into one write (a transaction may touch an item once).
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Optional

from durable_lambda import aws
from durable_lambda.errors import FencedError
from durable_lambda.settings import get_settings
from durable_lambda.workflows.errors import (
    CallbackNotFoundError, ExecutionBusyError, ExecutionNotFoundError, InvalidCheckpointError,
    PayloadTooLargeError)
from durable_lambda.workflows.model import (
    ErrorObject, ExecutionRecord, ExecutionStatus, Operation, OperationStatus,
    OperationType, OperationUpdate)
from durable_lambda.workflows.reducer import FINISHED, apply_update

#: DynamoDB item limit (400 KB, names included) less room for keys and small attributes.
MAX_ITEM_BYTES = 400 * 1024
ITEM_OVERHEAD_BYTES = 2048
#: TransactWriteItems limits: 100 items and 4 MB; one slot is the header's fence.
MAX_TRANSACTION_ITEMS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024 - 64 * 1024
OPEN_STATUSES = frozenset({OperationStatus.STARTED, OperationStatus.PENDING, OperationStatus.READY})
META = "#meta"
_CACHE_SIZE = 64
_EXTERNAL_ATTEMPTS = 8  # an outside completion races the holder's commits for numbers
_CONFLICT_ATTEMPTS = 4
_RACE_ATTEMPTS = 8  # holder commits re-numbered after outside completions moved commit_seq


def now_ms() -> int:
    return int(time.time() * 1000)


def _s(value: Optional[str]) -> dict[str, Any]:
    return {"S": value} if value is not None else {"NULL": True}


def _get_s(item: dict[str, Any], name: str) -> Optional[str]:
    value = item.get(name)
    return value.get("S") if value else None


# --- encoding ---------------------------------------------------------------------------

def encode_operation(op: Operation) -> str:
    """Operation -> compact JSON (enums by value, error as its dict, defaults left out)."""
    data: dict[str, Any] = {}
    for f in fields(op):
        value = getattr(op, f.name)
        if value is None or value == f.default:
            continue
        if isinstance(value, ErrorObject):
            value = value.to_dict()
        elif hasattr(value, "value"):
            value = value.value
        data[f.name] = value
    data["id"], data["type"], data["status"] = op.id, op.type.value, op.status.value
    return json.dumps(data, separators=(",", ":"))


def decode_operation(text: str) -> Operation:
    data = json.loads(text)
    data["type"] = OperationType(data["type"])
    data["status"] = OperationStatus(data["status"])
    if data.get("error") is not None:
        data["error"] = ErrorObject.from_dict(data["error"])
    return Operation(**data)


def _encode_error(error: Optional[ErrorObject]) -> Optional[str]:
    return json.dumps(error.to_dict(), separators=(",", ":")) if error else None


def check_size(what: str, *texts: Optional[str]) -> int:
    """Bytes of an item holding ``texts``; PayloadTooLargeError before DynamoDB would refuse it."""
    size = sum(len(t.encode()) for t in texts if t) + ITEM_OVERHEAD_BYTES
    if size > MAX_ITEM_BYTES:
        raise PayloadTooLargeError(
            f"{what} is {size} bytes serialized; a checkpointed item is limited to "
            f"{MAX_ITEM_BYTES} bytes (DynamoDB's 400 KB) — keep large data elsewhere (S3) "
            "and checkpoint a reference")
    return size


@dataclass
class _Loaded:
    """What a lease holder knows about its execution (kept between checkpoints)."""

    record: ExecutionRecord
    positions: dict[str, int]
    op_count: int
    settled_version: int
    wakes: int = 0  # outside completions counted on the header when this view was loaded
    commit_seq: Optional[int] = None  # header's counter as last seen; None: item predates it


# --- the store --------------------------------------------------------------------------

class DynamoDBStore:
    """CheckpointStore over the workflow table (see module docstring). Thread-safe enough for
    one holder per execution: per-holder caches are keyed by (execution id, holder)."""

    def __init__(self, table: Optional[str] = None,
                 clock: Optional[Callable[[], int]] = None) -> None:
        self.table = table or get_settings().require("workflow_table")
        self._clock = clock or now_ms
        self._cache: "OrderedDict[tuple[str, str], _Loaded]" = OrderedDict()
        self._cache_lock = threading.Lock()  # one host serves executions in threads

    def now_ms(self) -> int:
        """Time of operation records (epoch ms); the engine uses it too. Leases use wall time."""
        return self._clock()

    # keys
    @staticmethod
    def _header_key(execution_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"exec#{execution_id}"}, "sk": {"S": META}}

    @staticmethod
    def _op_key(execution_id: str, operation_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"exec#{execution_id}"}, "sk": {"S": f"op#{operation_id}"}}

    @staticmethod
    def _ref_key(prefix: str, ref: str) -> dict[str, Any]:
        return {"pk": {"S": f"{prefix}#{ref}"}, "sk": {"S": "#ref"}}

    @property
    def _ddb(self) -> Any:
        return aws.client("dynamodb")

    # --- start / read ---------------------------------------------------------------------
    def start_execution(self, function_name: str, input: str | None, name: str | None = None,
                        parent: dict[str, str] | None = None) -> tuple[ExecutionRecord, bool]:
        """Create an execution; with ``name`` idempotent per (function, name)."""
        check_size(f"input of a {function_name!r} execution", input)
        execution_id = uuid.uuid4().hex
        created = self.now_ms()
        header = {**self._header_key(execution_id), "function_name": {"S": function_name},
                  "name": _s(name), "status": {"S": ExecutionStatus.RUNNING.value},
                  "input": _s(input), "created_ms": {"N": str(created)},
                  "version": {"N": "0"}, "op_count": {"N": "0"}, "settled_version": {"N": "0"},
                  "commit_seq": {"N": "0"},
                  "parent": _s(json.dumps(parent) if parent else None)}
        put = {"TableName": self.table, "Item": header,
               "ConditionExpression": "attribute_not_exists(pk)"}
        if name is None:
            self._ddb.put_item(**put)
        else:
            ref = {**self._ref_key("name", f"{function_name}#{name}"),
                   "execution_id": {"S": execution_id}}
            try:
                self._ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": self.table, "Item": ref,
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                    {"Put": put}])
            except Exception as exc:
                if aws.error_code(exc) != "TransactionCanceledException":
                    raise
                existing = self._ddb.get_item(
                    TableName=self.table, Key=self._ref_key("name", f"{function_name}#{name}"),
                    ConsistentRead=True).get("Item")
                if not existing:
                    raise
                return self.get(existing["execution_id"]["S"]), False
        record = ExecutionRecord(execution_id=execution_id, function_name=function_name,
                                 name=name, status=ExecutionStatus.RUNNING, input=input,
                                 created_ms=created, parent=dict(parent) if parent else None)
        return record, True

    def find_by_name(self, function_name: str, name: str) -> Optional[str]:
        """Execution id started under ``name`` for ``function_name``, or None."""
        item = self._ddb.get_item(TableName=self.table,
                                  Key=self._ref_key("name", f"{function_name}#{name}"),
                                  ConsistentRead=True).get("Item")
        return item["execution_id"]["S"] if item else None

    def get(self, execution_id: str) -> ExecutionRecord:
        """Header (GetItem) + operations (paginated Query), strongly consistent."""
        item = self._ddb.get_item(TableName=self.table, Key=self._header_key(execution_id),
                                  ConsistentRead=True).get("Item")
        if not item:
            raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
        return self._load(execution_id, item).record

    def describe(self, execution_id: str) -> ExecutionRecord:
        """The header only (one GetItem): status, result, error — no operations."""
        item = self._ddb.get_item(TableName=self.table, Key=self._header_key(execution_id),
                                  ConsistentRead=True).get("Item")
        if not item:
            raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
        return _record_from_header(execution_id, item)

    def _load(self, execution_id: str, header: dict[str, Any]) -> _Loaded:
        record = _record_from_header(execution_id, header)
        seq_ops: list[tuple[int, Operation]] = []
        params: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :op)",
            "ExpressionAttributeValues": {":pk": {"S": f"exec#{execution_id}"},
                                          ":op": {"S": "op#"}},
            "ProjectionExpression": "seq, #d", "ExpressionAttributeNames": {"#d": "data"}}
        for _ in range(1_000_000):  # bounded: one page per MB of operations
            page = self._ddb.query(**params)
            seq_ops.extend((int(i["seq"]["N"]), decode_operation(i["data"]["S"]))
                           for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        seq_ops.sort(key=lambda pair: pair[0])
        record.operations = [op for _, op in seq_ops]
        return _Loaded(record, {op.id: i for i, op in enumerate(record.operations)},
                       int(header.get("op_count", {}).get("N", len(seq_ops))),
                       int(header.get("settled_version", {}).get("N", 0)),
                       int(header.get("wakes", {}).get("N", 0)), _commit_seq(header))

    # --- lease ------------------------------------------------------------------------------
    def acquire(self, execution_id: str, holder: str, lease_ms: int) -> ExecutionRecord:
        """Take the lease (one conditional UpdateItem) and load the operations (Query)."""
        now = now_ms()
        try:
            header = self._ddb.update_item(
                TableName=self.table, Key=self._header_key(execution_id),
                UpdateExpression="SET lease_holder = :h, lease_expires_ms = :exp",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(lease_holder)"
                                    " OR lease_expires_ms <= :now OR lease_holder = :h)",
                ExpressionAttributeValues={":h": {"S": holder}, ":now": {"N": str(now)},
                                           ":exp": {"N": str(now + lease_ms)}},
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )["Attributes"]
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":
                raise
            old = getattr(exc, "response", {}).get("Item") or self._ddb.get_item(
                TableName=self.table, Key=self._header_key(execution_id),
                ConsistentRead=True).get("Item")
            if not old:
                raise ExecutionNotFoundError(f"no durable execution {execution_id!r}") from None
            raise ExecutionBusyError(
                f"execution {execution_id!r} is leased by {_get_s(old, 'lease_holder')!r} "
                f"until {old.get('lease_expires_ms', {}).get('N')}") from None
        loaded = self._load(execution_id, header)
        self._remember(execution_id, holder, loaded)
        return _copy(loaded.record)

    def needs_recovery(self, execution_id: str, holder: str) -> bool:
        """True when the last invocation checkpointed but did not settle (crashed before its
        effects — timers, child starts — were done); valid after ``acquire``."""
        loaded = self._cached(execution_id, holder)
        return bool(loaded and loaded.settled_version != loaded.record.version)

    def release(self, execution_id: str, holder: str, settled: bool = True) -> bool:
        """Drop the lease if ``holder`` has it (one UpdateItem; two when woken). ``settled``:
        this holder performed the effects of everything it checkpointed (recorded as
        ``settled_version``).

        Returns True when an operation was completed from outside (``complete_external``)
        after this holder loaded the execution: its resume may have met the busy lease, so the
        caller should resume the execution again."""
        loaded = self._forget(execution_id, holder)
        values: dict[str, Any] = {":h": {"S": holder}}
        update = "REMOVE lease_holder, lease_expires_ms"
        if settled and loaded is not None:
            update = "SET settled_version = :sv " + update
            values[":sv"] = {"N": str(loaded.record.version)}
        params = {"TableName": self.table, "Key": self._header_key(execution_id),
                  "UpdateExpression": update}
        if loaded is not None:  # first try: nothing completed from outside since we loaded
            try:
                self._ddb.update_item(
                    **params, ExpressionAttributeValues={**values, ":w": {"N": str(loaded.wakes)}},
                    ConditionExpression="lease_holder = :h AND "
                                        "(attribute_not_exists(wakes) OR wakes = :w)")
                return False
            except Exception as exc:
                if aws.error_code(exc) != "ConditionalCheckFailedException":
                    raise
        try:
            self._ddb.update_item(**params, ExpressionAttributeValues=values,
                                  ConditionExpression="lease_holder = :h")
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False
        return loaded is not None

    # --- checkpoint -------------------------------------------------------------------------
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
            "Item": {**self._op_key(execution_id, op.id), "seq": {"N": str(seq)},
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
                    "TableName": self.table, "Key": self._header_key(execution_id),
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
        item = {**self._ref_key("cb", op.callback_id or ""), "execution_id": {"S": execution_id},
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

    # --- finish -----------------------------------------------------------------------------
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
                    TableName=self.table, Key=self._header_key(execution_id),
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

    # --- outside the lease -------------------------------------------------------------------
    def complete_external(self, execution_id: str, operation_id: str,
                          update: OperationUpdate) -> bool:
        """Finish an open operation without the lease: BatchGetItem (the op and the header's
        ``commit_seq``) + one TransactWriteItems of the op (conditional on its status) and, on
        the header, ``wakes += 1`` and the next commit number (conditional on the counter). False
        when it was already finished. The fence ``version`` is not bumped, so a running lease holder stays
        valid (its own write of this op is conditioned on the op's status); ``wakes`` tells it
        at ``release`` that something completed while it ran."""
        check_size(f"result of operation {operation_id!r}", update.payload,
                   _encode_error(update.error))
        for attempt in range(_EXTERNAL_ATTEMPTS):
            header, item = self._read_for_external(execution_id, operation_id)
            if not header:
                raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
            if not item:
                raise InvalidCheckpointError(
                    f"execution {execution_id!r} has no operation {operation_id!r}")
            op = decode_operation(item["data"]["S"])
            if op.status in FINISHED or op.status not in OPEN_STATUSES:
                return False
            counter = _commit_seq(header)
            number = (counter or 0) + 1
            new = apply_update(op, update, self.now_ms(), seq=number)
            try:
                self._ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": self.table,
                             "Item": {**item, "status": {"S": new.status.value},
                                      "data": {"S": encode_operation(new)}},
                             "ConditionExpression": "#st = :old",
                             "ExpressionAttributeNames": {"#st": "status"},
                             "ExpressionAttributeValues": {":old": {"S": op.status.value}}}},
                    {"Update": {"TableName": self.table, "Key": self._header_key(execution_id),
                                "UpdateExpression": "SET commit_seq = :n ADD wakes :one",
                                "ConditionExpression": _seq_condition(counter),
                                "ExpressionAttributeValues": {
                                    ":one": {"N": "1"}, ":n": {"N": str(number)},
                                    **_seq_values(counter)}}}])
                return True
            except Exception as exc:
                if aws.error_code(exc) != "TransactionCanceledException":
                    raise
                # the op changed, a checkpoint took commit numbers, or a concurrent transaction
                time.sleep(0.01 * (attempt + 1))
        raise FencedError(f"operation {operation_id!r} of execution {execution_id!r} kept "
                          f"changing; external {update.action.value} not applied")

    def _read_for_external(self, execution_id: str, operation_id: str
                           ) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
        """(header's counter attributes, operation item) in one strongly consistent
        BatchGetItem; None for a missing item."""
        keys = [self._header_key(execution_id), self._op_key(execution_id, operation_id)]
        request = {self.table: {"Keys": keys, "ConsistentRead": True,
                                "ProjectionExpression": "pk, sk, seq, #st, #d, commit_seq",
                                "ExpressionAttributeNames": {"#st": "status", "#d": "data"}}}
        found: dict[str, dict[str, Any]] = {}
        for _ in range(_EXTERNAL_ATTEMPTS):  # bounded: unprocessed keys under throttling
            answer = self._ddb.batch_get_item(RequestItems=request)
            for got in answer.get("Responses", {}).get(self.table, []):
                found[got["sk"]["S"]] = got
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return found.get(META), found.get(f"op#{operation_id}")
            time.sleep(0.01)
        raise FencedError(f"execution {execution_id!r}: reading operation {operation_id!r} was "
                          "throttled; outside completion not applied, retry")

    def find_callback(self, callback_id: str) -> tuple[str, str]:
        info = self.callback_info(callback_id)
        return info["execution_id"], info["operation_id"]

    def callback_info(self, callback_id: str) -> dict[str, Any]:
        """The callback index item: execution_id, operation_id, function_name, timeout_ms,
        heartbeat_seconds, heartbeat_deadline_ms (numbers as int, absent when unset)."""
        if not isinstance(callback_id, str) or not callback_id or len(callback_id) > 512:
            raise CallbackNotFoundError(f"no callback with id {callback_id!r}")
        item = self._ddb.get_item(TableName=self.table, Key=self._ref_key("cb", callback_id),
                                  ConsistentRead=True).get("Item")
        if not item:
            raise CallbackNotFoundError(f"no callback with id {callback_id!r}")
        info: dict[str, Any] = {k: v["S"] for k, v in item.items() if "S" in v}
        info.update({k: int(float(v["N"])) for k, v in item.items() if "N" in v})
        if "heartbeat_seconds" in item:
            info["heartbeat_seconds"] = float(item["heartbeat_seconds"]["N"])
        return info

    def heartbeat(self, callback_id: str) -> int:
        """Push the callback's heartbeat deadline to now + its heartbeat timeout; returns it."""
        info = self.callback_info(callback_id)
        seconds = info.get("heartbeat_seconds")
        if not seconds:
            return 0
        deadline = self.now_ms() + int(seconds * 1000)
        self._ddb.update_item(
            TableName=self.table, Key=self._ref_key("cb", callback_id),
            UpdateExpression="SET heartbeat_deadline_ms = :d",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":d": {"N": str(deadline)}})
        return deadline

    # --- helpers ------------------------------------------------------------------------------
    def _holder_view(self, execution_id: str, holder: str) -> _Loaded:
        loaded = self._cached(execution_id, holder)
        if loaded is None:  # another store instance acquired: load (the fence still holds)
            item = self._ddb.get_item(TableName=self.table, Key=self._header_key(execution_id),
                                      ConsistentRead=True).get("Item")
            if not item:
                raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
            if _get_s(item, "lease_holder") != holder:
                raise FencedError(
                    f"execution {execution_id!r}: {holder!r} does not hold the lease")
            loaded = self._load(execution_id, item)
            self._remember(execution_id, holder, loaded)
        return loaded

    def _remember(self, execution_id: str, holder: str, loaded: _Loaded) -> None:
        with self._cache_lock:
            self._cache[(execution_id, holder)] = loaded
            self._cache.move_to_end((execution_id, holder))
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)

    def _cached(self, execution_id: str, holder: str) -> Optional[_Loaded]:
        with self._cache_lock:
            return self._cache.get((execution_id, holder))

    def _forget(self, execution_id: str, holder: str) -> Optional[_Loaded]:
        with self._cache_lock:
            return self._cache.pop((execution_id, holder), None)


def _record_from_header(execution_id: str, item: dict[str, Any]) -> ExecutionRecord:
    error = _get_s(item, "error")
    parent = _get_s(item, "parent")
    return ExecutionRecord(
        execution_id=execution_id, function_name=_get_s(item, "function_name") or "",
        name=_get_s(item, "name"), status=ExecutionStatus(_get_s(item, "status")),
        input=_get_s(item, "input"), created_ms=int(item["created_ms"]["N"]),
        version=int(item.get("version", {}).get("N", 0)), result=_get_s(item, "result"),
        error=ErrorObject.from_dict(json.loads(error)) if error else None,
        parent=json.loads(parent) if parent else None)


def _copy(record: ExecutionRecord) -> ExecutionRecord:
    from dataclasses import replace
    return replace(record, operations=list(record.operations),
                   parent=dict(record.parent) if record.parent else None)


def _commit_seq(header: dict[str, Any]) -> Optional[int]:
    """The header's commit counter; None for an item written before it existed."""
    value = header.get("commit_seq")
    return int(value["N"]) if value else None


def _seq_condition(counter: Optional[int]) -> str:
    """Condition: the header's commit counter is still ``counter`` (as last seen)."""
    return "attribute_not_exists(commit_seq)" if counter is None else "commit_seq = :seq"


def _seq_values(counter: Optional[int]) -> dict[str, Any]:
    return {} if counter is None else {":seq": {"N": str(counter)}}


def _numbered(op: Operation, prior: Optional[Operation], base: int) -> Operation:
    """``op`` with the commit numbers it got in this checkpoint (relative) moved to ``base``."""
    changes: dict[str, int] = {}
    if op.start_seq is not None and (prior is None or prior.start_seq is None):
        changes["start_seq"] = base + op.start_seq
    if op.end_seq is not None and (prior is None or prior.end_seq is None):
        changes["end_seq"] = base + op.end_seq
    return op.with_changes(**changes) if changes else op


def _moved_seq(old: dict[str, Any], holder: str, loaded: _Loaded) -> Optional[int]:
    """The header's new counter when only it changed under ``holder`` (an outside completion
    took a number); None when the lease or the version changed (fenced)."""
    if (_get_s(old, "lease_holder") != holder
            or int(old.get("version", {}).get("N", -1)) != loaded.record.version):
        return None
    counter = _commit_seq(old)
    return counter if counter is not None and counter != loaded.commit_seq else None


def _counter_moved(exc: Exception, holder: str, loaded: _Loaded) -> Optional[int]:
    """For a cancelled checkpoint transaction: the fresh counter when the fence failed only on
    it (and no operation's condition failed); otherwise None."""
    if aws.error_code(exc) != "TransactionCanceledException":
        return None
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    if not reasons or reasons[0].get("Code") != "ConditionalCheckFailed" or any(
            r.get("Code") not in (None, "None") for r in reasons[1:]):
        return None
    return _moved_seq(reasons[0].get("Item") or {}, holder, loaded)


def _checkpoint_error(exc: Exception, execution_id: str, holder: str,
                      items: list[dict[str, Any]]) -> Exception:
    if aws.error_code(exc) != "TransactionCanceledException":
        return exc
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    for reason, write in zip(reasons[1:], items):
        if reason.get("Code") == "ConditionalCheckFailed":
            sk = write["Put"]["Item"]["sk"]["S"]
            return FencedError(f"execution {execution_id!r}: {sk} changed outside this writer "
                               "(completed externally); checkpoint rejected, replay to continue")
    if not reasons or reasons[0].get("Code") == "ConditionalCheckFailed":
        return FencedError(f"execution {execution_id!r}: {holder!r} no longer holds the lease "
                           "or another writer checkpointed; checkpoint rejected")
    return exc
