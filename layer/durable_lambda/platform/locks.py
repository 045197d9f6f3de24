"""Named leases in the locks table, for work that has no state item of its own.

Used for singleton jobs (one DLQ redriver run at a time, a cron leader). Each acquisition gets
a fencing token that grows on every takeover; pass it on to anything that must reject a
stale holder. Item: ``pk = "lock#{name}"``, ``holder``, ``expires_ms``, ``token``, ``ttl``.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Optional

from durable_lambda.core import aws
from durable_lambda.core.settings import get_settings


@dataclass(frozen=True)
class Lease:
    """A held named lease."""

    name: str
    holder: str
    token: int
    expires_ms: int


def _is_conditional_failure(exc: Exception) -> bool:
    return aws.error_code(exc) == "ConditionalCheckFailedException"


class Locks:
    """Acquire, renew and release named leases (one conditional write each)."""

    def __init__(self, table: Optional[str] = None) -> None:
        self.table = table or get_settings().require("locks_table")

    def acquire(self, name: str, seconds: float, holder: Optional[str] = None) -> Optional[Lease]:
        """Take lease ``name`` for ``seconds`` if free or expired; None when someone holds it."""
        holder = holder or uuid.uuid4().hex
        now = int(time.time() * 1000)
        expires = now + int(seconds * 1000)
        try:
            item = aws.client("dynamodb").update_item(
                TableName=self.table, Key={"pk": {"S": f"lock#{name}"}},
                UpdateExpression="SET holder = :h, expires_ms = :e, #ttl = :ttl "
                                 "ADD #token :one",
                ConditionExpression="attribute_not_exists(holder) OR expires_ms < :now "
                                    "OR holder = :h",
                ExpressionAttributeNames={"#token": "token", "#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":h": {"S": holder}, ":e": {"N": str(expires)}, ":now": {"N": str(now)},
                    ":one": {"N": "1"}, ":ttl": {"N": str(expires // 1000 + 86400)}},
                ReturnValues="ALL_NEW")["Attributes"]
        except Exception as exc:
            if _is_conditional_failure(exc):
                return None
            raise
        return Lease(name, holder, int(item["token"]["N"]), expires)

    def release(self, lease: Lease) -> bool:
        """Release if still held by this holder; False when it was lost."""
        try:
            aws.client("dynamodb").update_item(
                TableName=self.table, Key={"pk": {"S": f"lock#{lease.name}"}},
                UpdateExpression="REMOVE holder, expires_ms",
                ConditionExpression="holder = :h",
                ExpressionAttributeValues={":h": {"S": lease.holder}})
        except Exception as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True
