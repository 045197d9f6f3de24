"""Listing and stopping durable executions (what the CLI adds to ``workflows.client``).

``list_executions`` scans the workflow table for execution headers (``sk = "#meta"``): a Scan
reads every item of the table (1 read unit per 4 KB), so it is bounded by ``max_pages`` and
meant for operators, not for code paths. ``stop_execution`` ends a RUNNING execution as
STOPPED in one conditional UpdateItem on its header (1 GetItem first): the version bump fences
out an invocation still running it (its next checkpoint is rejected), later resumes find it
finished, and with retention on its items get their ``ttl`` as when it finishes by itself. A
child execution is then resumed once (1 SendMessage): the host finds it finished and fails its
parent's invoke operation, as for a child that failed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.cli.errors import FAILED, NOT_FOUND, CliError

STOP_ERROR_TYPE = "ExecutionStopped"


@dataclass(frozen=True)
class ExecutionSummary:
    execution_id: str
    function_name: str
    name: Optional[str]
    status: str
    created_ms: int
    end_ms: Optional[int]

    def to_dict(self) -> dict[str, Any]:
        return {"executionId": self.execution_id, "function": self.function_name,
                "name": self.name, "status": self.status, "createdMs": self.created_ms,
                "endMs": self.end_ms}


def _s(item: dict[str, Any], name: str) -> Optional[str]:
    value = item.get(name, {})
    return value.get("S") if isinstance(value, dict) else None


def _n(item: dict[str, Any], name: str) -> Optional[int]:
    value = item.get(name, {})
    return int(value["N"]) if isinstance(value, dict) and "N" in value else None


def list_executions(function: Optional[str] = None, status: Optional[str] = None,
                    limit: int = 50, max_pages: int = 100) -> tuple[list[ExecutionSummary], bool]:
    """Execution headers, newest first (at most ``limit``); True when the scan stopped early."""
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    conditions = ["sk = :meta", "begins_with(pk, :exec)"]
    values: dict[str, Any] = {":meta": {"S": "#meta"}, ":exec": {"S": "exec#"}}
    if function:
        conditions.append("function_name = :f")
        values[":f"] = {"S": function}
    if status:
        conditions.append("#st = :st")
        values[":st"] = {"S": status.upper()}
    request: dict[str, Any] = {
        "TableName": get_settings().require("workflow_table"),
        "FilterExpression": " AND ".join(conditions), "ExpressionAttributeValues": values,
        "ProjectionExpression": "pk, function_name, #n, #st, created_ms, end_ms",
        "ExpressionAttributeNames": {"#n": "name", "#st": "status"}}
    found: list[ExecutionSummary] = []
    truncated = False
    ddb = aws.client("dynamodb")
    for page_number in range(max_pages):
        page = ddb.scan(**request)
        for item in page.get("Items", []):
            found.append(ExecutionSummary(
                item["pk"]["S"][len("exec#"):], _s(item, "function_name") or "",
                _s(item, "name"), _s(item, "status") or "?", _n(item, "created_ms") or 0,
                _n(item, "end_ms")))
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        truncated = page_number == max_pages - 1
    found.sort(key=lambda e: e.created_ms, reverse=True)
    return found[:limit], truncated or len(found) > limit


def stop_execution(execution_id: str, message: str = "stopped by an operator") -> dict[str, Any]:
    """Stop a RUNNING execution (see the module docstring); returns its final header fields."""
    from durable_lambda.core import aws
    from durable_lambda.workflows.dynamodb import DynamoDBStore
    from durable_lambda.workflows.model import ErrorObject

    store = DynamoDBStore()
    ddb = aws.client("dynamodb")
    key = {"pk": {"S": f"exec#{execution_id}"}, "sk": {"S": "#meta"}}
    header = ddb.get_item(TableName=store.table, Key=key, ConsistentRead=True).get("Item")
    if not header:
        raise CliError(f"no durable execution {execution_id!r}", NOT_FOUND)
    status = _s(header, "status")
    if status != "RUNNING":
        raise CliError(f"execution {execution_id!r} already finished ({status})", FAILED)
    version, seq = _n(header, "version") or 0, _n(header, "commit_seq")
    new_version = max(version, seq or 0) + 1
    error = ErrorObject(STOP_ERROR_TYPE, message)
    values: dict[str, Any] = {
        ":st": {"S": "STOPPED"}, ":running": {"S": "RUNNING"},
        ":e": {"S": json.dumps(error.to_dict(), separators=(",", ":"))},
        ":now": {"N": str(store.now_ms())}, ":v": {"N": str(version)},
        ":nv": {"N": str(new_version)}}
    condition = "#st = :running AND version = :v AND "
    if seq is None:
        condition += "attribute_not_exists(commit_seq)"
    else:
        condition += "commit_seq = :cs"
        values[":cs"] = {"N": str(seq)}
    expression = ("SET #st = :st, #e = :e, end_ms = :now, version = :nv, settled_version = :nv, "
                  "commit_seq = :nv")
    ttl = store.now_ms() // 1000 + store.retention_days * 86_400 if store.retention_days else None
    names = {"#st": "status", "#e": "error"}
    if ttl is not None:
        expression += ", #ttl = :ttl"
        values[":ttl"] = {"N": str(ttl)}
        names["#ttl"] = "ttl"
    try:
        ddb.update_item(TableName=store.table, Key=key,
                        UpdateExpression=expression + " REMOVE lease_holder, lease_expires_ms",
                        ConditionExpression=condition, ExpressionAttributeNames=names,
                        ExpressionAttributeValues=values)
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            raise CliError(f"execution {execution_id!r} changed while stopping it (it finished "
                           "or checkpointed): run the command again", FAILED) from None
        raise
    function_name = _s(header, "function_name") or ""
    if ttl is not None:
        store.expire_items(execution_id, function_name, _s(header, "name"), ttl)
    if _s(header, "parent"):  # the host's run of a finished child completes its parent's op
        from durable_lambda.workflows.resume import send_resume

        send_resume(function_name, execution_id, "wake", message_id=f"stop:{execution_id}")
    return {"executionId": execution_id, "status": "STOPPED", "error": error.to_dict()}
