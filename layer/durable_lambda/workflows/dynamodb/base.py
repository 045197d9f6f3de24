"""``StoreBase``: the table, clock, client and per-holder views shared by the store's parts."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError
from durable_lambda.core.settings import get_settings
from durable_lambda.workflows.dynamodb.items import (
    _CACHE_SIZE,
    _get_s,
    _Loaded,
    _record_from_header,
    decode_operation,
    header_key,
    now_ms,
)
from durable_lambda.workflows.dynamodb.sequence import _commit_seq
from durable_lambda.workflows.errors import ExecutionNotFoundError
from durable_lambda.workflows.model import Operation


class StoreBase:
    """The workflow table's name, the record clock, retention, the DynamoDB client, the
    holder views."""

    def __init__(self, table: Optional[str] = None,
                 clock: Optional[Callable[[], int]] = None,
                 retention_days: Optional[int] = None) -> None:
        settings = get_settings()
        self.table = table or settings.require("workflow_table")
        #: days a finished execution is kept (``ttl`` on all its items); 0: forever
        self.retention_days = settings.execution_retention_days if retention_days is None \
            else retention_days
        self._clock = clock or now_ms
        self._cache: "OrderedDict[tuple[str, str], _Loaded]" = OrderedDict()
        self._cache_lock = threading.Lock()  # one host serves executions in threads

    def now_ms(self) -> int:
        """Time of operation records (epoch ms); the engine uses it too. Leases use wall time."""
        return self._clock()

    @property
    def _ddb(self) -> Any:
        return aws.client("dynamodb")

    def _load(self, execution_id: str, header: dict[str, Any]) -> _Loaded:
        record = _record_from_header(execution_id, header)
        seq_ops: list[tuple[int, Operation]] = []
        params: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :op)",
            "ExpressionAttributeValues": {":pk": {"S": f"exec#{execution_id}"},
                                          ":op": {"S": "op#"}},
            "ProjectionExpression": "seq, #d", "ExpressionAttributeNames": {"#d": "data"}}
        for _ in range(1_000_000):  # bounded: one page per MB of operations
            page = self._ddb.query(**params)
            seq_ops.extend((int(i["seq"]["N"]), decode_operation(i["data"]["S"]))
                           for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        seq_ops.sort(key=lambda pair: pair[0])
        record.operations = [op for _, op in seq_ops]
        return _Loaded(record, {op.id: i for i, op in enumerate(record.operations)},
                       int(header.get("op_count", {}).get("N", len(seq_ops))),
                       int(header.get("settled_version", {}).get("N", 0)),
                       int(header.get("wakes", {}).get("N", 0)), _commit_seq(header),
                       int(header.get("lease_start_ms", {}).get("N", 0)),
                       failed_invocations=int(header.get("failed_invocations", {}).get("N", 0)))

    def _holder_view(self, execution_id: str, holder: str) -> _Loaded:
        loaded = self._cached(execution_id, holder)
        if loaded is None or loaded.stale:  # another store instance acquired, or a checkpoint
            # failed: load (the fence still holds); what the holder began with is kept
            item = self._ddb.get_item(TableName=self.table, Key=header_key(execution_id),
                                      ConsistentRead=True).get("Item")
            if not item:
                raise ExecutionNotFoundError(f"no durable execution {execution_id!r}")
            if _get_s(item, "lease_holder") != holder:
                raise FencedError(
                    f"execution {execution_id!r}: {holder!r} does not hold the lease")
            fresh = self._load(execution_id, item)
            if loaded is not None:
                fresh.lease_start_ms, fresh.dead = loaded.lease_start_ms, loaded.dead
                fresh.failed_invocations = loaded.failed_invocations
            loaded = fresh
            self._remember(execution_id, holder, loaded)
        return loaded

    def _remember(self, execution_id: str, holder: str, loaded: _Loaded) -> None:
        with self._cache_lock:
            self._cache[(execution_id, holder)] = loaded
            self._cache.move_to_end((execution_id, holder))
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)

    def _cached(self, execution_id: str, holder: str) -> Optional[_Loaded]:
        with self._cache_lock:
            return self._cache.get((execution_id, holder))

    def _forget(self, execution_id: str, holder: str) -> Optional[_Loaded]:
        with self._cache_lock:
            return self._cache.pop((execution_id, holder), None)
