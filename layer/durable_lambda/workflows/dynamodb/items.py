"""Items of the workflow table: keys, operation encoding, size checks, header decoding."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, fields, replace
from typing import Any, Optional

from durable_lambda.workflows.events import EventRecord
from durable_lambda.workflows.errors import PayloadTooLargeError
from durable_lambda.workflows.model import (
    ErrorObject,
    ExecutionRecord,
    ExecutionStatus,
    Operation,
    OperationStatus,
    OperationType,
)

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



def header_key(execution_id: str) -> dict[str, Any]:
    """Key of an execution's header item."""
    return {"pk": {"S": f"exec#{execution_id}"}, "sk": {"S": META}}


def op_key(execution_id: str, operation_id: str) -> dict[str, Any]:
    """Key of one operation's item."""
    return {"pk": {"S": f"exec#{execution_id}"}, "sk": {"S": f"op#{operation_id}"}}


def event_key(execution_id: str, seq: int, suffix: str) -> dict[str, Any]:
    """Key of an event item: ``ev#{seq}#{suffix}`` sorts by commit number (``suffix`` keeps
    items of one number apart: ``op``, ``inv#{holder}``)."""
    return {"pk": {"S": f"exec#{execution_id}"}, "sk": {"S": f"ev#{seq:012d}#{suffix}"}}


def ref_key(prefix: str, ref: str) -> dict[str, Any]:
    """Key of an index item (``name#...``, ``cb#...``)."""
    return {"pk": {"S": f"{prefix}#{ref}"}, "sk": {"S": "#ref"}}


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
    lease_start_ms: int = 0  # when this holder took the lease (its InvocationCompleted start)
    dead: Optional[EventRecord] = None  # the holder before, found dead: recorded at release
    #: consecutive failed invocations before this holder's (header ``failed_invocations``,
    #: written by ``release``, + the dead holder): the trailing failed InvocationCompleted
    failed_invocations: int = 0
    #: attempt events of the checkpoint being committed, by operation (relative numbers)
    staged_events: dict[str, list[EventRecord]] = field(default_factory=dict)
    stale: bool = False  # a checkpoint failed: reload before the next one


def callback_ref_item(execution_id: str, function_name: str, op: Operation) -> dict[str, Any]:
    """The callback index item of a CALLBACK operation."""
    item = {**ref_key("cb", op.callback_id or ""), "execution_id": {"S": execution_id},
            "operation_id": {"S": op.id}, "function_name": {"S": function_name}}
    if op.timeout_ms:
        item["timeout_ms"] = {"N": str(op.timeout_ms)}
    if op.heartbeat_timeout_seconds:
        item["heartbeat_seconds"] = {"N": str(op.heartbeat_timeout_seconds)}
        item["heartbeat_deadline_ms"] = {
            "N": str(op.start_ms + int(op.heartbeat_timeout_seconds * 1000))}
    return item


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
    return replace(record, operations=list(record.operations),
                   parent=dict(record.parent) if record.parent else None)

