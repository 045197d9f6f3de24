"""Stopping an execution from outside (the service's ``StopDurableExecution``): whoever holds
its lease, a RUNNING execution ends as STOPPED with the given error.

Calls: 1 GetItem (consistent) + 1 conditional UpdateItem on the header (again per race with a
checkpoint or an outside completion, bounded); with retention on, then the ``ttl`` of every
item as when an execution finishes by itself (``InvocationEnds.expire_items``). The version
bump above every commit number fences out an invocation still running it: its next checkpoint,
release or finish is rejected, and a later resume finds the execution finished.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.workflows.dynamodb.ends import InvocationEnds
from durable_lambda.workflows.dynamodb.items import (
    _RACE_ATTEMPTS,
    _encode_error,
    _record_from_header,
    header_key,
)
from durable_lambda.workflows.dynamodb.sequence import _commit_seq, _seq_condition, _seq_values
from durable_lambda.workflows.errors import (
    ExecutionBusyError,
    ExecutionNotFoundError,
    InvalidCheckpointError,
)
from durable_lambda.workflows.model import ErrorObject, ExecutionRecord, ExecutionStatus


class ExecutionStops(InvocationEnds):
    """``stop``: end a RUNNING execution as STOPPED without holding its lease."""

    def stop(self, execution_id: str, error: ErrorObject) -> ExecutionRecord:
        """End ``execution_id`` as STOPPED with ``error``; its header as written (no
        operations). ``ExecutionNotFoundError`` if unknown, ``InvalidCheckpointError`` if it
        already finished, ``ExecutionBusyError`` if it kept changing under the stop."""
        ttl = self._ttl()
        for _ in range(_RACE_ATTEMPTS):
            header = self._ddb.get_item(TableName=self.table, Key=header_key(execution_id),
                                        ConsistentRead=True).get("Item")
            if not header:
                raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
            record = _record_from_header(execution_id, header)
            if record.status is not ExecutionStatus.RUNNING:
                raise InvalidCheckpointError(
                    f"execution {execution_id!r} already finished ({record.status.value})")
            seq = _commit_seq(header)
            new_version = max(record.version, seq or 0) + 1
            if self._stop_write(execution_id, record.version, seq, new_version, error, ttl):
                break
        else:
            raise ExecutionBusyError(f"execution {execution_id!r} kept changing while stopping "
                                     "it (checkpoints or completions): try again")
        if ttl is not None:
            self.expire_items(execution_id, record.function_name, record.name, ttl)
        return replace(record, status=ExecutionStatus.STOPPED, error=error, version=new_version)

    def _stop_write(self, execution_id: str, version: int, seq: Optional[int],
                    new_version: int, error: ErrorObject, ttl: Optional[int]) -> bool:
        """The conditional header update; False when the header changed since it was read."""
        values: dict[str, Any] = {
            ":st": {"S": ExecutionStatus.STOPPED.value},
            ":running": {"S": ExecutionStatus.RUNNING.value},
            ":e": {"S": _encode_error(error)}, ":now": {"N": str(self.now_ms())},
            ":v": {"N": str(version)}, ":nv": {"N": str(new_version)}, **_seq_values(seq)}
        names = {"#st": "status", "#e": "error"}
        expression = ("SET #st = :st, #e = :e, end_ms = :now, version = :nv, "
                      "settled_version = :nv, commit_seq = :nv")
        if ttl is not None:
            expression += ", #ttl = :ttl"
            values[":ttl"] = {"N": str(ttl)}
            names["#ttl"] = "ttl"
        try:
            self._ddb.update_item(
                TableName=self.table, Key=header_key(execution_id),
                UpdateExpression=expression + " REMOVE lease_holder, lease_expires_ms",
                ConditionExpression="#st = :running AND version = :v AND " + _seq_condition(seq),
                ExpressionAttributeNames=names, ExpressionAttributeValues=values)
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True
