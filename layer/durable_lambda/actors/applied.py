"""Which messages an actor has applied: a message is applied at most once, however late.

Recent ids sit on the actor item (``processed``, with each message's ``sentAt`` in
``processed_at``), saved with the state. When more than twice ``DURABLE_PROCESSED_IDS_KEPT``
accumulate, the oldest are archived — in the same transaction as the state — into one item
``pk = "~applied#{hash of the actor key}#{version}"`` holding their hashes, with a ``ttl`` of
``HORIZON_MS``; the actor item keeps an index entry ``"version,min_sent,max_sent"`` per archive.

A message that is not among the recent ids is looked up only when its ``sentAt`` is not newer
than every archived id (``floor``): a newer one cannot have been applied and archived. Fresh
messages thus cost nothing; a late one (redriven from the DLQ, a timer fired again, an effect
re-delivered after a crash) costs one GetItem/BatchGetItem. What can no longer be told — a
message older than ``HORIZON_MS`` or than the archives dropped to keep the index bounded — is
refused with ``StaleMessageError`` (dead-lettered, then parked), never applied a second time.
``sentAt`` comes from the envelope, unchanged on every re-delivery, so no clock is compared
with another.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import DurableError

#: how long archived ids are kept: the DLQ's 14-day retention plus a day
HORIZON_MS = 15 * 24 * 3600 * 1000
#: archive index entries kept on the actor item (each archive holds DURABLE_PROCESSED_IDS_KEPT)
MAX_ARCHIVES = 512
#: recent ids are archived early when they take more than this (ids may be 1 KB each)
MAX_RECENT_BYTES = 64 * 1024
ARCHIVE_PREFIX = "~applied#"
#: BatchGetItem rounds for unprocessed keys before a look-up gives up (the message is retried)
MAX_BATCH_READS = 5


class StaleMessageError(DurableError):
    """A message too old for the actor to tell whether it was already applied."""


def id_hash(message_id: str) -> str:
    """The 128-bit digest an archive stores for a message id."""
    return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def archive_key(actor_key: str, version: int) -> str:
    """The archive item written by the commit that made ``version``."""
    digest = hashlib.sha256(actor_key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{ARCHIVE_PREFIX}{digest}#{version}"


@dataclass
class Applied:
    """An actor's memory of applied messages, as loaded with its item."""

    ids: list[str]
    sent: list[int]
    archived: list[str] = field(default_factory=list)
    forgotten_ms: int = 0

    def __post_init__(self) -> None:
        if len(self.sent) != len(self.ids):  # items written before sentAt was kept
            self.sent = [0] * (len(self.ids) - len(self.sent)) + self.sent[-len(self.ids):]
        self._recent = set(self.ids)

    def recent(self, message_id: str) -> bool:
        return message_id in self._recent

    def add(self, message_id: str, sent_at: int) -> None:
        self.ids.append(message_id)
        self.sent.append(sent_at)
        self._recent.add(message_id)

    @property
    def floor_ms(self) -> int:
        """No message with a newer sentAt has been archived or forgotten."""
        return max([self.forgotten_ms, *(_entry(e)[2] for e in self.archived)])

    def must_look_up(self, message_id: str, sent_at: int) -> bool:
        """True when the recent ids cannot tell alone (0 = no sentAt: recent ids only)."""
        return bool(sent_at) and not self.recent(message_id) and sent_at <= self.floor_ms

    def forgotten(self, sent_at: int, now_ms: int) -> bool:
        """True when archives that may hold a message sent at ``sent_at`` may be gone."""
        return sent_at <= self.forgotten_ms or sent_at < now_ms - HORIZON_MS

    def archives_for(self, sent_at: int) -> list[int]:
        """Versions of the archives whose sentAt range holds ``sent_at``."""
        return [v for v, low, high in map(_entry, self.archived) if low <= sent_at <= high]

    def spill(self, table: str, actor_key: str, version: int, keep: int,
              now_ms: Optional[int] = None) -> Optional[dict[str, Any]]:
        """Past ``2 * keep`` ids, move all but the newest ``keep`` to an archive item: returns
        its Put (TransactWriteItems form) for the commit that makes ``version``."""
        if len(self.ids) <= 2 * keep and sum(len(i) for i in self.ids) <= MAX_RECENT_BYTES:
            return None
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        cut = max(1, len(self.ids) - keep)
        old_ids, old_sent = self.ids[:cut], self.sent[:cut]
        self.ids, self.sent = self.ids[cut:], self.sent[cut:]
        self._recent = set(self.ids)
        low, high = min(old_sent), max(old_sent)
        self.archived.append(f"{version},{low},{high}")
        self._prune(now_ms)
        return {"Put": {"TableName": table, "Item": {
            "pk": {"S": archive_key(actor_key, version)},
            "ids": {"SS": sorted({id_hash(i) for i in old_ids})},
            "ttl": {"N": str((max(high, now_ms) + HORIZON_MS) // 1000 + 86400)}}}}

    def _prune(self, now_ms: int) -> None:
        keep = []
        for entry in self.archived:
            _, _, high = _entry(entry)
            if high < now_ms - HORIZON_MS:
                self.forgotten_ms = max(self.forgotten_ms, high)
            else:
                keep.append(entry)
        while len(keep) > MAX_ARCHIVES:
            self.forgotten_ms = max(self.forgotten_ms, _entry(keep.pop(0))[2])
        self.archived = keep


def was_archived(table: str, actor_key: str, versions: list[int], message_id: str) -> bool:
    """Look ``message_id`` up in the given archives (one GetItem or BatchGetItem)."""
    if not versions:
        return False
    digest = id_hash(message_id)
    ddb = aws.client("dynamodb")
    keys = [{"pk": {"S": archive_key(actor_key, v)}} for v in versions[-100:]]
    if len(keys) == 1:
        item = ddb.get_item(TableName=table, Key=keys[0], ConsistentRead=True,
                            ProjectionExpression="ids").get("Item", {})
        return digest in item.get("ids", {}).get("SS", [])
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True,
                                       "ProjectionExpression": "ids"}}
    for _ in range(MAX_BATCH_READS):
        answer = ddb.batch_get_item(RequestItems=request)
        if any(digest in item.get("ids", {}).get("SS", [])
               for item in answer["Responses"].get(table, [])):
            return True
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            return False
        time.sleep(0.05)
    raise DurableError(  # not refused for good: the message is retried by SQS
        f"could not read the applied-id archives of actor {actor_key!r}; retried later")


def _entry(text: str) -> tuple[int, int, int]:
    version, low, high = text.split(",")
    return int(version), int(low), int(high)
