"""Starting executions and reading them: headers, operations (paged), the name index."""
from __future__ import annotations

import json
import uuid
from typing import Optional

from durable_lambda.core import aws
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.items import (
    _record_from_header,
    _s,
    check_size,
    header_key,
    ref_key,
)
from durable_lambda.workflows.errors import ExecutionNotFoundError
from durable_lambda.workflows.model import ExecutionRecord, ExecutionStatus


class ExecutionReads(StoreBase):
    """``start_execution``, ``find_by_name``, ``get``, ``describe``."""

    def start_execution(self, function_name: str, input: str | None, name: str | None = None,
                        parent: dict[str, str] | None = None) -> tuple[ExecutionRecord, bool]:
        """Create an execution; with ``name`` idempotent per (function, name)."""
        check_size(f"input of a {function_name!r} execution", input)
        execution_id = uuid.uuid4().hex
        created = self.now_ms()
        header = {**header_key(execution_id), "function_name": {"S": function_name},
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
            ref = {**ref_key("name", f"{function_name}#{name}"),
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
                    TableName=self.table, Key=ref_key("name", f"{function_name}#{name}"),
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
                                  Key=ref_key("name", f"{function_name}#{name}"),
                                  ConsistentRead=True).get("Item")
        return item["execution_id"]["S"] if item else None

    def get(self, execution_id: str) -> ExecutionRecord:
        """Header (GetItem) + operations (paginated Query), strongly consistent."""
        item = self._ddb.get_item(TableName=self.table, Key=header_key(execution_id),
                                  ConsistentRead=True).get("Item")
        if not item:
            raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
        return self._load(execution_id, item).record

    def describe(self, execution_id: str) -> ExecutionRecord:
        """The header only (one GetItem): status, result, error — no operations."""
        item = self._ddb.get_item(TableName=self.table, Key=header_key(execution_id),
                                  ConsistentRead=True).get("Item")
        if not item:
            raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
        return _record_from_header(execution_id, item)
