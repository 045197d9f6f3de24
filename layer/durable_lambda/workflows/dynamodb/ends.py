"""How an invocation ends: ``release`` (suspended) and ``finish`` (terminal), each recording its
InvocationCompleted event (and that of a dead holder it took over) in the same call; and the
retention of a finished execution (``ttl`` on every one of its items).

Calls: ``release`` = 1 TransactWriteItems (header update + event item; 2 when an outside
completion arrived meanwhile); ``finish`` = 1 TransactWriteItems (+1 per race with an outside
completion), then, with retention on, 1 Query per MB of the execution's items and 1
BatchWriteItem per 25 items to set their ``ttl`` (the header and the event items finish writes
carry it already).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError
from durable_lambda.workflows.dynamodb.base import StoreBase
from durable_lambda.workflows.dynamodb.event_items import event_items
from durable_lambda.workflows.dynamodb.items import (
    _RACE_ATTEMPTS,
    META,
    _encode_error,
    _get_s,
    _Loaded,
    _s,
    callback_ref_item,
    check_size,
    decode_operation,
    header_key,
    ref_key,
)
from durable_lambda.workflows.dynamodb.sequence import _moved_seq, _seq_condition, _seq_values
from durable_lambda.workflows.errors import InvalidCheckpointError
from durable_lambda.workflows.events import invocation_event
from durable_lambda.workflows.model import (
    ErrorObject,
    ExecutionStatus,
    OperationType,
)

log = logging.getLogger("durable_lambda")
_BATCH_WRITE = 25
_UNPROCESSED_ATTEMPTS = 8
DAY_SECONDS = 86_400


class InvocationEnds(StoreBase):
    """``release``, ``finish`` and the retention sweep."""

    def release(self, execution_id: str, holder: str, settled: bool = True,
                error: Optional[ErrorObject] = None) -> bool:
        """Drop the lease if ``holder`` has it and record its InvocationCompleted (``error``:
        why the invocation failed, if it did; the header's ``failed_invocations`` counts such
        ends in a row, reset by one without error). ``settled``: this holder performed the
        effects of everything it checkpointed (recorded as ``settled_version``).

        Returns True when an operation was completed from outside (``complete_external``)
        after this holder loaded the execution: its resume may have met the busy lease, so the
        caller should resume the execution again."""
        loaded = self._forget(execution_id, holder)
        values: dict[str, Any] = {":h": {"S": holder}}
        sets: list[str] = []
        removes = ["lease_holder", "lease_expires_ms"]
        if settled and loaded is not None:
            sets.append("settled_version = :sv")
            values[":sv"] = {"N": str(loaded.record.version)}
        puts = self._end_events(execution_id, holder, loaded, error, None)
        if puts and loaded is not None:  # the failed invocations in a row, as recorded
            if error is None:
                removes.append("failed_invocations")
            else:
                sets.append("failed_invocations = :fi")
                values[":fi"] = {"N": str(loaded.failed_invocations + 1)}
        update = (f"SET {', '.join(sets)} " if sets else "") + f"REMOVE {', '.join(removes)}"
        params = {"TableName": self.table, "Key": header_key(execution_id),
                  "UpdateExpression": update}
        if loaded is not None:  # first try: nothing completed from outside since we loaded
            try:
                self._end_write({
                    **params, "ExpressionAttributeValues": {**values,
                                                            ":w": {"N": str(loaded.wakes)}},
                    "ConditionExpression": "lease_holder = :h AND "
                                           "(attribute_not_exists(wakes) OR wakes = :w)"}, puts)
                return False
            except Exception as exc:
                if _failed_on(exc) is None:
                    raise
        try:
            self._end_write({**params, "ExpressionAttributeValues": values,
                             "ConditionExpression": "lease_holder = :h"}, puts)
        except Exception as exc:
            if _failed_on(exc) is None:
                raise
            return False  # the lease was taken over: whoever took it records this invocation
        return loaded is not None

    def finish(self, execution_id: str, holder: str, status: ExecutionStatus,
               result: str | None = None, error: ErrorObject | None = None, *,
               invocation_error: ErrorObject | None = None) -> None:
        """Terminal status + result, the invocation's end (with ``invocation_error`` when the
        invocation itself failed) and lease release in one fenced transaction; the new
        ``version`` is above every commit number handed out (retried if an outside completion
        took one). With retention on, every item gets its ``ttl``."""
        error_json = _encode_error(error)
        check_size(f"result of execution {execution_id!r}", result, error_json)
        loaded = self._holder_view(execution_id, holder)
        self._forget(execution_id, holder)
        ttl = self._ttl()
        for attempt in range(_RACE_ATTEMPTS):
            _, update = self._terminal_update(execution_id, status, result, error_json,
                                              loaded.record.version, loaded.commit_seq, ttl)
            update["ConditionExpression"] = "lease_holder = :h AND " + update[
                "ConditionExpression"]
            update["ExpressionAttributeValues"][":h"] = {"S": holder}
            update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            try:
                self._end_write(update, self._end_events(execution_id, holder, loaded,
                                                         invocation_error, ttl))
                break
            except Exception as exc:
                old = _failed_on(exc)
                if old is None:
                    raise
                if _get_s(old, "status") not in (None, ExecutionStatus.RUNNING.value):
                    raise InvalidCheckpointError(
                        f"execution {execution_id!r} already finished ({_get_s(old, 'status')})"
                    ) from None
                moved = _moved_seq(old, holder, loaded)
                if moved is None or attempt == _RACE_ATTEMPTS - 1:
                    raise FencedError(
                        f"execution {execution_id!r}: {holder!r} no longer holds the lease "
                        "(or the execution changed); finish rejected") from None
                loaded.commit_seq = moved  # an outside completion took a number meanwhile
        if ttl is not None:
            self.expire_items(execution_id, loaded.record.function_name, loaded.record.name, ttl)

    def _terminal_update(self, execution_id: str, status: ExecutionStatus,
                         result: Optional[str], error_json: Optional[str], version: int,
                         commit_seq: Optional[int], ttl: Optional[int]
                         ) -> tuple[int, dict[str, Any]]:
        """The UpdateItem that ends a RUNNING execution seen at ``version`` / ``commit_seq``:
        terminal status, result, error, end time, lease removed, ``ttl``; its new version is
        above every commit number handed out, so its event sorts last. Returns (new version,
        the request); whoever calls it adds its own conditions (``finish``: the lease)."""
        new_version = max(version, commit_seq or 0) + 1
        values: dict[str, Any] = {
            ":st": {"S": status.value}, ":r": _s(result), ":e": _s(error_json),
            ":now": {"N": str(self.now_ms())}, ":v": {"N": str(version)},
            ":nv": {"N": str(new_version)}, ":running": {"S": ExecutionStatus.RUNNING.value},
            **_seq_values(commit_seq)}
        names = {"#st": "status", "#r": "result", "#e": "error"}
        expression = ("SET #st = :st, #r = :r, #e = :e, end_ms = :now, version = :nv, "
                      "settled_version = :nv, commit_seq = :nv")
        if ttl is not None:
            expression += ", #ttl = :ttl"
            values[":ttl"] = {"N": str(ttl)}
            names["#ttl"] = "ttl"
        return new_version, {
            "TableName": self.table, "Key": header_key(execution_id),
            "UpdateExpression": expression + " REMOVE lease_holder, lease_expires_ms",
            "ConditionExpression": "version = :v AND #st = :running AND "
                                   + _seq_condition(commit_seq),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}

    def expire_items(self, execution_id: str, function_name: str, name: Optional[str],
                     ttl: int) -> int:
        """Set ``ttl`` on every item of the (finished) execution that lacks it: its operation
        and event items (Query) and its name and callback index items (BatchWriteItem). Nothing
        writes them any more (outside completions need a RUNNING execution). Best effort: a
        failure is logged, the items stay. Returns how many items were written."""
        try:
            puts = self._ttl_puts(execution_id, function_name, name, ttl)
            for start in range(0, len(puts), _BATCH_WRITE):
                self._batch_write(puts[start:start + _BATCH_WRITE])
            return len(puts)
        except Exception as exc:  # noqa: BLE001 - retention must not fail a finished run
            log.warning("execution %s finished, but setting ttl on its items failed: %s: %s",
                        execution_id, type(exc).__name__, exc)
            return 0

    def _ttl_puts(self, execution_id: str, function_name: str, name: Optional[str],
                  ttl: int) -> list[dict[str, Any]]:
        stamp = {"ttl": {"N": str(ttl)}}
        puts: list[dict[str, Any]] = []
        if name is not None:
            puts.append({**ref_key("name", f"{function_name}#{name}"),
                         "execution_id": {"S": execution_id}, **stamp})
        params: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"exec#{execution_id}"}}}
        for _ in range(1_000_000):  # bounded: one page per MB of items
            page = self._ddb.query(**params)
            for item in page.get("Items", []):
                if item["sk"]["S"] == META or "ttl" in item:
                    continue
                puts.append({**item, **stamp})
                if item["sk"]["S"].startswith("op#"):
                    op = decode_operation(item["data"]["S"])
                    if op.type is OperationType.CALLBACK and op.callback_id:
                        puts.append({**callback_ref_item(execution_id, function_name, op),
                                     **stamp})
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return puts

    def _batch_write(self, items: list[dict[str, Any]]) -> None:
        request = {self.table: [{"PutRequest": {"Item": item}} for item in items]}
        for attempt in range(_UNPROCESSED_ATTEMPTS):  # bounded: unprocessed under throttling
            request = self._ddb.batch_write_item(RequestItems=request).get(
                "UnprocessedItems") or {}
            if not request:
                return
            time.sleep(0.02 * (attempt + 1))
        raise FencedError(f"{len(request.get(self.table, []))} items stayed unprocessed")

    def _ttl(self) -> Optional[int]:
        """The ``ttl`` (epoch seconds) of an execution finishing now; None: kept forever."""
        if not self.retention_days:
            return None
        return self.now_ms() // 1000 + self.retention_days * DAY_SECONDS

    def _end_events(self, execution_id: str, holder: str, loaded: Optional[_Loaded],
                    error: Optional[ErrorObject], ttl: Optional[int]) -> list[dict[str, Any]]:
        """Puts of this invocation's InvocationCompleted (and a dead holder's before it)."""
        if loaded is None or loaded.record.status is not ExecutionStatus.RUNNING:
            return []
        seq = loaded.commit_seq if loaded.commit_seq is not None else loaded.record.version
        records = [invocation_event(seq, holder, loaded.lease_start_ms or self.now_ms(),
                                    self.now_ms(), error)]
        if loaded.dead is not None:
            records.insert(0, loaded.dead)
        puts = []
        for record in records:
            suffix = f"inv#{record.request_id}#{record.start_ms}"
            for item in event_items(execution_id, [record], suffix, "an invocation"):
                if ttl is not None:
                    item["ttl"] = {"N": str(ttl)}
                puts.append({"Put": {"TableName": self.table, "Item": item}})
        return puts

    def _end_write(self, update: dict[str, Any], puts: list[dict[str, Any]]) -> None:
        if puts:
            self._ddb.transact_write_items(TransactItems=[{"Update": update}, *puts])
        else:
            self._ddb.update_item(**update)


def _failed_on(exc: Exception) -> Optional[dict[str, Any]]:
    """For a write whose header condition failed: the header as it was ({} if not returned);
    None for any other error."""
    code = aws.error_code(exc)
    response = getattr(exc, "response", {}) or {}
    if code == "ConditionalCheckFailedException":
        return response.get("Item") or {}
    if code == "TransactionCanceledException":
        reasons = response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return reasons[0].get("Item") or {}
    return None
