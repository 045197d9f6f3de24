"""Listing and stopping durable executions for the CLI.

``list_executions`` scans the workflow table for execution headers (``sk = "#meta"``): a Scan
reads every item of the table (1 read unit per 4 KB), so it is bounded by ``max_pages`` and
meant for operators, not for code paths. ``stop_execution`` is ``workflows.client``'s (see
``workflows/dynamodb/stops.py`` for what it writes and costs) with the CLI's errors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.cli.errors import FAILED, NOT_FOUND, CliError


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
    """Stop a RUNNING execution (``workflows.client.stop_execution``); its final fields."""
    from durable_lambda.workflows.client import STOP_ERROR_TYPE
    from durable_lambda.workflows.client import stop_execution as stop
    from durable_lambda.workflows.errors import (
        ExecutionBusyError, ExecutionNotFoundError, InvalidCheckpointError)
    from durable_lambda.workflows.model import ErrorObject

    try:
        stopped = stop(execution_id, ErrorObject(STOP_ERROR_TYPE, message))
    except ExecutionNotFoundError:
        raise CliError(f"no durable execution {execution_id!r}", NOT_FOUND) from None
    except (InvalidCheckpointError, ExecutionBusyError) as exc:
        raise CliError(str(exc), FAILED) from None
    return {"executionId": execution_id, "status": stopped.status.value,
            "error": stopped.error.to_dict() if stopped.error else None}
