"""Looking into the DLQ and the parked queue, and moving parked messages back.

``peek`` receives up to ``limit`` messages with a short visibility timeout and makes them
visible again at once (ChangeMessageVisibilityBatch): 1 ReceiveMessage + 1 change call per
10 messages. On a FIFO queue a receive locks each message group it returns, so a peek shows
the head of each group (as much of it as one receive returns), not every message; the queue's
approximate depth (1 GetQueueAttributes) says how many there are in all.

``requeue`` sends parked messages to the work queue with their body, group and attributes (the
redrive counter reset, the parked reason dropped) and deletes them from the parked queue only
after the send: a crash in between re-sends with the same deduplication id. A failed send holds
back the rest of its group, so the order within a group is kept.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Optional

from durable_lambda.platform.redriver import PARKED_REASON_ATTRIBUTE, REDRIVES_ATTRIBUTE

ERROR_ATTRIBUTE = "durable-error"
PEEK_VISIBILITY_SECONDS = 30


@dataclass(frozen=True)
class Peeked:
    """One message seen in a queue."""

    message_id: str
    group: str
    body: str
    sent_ms: int
    receive_count: int
    attributes: dict[str, Any]
    system: dict[str, Any]

    def attribute(self, name: str) -> Optional[str]:
        return (self.attributes.get(name) or {}).get("StringValue")

    def to_dict(self) -> dict[str, Any]:
        return {"messageId": self.message_id, "group": self.group, "sentMs": self.sent_ms,
                "receiveCount": self.receive_count,
                "redrives": int(self.attribute(REDRIVES_ATTRIBUTE) or 0),
                "error": self.attribute(ERROR_ATTRIBUTE),
                "parkedReason": self.attribute(PARKED_REASON_ATTRIBUTE), "body": self.body}


def depth(sqs: Any, url: str) -> int:
    """Approximate number of messages (visible + in flight) in the queue."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                      "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(attributes.get(n, 0)) for n in (
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))


def peek(sqs: Any, url: str, limit: int, release: bool = True
         ) -> tuple[list[Peeked], list[dict[str, Any]]]:
    """Up to ``limit`` messages (and their raw receive entries); visible again when
    ``release`` (else they stay hidden for ``PEEK_VISIBILITY_SECONDS``, for a move)."""
    raw: list[dict[str, Any]] = []
    for _ in range(limit // 10 + 2):  # bounded: a receive returns at most 10
        want = min(10, limit - len(raw))
        if want <= 0:
            break
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=want, AttributeNames=["All"],
            MessageAttributeNames=["All"], VisibilityTimeout=PEEK_VISIBILITY_SECONDS,
            WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            break
        raw += batch
    if release:
        make_visible(sqs, url, raw)
    return [_peeked(m) for m in raw], raw


def make_visible(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), 10):
        chunk = messages[start:start + 10]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(chunk)])


def _peeked(message: dict[str, Any]) -> Peeked:
    system = message.get("Attributes") or {}
    return Peeked(message["MessageId"], str(system.get("MessageGroupId") or "-"),
                  message.get("Body") or "", int(system.get("SentTimestamp") or 0),
                  int(system.get("ApproximateReceiveCount") or 0),
                  message.get("MessageAttributes") or {}, system)


def requeue(sqs: Any, parked_url: str, queue_url: str, messages: list[dict[str, Any]],
            progress: Optional[Callable[[int, int], None]] = None) -> tuple[int, int]:
    """Move ``messages`` (received from the parked queue) to the work queue; (moved, failed)."""
    from durable_lambda.core.sqs_batch import safe_group, sendable_attributes
    from durable_lambda.core.tracing import forward_attributes

    moved = failed = 0
    blocked: set[str] = set()
    for number, message in enumerate(messages, 1):
        peeked = _peeked(message)
        if peeked.group in blocked:
            failed += 1
            continue
        kept = {k: v for k, v in peeked.attributes.items()
                if k not in (PARKED_REASON_ATTRIBUTE, REDRIVES_ATTRIBUTE)}
        try:
            sqs.send_message(
                QueueUrl=queue_url, MessageBody=peeked.body or "<empty>",
                MessageGroupId=safe_group(peeked.group),
                MessageAttributes=sendable_attributes(kept, {}),
                MessageDeduplicationId=hashlib.sha256(
                    f"requeue:{peeked.message_id}".encode()).hexdigest(),
                **forward_attributes(message))
            sqs.delete_message(QueueUrl=parked_url, ReceiptHandle=message["ReceiptHandle"])
        except Exception:  # noqa: BLE001 - counted; the message stays parked, its group held
            failed += 1
            blocked.add(peeked.group)
            continue
        moved += 1
        if progress is not None and (number % 10 == 0 or number == len(messages)):
            progress(number, len(messages))
    return moved, failed


def delete(sqs: Any, url: str, messages: list[dict[str, Any]]) -> int:
    """Delete received messages (1 DeleteMessageBatch per 10); returns how many went."""
    gone = 0
    for start in range(0, len(messages), 10):
        chunk = messages[start:start + 10]
        response = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)])
        gone += len(response.get("Successful", []))
    return gone
