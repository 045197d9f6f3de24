"""Actor state items in DynamoDB: lease + load in one call, save + release in one call.

Item (docs/contracts.md): ``pk = "{actor_type}#{actor_id}"``, ``state`` (JSON string),
``version`` (N), ``lease_holder``/``lease_expires_ms`` while a writer holds the actor, and
``processed`` — the ids of the most recent messages applied, saved atomically with the state.

Fencing: every save is conditioned on ``lease_holder = me AND version = the version I read``,
so a writer whose lease expired (and was taken over) can never overwrite newer state.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError, SerializationError, StateTooLargeError

#: DynamoDB's item limit is 400 KB including attribute names; keep room for the other attributes.
MAX_ITEM_BYTES = 400 * 1024
ITEM_OVERHEAD_BYTES = 1024


@dataclass
class ActorRecord:
    """What a writer loaded when it took the lease."""

    key: str
    state: dict[str, Any]
    version: int
    processed: list[str] = field(default_factory=list)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _conditional_failed(exc: Exception) -> bool:
    return aws.error_code(exc) in ("ConditionalCheckFailedException", "TransactionCanceledException")


def encode_state(key: str, state: Any, processed: list[str]) -> str:
    """Serialize state; raise SerializationError / StateTooLargeError naming the actor."""
    try:
        encoded = json.dumps(state, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"state of actor {key!r} is not JSON-serializable: {exc}") from None
    size = len(encoded.encode()) + sum(len(i) + 3 for i in processed) + ITEM_OVERHEAD_BYTES
    if size > MAX_ITEM_BYTES:
        raise StateTooLargeError(
            f"state of actor {key!r} is {size} bytes serialized; the limit is 400 KB "
            f"({MAX_ITEM_BYTES} bytes, the DynamoDB item size) — keep large data elsewhere "
            "(S3) and store a reference")
    return encoded


class ActorStore:
    """Lease, load and save actor items in the actor state table."""

    def __init__(self, table: str) -> None:
        self.table = table

    def try_acquire(self, key: str, holder: str, lease_ms: int) -> Optional[ActorRecord]:
        """Take the lease and load the item in one UpdateItem; None when another writer holds it."""
        now = _now_ms()
        try:
            item = aws.client("dynamodb").update_item(
                TableName=self.table, Key={"pk": {"S": key}},
                UpdateExpression="SET lease_holder = :h, lease_expires_ms = :exp",
                ConditionExpression=(
                    "attribute_not_exists(lease_holder) OR lease_expires_ms < :now"),
                ExpressionAttributeValues={
                    ":h": {"S": holder}, ":exp": {"N": str(now + lease_ms)},
                    ":now": {"N": str(now)}},
                ReturnValues="ALL_NEW")["Attributes"]
        except Exception as exc:
            if _conditional_failed(exc):
                return None
            raise
        return _record_from_item(key, item)

    def save(self, record: ActorRecord, holder: str, state_json: str, processed: list[str],
             release: bool, extra_writes: Optional[list[dict[str, Any]]] = None) -> int:
        """Write state at version+1 (fenced); optionally release the lease. Returns new version.

        ``extra_writes`` are TransactWriteItems entries committed atomically with the state
        (used by ``ctx.resolve``); without them this is a single UpdateItem.
        """
        update = {
            "TableName": self.table, "Key": {"pk": {"S": record.key}},
            "UpdateExpression": "SET #s = :s, #v = :nv, #p = :p"
                                + (" REMOVE lease_holder, lease_expires_ms" if release else ""),
            "ConditionExpression": "lease_holder = :h AND "
                                   "(attribute_not_exists(#v) OR #v = :v)",
            "ExpressionAttributeNames": {"#s": "state", "#v": "version", "#p": "processed"},
            "ExpressionAttributeValues": {
                ":s": {"S": state_json}, ":nv": {"N": str(record.version + 1)},
                ":v": {"N": str(record.version)}, ":h": {"S": holder},
                ":p": {"L": [{"S": i} for i in processed]}},
        }
        try:
            if extra_writes:
                aws.client("dynamodb").transact_write_items(
                    TransactItems=[{"Update": update}, *extra_writes])
            else:
                aws.client("dynamodb").update_item(**update)
        except Exception as exc:
            if aws.error_code(exc) == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons", [])  # type: ignore[attr-defined]
                if reasons and reasons[0].get("Code") != "ConditionalCheckFailed":
                    raise _extra_write_failed(exc, reasons) from None
            if _conditional_failed(exc):
                raise FencedError(
                    f"actor {record.key!r}: lease lost or state changed since version "
                    f"{record.version}; this writer's save was rejected") from None
            raise
        record.version += 1
        record.processed = list(processed)
        return record.version

    def release(self, key: str, holder: str) -> None:
        """Drop the lease if this holder still has it (no state change)."""
        try:
            aws.client("dynamodb").update_item(
                TableName=self.table, Key={"pk": {"S": key}},
                UpdateExpression="REMOVE lease_holder, lease_expires_ms",
                ConditionExpression="lease_holder = :h",
                ExpressionAttributeValues={":h": {"S": holder}})
        except Exception as exc:
            if not _conditional_failed(exc):
                raise

    def read(self, key: str) -> ActorRecord:
        """Read the committed state without taking the lease (strongly consistent)."""
        item = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item", {})
        return _record_from_item(key, item)


def _record_from_item(key: str, item: dict[str, Any]) -> ActorRecord:
    return ActorRecord(
        key=key, state=json.loads(item["state"]["S"]) if "state" in item else {},
        version=int(item["version"]["N"]) if "version" in item else 0,
        processed=[v["S"] for v in item.get("processed", {}).get("L", [])])


def _extra_write_failed(exc: Exception, reasons: list[dict[str, Any]]) -> Exception:
    from durable_lambda.core.errors import WorkflowAlreadyResolvedError

    for reason in reasons[1:]:
        if reason.get("Code") == "ConditionalCheckFailed":
            return WorkflowAlreadyResolvedError(
                "a workflow resolved in this turn was already resolved or does not exist; "
                "the turn's state was not saved")
    return exc
