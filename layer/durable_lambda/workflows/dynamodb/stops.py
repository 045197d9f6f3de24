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
from typing import Any

from durable_lambda.core import aws
from durable_lambda.workflows.dynamodb.ends import InvocationEnds
from durable_lambda.workflows.dynamodb.items import (
    _RACE_ATTEMPTS,
    _encode_error,
    _record_from_header,
    header_key,
)
from durable_lambda.workflows.dynamodb.sequence import _commit_seq
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
            new_version, update = self._terminal_update(
                execution_id, ExecutionStatus.STOPPED, None, _encode_error(error),
                record.version, _commit_seq(header), ttl)
            if self._stop_write(update):
                break
        else:
            raise ExecutionBusyError(f"execution {execution_id!r} kept changing while stopping "
                                     "it (checkpoints or completions): try again")
        if ttl is not None:
            self.expire_items(execution_id, record.function_name, record.name, ttl)
        return replace(record, status=ExecutionStatus.STOPPED, error=error, version=new_version)

    def _stop_write(self, update: dict[str, Any]) -> bool:
        """The conditional header update; False when the header changed since it was read."""
        try:
            self._ddb.update_item(**update)
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True
