"""The execution lease: ``acquire`` (and load), ``needs_recovery``, ``failed_invocations``
(``release``: ``ends``).

Taking over a lease that expired with no outcome finds the invocation that held it dead: the
acquire's UpdateItem copies the old lease into ``prev_*`` attributes (evaluated on the item as
it was), and the new holder records that invocation's InvocationCompleted, with an error, in
its own release or finish transaction — no call of its own.
"""
from __future__ import annotations

from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.items import _copy, _get_s, _Loaded, header_key, now_ms
from durable_lambda.workflows.errors import ExecutionBusyError, ExecutionNotFoundError
from durable_lambda.workflows.events import EventRecord, dead_invocation_event
from durable_lambda.workflows.model import ExecutionRecord, ExecutionStatus


class ExecutionLease(StoreBase):
    """One holder at a time per execution (conditional UpdateItem on the header)."""

    def acquire(self, execution_id: str, holder: str, lease_ms: int) -> ExecutionRecord:
        """Take the lease (one conditional UpdateItem) and load the operations (Query)."""
        now = now_ms()
        try:
            header = self._ddb.update_item(
                TableName=self.table, Key=header_key(execution_id),
                UpdateExpression="SET lease_holder = :h, lease_expires_ms = :exp, "
                                 "lease_start_ms = :start, lease_ms = :len, "
                                 "prev_holder = if_not_exists(lease_holder, :nil), "
                                 "prev_start_ms = if_not_exists(lease_start_ms, :zero), "
                                 "prev_lease_ms = if_not_exists(lease_ms, :zero)",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(lease_holder)"
                                    " OR lease_expires_ms <= :now OR lease_holder = :h)",
                ExpressionAttributeValues={":h": {"S": holder}, ":now": {"N": str(now)},
                                           ":exp": {"N": str(now + lease_ms)},
                                           ":start": {"N": str(self.now_ms())},
                                           ":len": {"N": str(lease_ms)},
                                           ":nil": {"S": ""}, ":zero": {"N": "0"}},
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
        loaded.dead = _dead_holder(header, holder, loaded)
        if loaded.dead is not None:  # it failed too (its end is recorded at our release)
            loaded.failed_invocations += 1
        self._remember(execution_id, holder, loaded)
        return _copy(loaded.record)

    def needs_recovery(self, execution_id: str, holder: str) -> bool:
        """True when the last invocation checkpointed but did not settle (crashed before its
        effects — timers, child starts — were done); valid after ``acquire``."""
        loaded = self._cached(execution_id, holder)
        return bool(loaded and loaded.settled_version != loaded.record.version)

    def failed_invocations(self, execution_id: str, holder: str) -> int:
        """How many invocations failed in a row before this holder's (a dead holder it took
        over included): the trailing InvocationCompleted events with an error. No call: read
        from the header the acquire returned (``release`` keeps the count); valid after
        ``acquire``."""
        loaded = self._cached(execution_id, holder)
        return loaded.failed_invocations if loaded else 0


def _dead_holder(header: dict[str, Any], holder: str, loaded: _Loaded) -> Optional[EventRecord]:
    """The invocation whose expired lease this acquire took over, if any (None when the lease
    was free — released — or re-taken by the same holder, or the execution is finished)."""
    dead = _get_s(header, "prev_holder")
    if not dead or dead == holder or loaded.record.status is not ExecutionStatus.RUNNING:
        return None
    start = int(header.get("prev_start_ms", {}).get("N", 0))
    length = int(header.get("prev_lease_ms", {}).get("N", 0))
    return dead_invocation_event(loaded.commit_seq or loaded.record.version, dead, start,
                                 start + length)
