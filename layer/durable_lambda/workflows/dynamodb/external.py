"""Outside the lease: completing an open operation (callbacks, chained invokes, timeouts)
and the callback index (look-up, heartbeat)."""
from __future__ import annotations

import time
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.items import (
    _EXTERNAL_ATTEMPTS,
    META,
    OPEN_STATUSES,
    _encode_error,
    check_size,
    decode_operation,
    encode_operation,
    header_key,
    op_key,
    ref_key,
)
from durable_lambda.workflows.dynamodb.sequence import _commit_seq, _seq_condition, _seq_values
from durable_lambda.workflows.errors import (
    CallbackNotFoundError,
    ExecutionNotFoundError,
    InvalidCheckpointError,
)
from durable_lambda.workflows.model import ExecutionStatus, OperationUpdate
from durable_lambda.workflows.reducer import FINISHED, apply_update


class ExternalCompletions(StoreBase):
    """``complete_external``, ``find_callback``, ``callback_info``, ``heartbeat``."""

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
            if op.status in FINISHED or op.status not in OPEN_STATUSES or \
                    header.get("status", {}).get("S") != ExecutionStatus.RUNNING.value:
                return False  # the operation, or the whole execution, is over
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
                    {"Update": {"TableName": self.table, "Key": header_key(execution_id),
                                "UpdateExpression": "SET commit_seq = :n ADD wakes :one",
                                "ConditionExpression": "#st = :running AND "
                                                       + _seq_condition(counter),
                                "ExpressionAttributeNames": {"#st": "status"},
                                "ExpressionAttributeValues": {
                                    ":one": {"N": "1"}, ":n": {"N": str(number)},
                                    ":running": {"S": ExecutionStatus.RUNNING.value},
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
        keys = [header_key(execution_id), op_key(execution_id, operation_id)]
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
        item = self._ddb.get_item(TableName=self.table, Key=ref_key("cb", callback_id),
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
            TableName=self.table, Key=ref_key("cb", callback_id),
            UpdateExpression="SET heartbeat_deadline_ms = :d",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":d": {"N": str(deadline)}})
        return deadline
