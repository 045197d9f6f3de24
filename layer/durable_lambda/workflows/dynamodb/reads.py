"""Starting executions and reading them: headers, operations (paged), the name index."""
from __future__ import annotations

import json
import uuid
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.event_items import is_event_item, records_of
from durable_lambda.workflows.dynamodb.items import (
    META,
    _record_from_header,
    decode_operation,
    _s,
    check_size,
    header_key,
    ref_key,
)
from durable_lambda.workflows.errors import ExecutionNotFoundError
from durable_lambda.workflows.events import EventRecord
from durable_lambda.workflows.model import ExecutionRecord, ExecutionStatus, Operation


class ExecutionReads(StoreBase):
    """``start_execution``, ``find_by_name``, ``get``, ``describe``."""

    def start_execution(self, function_name: str, input: str | None, name: str | None = None,
                        parent: dict[str, str] | None = None,
                        execution_id: str | None = None) -> tuple[ExecutionRecord, bool]:
        """Create an execution (id: ``execution_id`` or a uuid4); with ``name`` idempotent per
        (function, name)."""
        check_size(f"input of a {function_name!r} execution", input)
        execution_id = execution_id or uuid.uuid4().hex
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
            try:
                self._ddb.put_item(**put)
            except Exception as exc:  # a given id that exists already
                if aws.error_code(exc) != "ConditionalCheckFailedException":
                    raise
                return self.get(execution_id), False
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
                if existing:
                    return self.get(existing["execution_id"]["S"]), False
                if self.find_header(execution_id):  # the id is taken under another name
                    raise InvalidRequestError(
                        f"execution {execution_id!r} exists already under another name; "
                        f"cannot start it again as {name!r}") from None
                raise
        record = ExecutionRecord(execution_id=execution_id, function_name=function_name,
                                 name=name, status=ExecutionStatus.RUNNING, input=input,
                                 created_ms=created, parent=dict(parent) if parent else None)
        return record, True

    def find_header(self, execution_id: str) -> bool:
        """True when an execution with this id exists (one GetItem of its key only)."""
        return "Item" in self._ddb.get_item(TableName=self.table, Key=header_key(execution_id),
                                            ConsistentRead=True, ProjectionExpression="pk")

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

    def load_history(self, execution_id: str) -> tuple[ExecutionRecord, list[EventRecord]]:
        """The execution and its event record: one strongly consistent Query per MB of its
        items (header, operations and events share the partition)."""
        params: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"exec#{execution_id}"}}}
        header: Optional[dict[str, Any]] = None
        seq_ops: list[tuple[int, Operation]] = []
        events: list[EventRecord] = []
        for _ in range(1_000_000):  # bounded: one page per MB
            page = self._ddb.query(**params)
            for item in page.get("Items", []):
                sk = item["sk"]["S"]
                if sk == META:
                    header = item
                elif sk.startswith("op#"):
                    seq_ops.append((int(item["seq"]["N"]), decode_operation(item["data"]["S"])))
                elif is_event_item(item):
                    events.extend(records_of(item))
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        if header is None:
            raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
        record = _record_from_header(execution_id, header)
        record.operations = [op for _, op in sorted(seq_ops, key=lambda pair: pair[0])]
        return record, sorted(events, key=lambda e: e.seq)

    def describe(self, execution_id: str) -> ExecutionRecord:
        """The header only (one GetItem): status, result, error — no operations."""
        item = self._ddb.get_item(TableName=self.table, Key=header_key(execution_id),
                                  ConsistentRead=True).get("Item")
        if not item:
            raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
        return _record_from_header(execution_id, item)
