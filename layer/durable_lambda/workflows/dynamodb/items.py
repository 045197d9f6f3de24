"""Items of the workflow table: keys, operation encoding, size checks, header decoding."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields, replace
from typing import Any, Optional

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

