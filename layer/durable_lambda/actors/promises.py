"""Promise-style workflows: create one, let an actor resolve it, wait for the result.

Items live in the workflow table: ``pk = "wf#{id}", sk = "#meta"`` with ``status``
(PENDING | RESOLVED), ``result`` (JSON) and a ``ttl``. Resolve is conditional, so a workflow
is resolved at most once; ``ctx.resolve`` commits it atomically with the actor's state.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.backoff import backoff_delays
from durable_lambda.core.errors import (
    SerializationError,
    WorkflowAlreadyResolvedError,
    WorkflowNotFoundError,
    WorkflowTimeoutError,
)
from durable_lambda.core.settings import get_settings

PENDING, RESOLVED = "PENDING", "RESOLVED"
DEFAULT_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class WorkflowRecord:
    """A workflow's status and, once resolved, its result."""

    workflow_id: str
    status: str
    result: Any = None
    created_ms: int = 0
    resolved_ms: Optional[int] = None

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED


def _key(workflow_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"wf#{workflow_id}"}, "sk": {"S": "#meta"}}


def _encode(result: Any) -> str:
    try:
        return json.dumps(result, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"workflow result is not JSON-serializable: {exc}") from None


class WorkflowService:
    """Create, resolve, read and await promise workflows in ``DURABLE_WORKFLOW_TABLE``."""

    def __init__(self, table: Optional[str] = None) -> None:
        self.table = table or get_settings().require("workflow_table")

    def create(self, workflow_id: Optional[str] = None,
               ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
        """Create a pending workflow (idempotent for an existing pending/resolved id)."""
        workflow_id = workflow_id or uuid.uuid4().hex
        now = int(time.time() * 1000)
        try:
            aws.client("dynamodb").put_item(
                TableName=self.table,
                Item={**_key(workflow_id), "status": {"S": PENDING},
                      "created_ms": {"N": str(now)},
                      "ttl": {"N": str(now // 1000 + ttl_seconds)}},
                ConditionExpression="attribute_not_exists(pk)")
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":
                raise
        return workflow_id

    def resolve_write(self, workflow_id: str, result: Any) -> dict[str, Any]:
        """The conditional Update (TransactWriteItems entry form) that resolves a workflow."""
        return {"TableName": self.table, "Key": _key(workflow_id),
                "UpdateExpression": "SET #st = :resolved, #r = :r, resolved_ms = :now",
                "ConditionExpression": "#st = :pending",
                "ExpressionAttributeNames": {"#st": "status", "#r": "result"},
                "ExpressionAttributeValues": {
                    ":resolved": {"S": RESOLVED}, ":pending": {"S": PENDING},
                    ":r": {"S": _encode(result)},
                    ":now": {"N": str(int(time.time() * 1000))}}}

    def resolve(self, workflow_id: str, result: Any) -> None:
        """Resolve a pending workflow; raises if missing or already resolved."""
        try:
            aws.client("dynamodb").update_item(**self.resolve_write(workflow_id, result))
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":
                raise
            self.get(workflow_id)  # raises WorkflowNotFoundError when missing
            raise WorkflowAlreadyResolvedError(
                f"workflow {workflow_id!r} is already resolved") from None

    def get(self, workflow_id: str) -> WorkflowRecord:
        """Read a workflow (strongly consistent)."""
        item = aws.client("dynamodb").get_item(
            TableName=self.table, Key=_key(workflow_id), ConsistentRead=True).get("Item")
        if not item:
            raise WorkflowNotFoundError(f"no workflow with id {workflow_id!r}")
        return WorkflowRecord(
            workflow_id=workflow_id, status=item["status"]["S"],
            result=json.loads(item["result"]["S"]) if "result" in item else None,
            created_ms=int(item.get("created_ms", {}).get("N", 0)),
            resolved_ms=int(item["resolved_ms"]["N"]) if "resolved_ms" in item else None)

    def wait(self, workflow_id: str, timeout_seconds: float = 30.0,
             max_poll_seconds: float = 1.0) -> Any:
        """Poll until the workflow is resolved and return its result (bounded by timeout)."""
        deadline = time.monotonic() + timeout_seconds
        record = self.get(workflow_id)
        for delay in backoff_delays(deadline, base=0.05, cap=max_poll_seconds):
            if record.resolved:
                return record.result
            time.sleep(delay)
            record = self.get(workflow_id)
        if record.resolved:
            return record.result
        raise WorkflowTimeoutError(
            f"workflow {workflow_id!r} not resolved within {timeout_seconds}s")
