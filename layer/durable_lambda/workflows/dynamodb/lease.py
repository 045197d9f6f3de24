"""The execution lease: ``acquire`` (and load), ``needs_recovery``, ``release``."""
from __future__ import annotations

from typing import Any

from durable_lambda.core import aws
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.items import _copy, _get_s, header_key, now_ms
from durable_lambda.workflows.errors import ExecutionBusyError, ExecutionNotFoundError
from durable_lambda.workflows.model import ExecutionRecord


class ExecutionLease(StoreBase):
    """One holder at a time per execution (conditional UpdateItem on the header)."""

    def acquire(self, execution_id: str, holder: str, lease_ms: int) -> ExecutionRecord:
        """Take the lease (one conditional UpdateItem) and load the operations (Query)."""
        now = now_ms()
        try:
            header = self._ddb.update_item(
                TableName=self.table, Key=header_key(execution_id),
                UpdateExpression="SET lease_holder = :h, lease_expires_ms = :exp",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(lease_holder)"
                                    " OR lease_expires_ms <= :now OR lease_holder = :h)",
                ExpressionAttributeValues={":h": {"S": holder}, ":now": {"N": str(now)},
                                           ":exp": {"N": str(now + lease_ms)}},
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )["Attributes"]
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":
                raise
            old = getattr(exc, "response", {}).get("Item") or self._ddb.get_item(
                TableName=self.table, Key=header_key(execution_id),
                ConsistentRead=True).get("Item")
            if not old:
                raise ExecutionNotFoundError(f"no durable execution {execution_id!r}") from None
            raise ExecutionBusyError(
                f"execution {execution_id!r} is leased by {_get_s(old, 'lease_holder')!r} "
                f"until {old.get('lease_expires_ms', {}).get('N')}") from None
        loaded = self._load(execution_id, header)
        self._remember(execution_id, holder, loaded)
        return _copy(loaded.record)

    def needs_recovery(self, execution_id: str, holder: str) -> bool:
        """True when the last invocation checkpointed but did not settle (crashed before its
        effects — timers, child starts — were done); valid after ``acquire``."""
        loaded = self._cached(execution_id, holder)
        return bool(loaded and loaded.settled_version != loaded.record.version)

    def release(self, execution_id: str, holder: str, settled: bool = True) -> bool:
        """Drop the lease if ``holder`` has it (one UpdateItem; two when woken). ``settled``:
        this holder performed the effects of everything it checkpointed (recorded as
        ``settled_version``).

        Returns True when an operation was completed from outside (``complete_external``)
        after this holder loaded the execution: its resume may have met the busy lease, so the
        caller should resume the execution again."""
        loaded = self._forget(execution_id, holder)
        values: dict[str, Any] = {":h": {"S": holder}}
        update = "REMOVE lease_holder, lease_expires_ms"
        if settled and loaded is not None:
            update = "SET settled_version = :sv " + update
            values[":sv"] = {"N": str(loaded.record.version)}
        params = {"TableName": self.table, "Key": header_key(execution_id),
                  "UpdateExpression": update}
        if loaded is not None:  # first try: nothing completed from outside since we loaded
            try:
                self._ddb.update_item(
                    **params, ExpressionAttributeValues={**values, ":w": {"N": str(loaded.wakes)}},
                    ConditionExpression="lease_holder = :h AND "
                                        "(attribute_not_exists(wakes) OR wakes = :w)")
                return False
            except Exception as exc:
                if aws.error_code(exc) != "ConditionalCheckFailedException":
                    raise
        try:
            self._ddb.update_item(**params, ExpressionAttributeValues=values,
                                  ConditionExpression="lease_holder = :h")
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False
        return loaded is not None
