"""DLQ redriver: move dead-lettered messages back to the work queue, or park them.

Each run receives from ``DURABLE_DLQ`` (FIFO) in batches of up to 10 and, per message in
receive order:
- a body that is not a valid envelope can never succeed: it goes to ``DURABLE_PARKED_QUEUE``;
- otherwise its redrive counter (message attribute ``durable-redrives``) is incremented; over
  ``DURABLE_MAX_REDRIVES`` it is parked, else it is re-sent to ``DURABLE_QUEUE`` with the same
  body, MessageGroupId and message attributes;
- a message the work queue refuses for good (``PERMANENT_ERRORS``: invalid contents or
  attributes) is parked too; the reason is always in ``durable-parked-reason``. Only a
  transient fault (throttling, network) leaves a message on the DLQ, counted ``failed``.
Attributes are sent as SQS takes them: at most 10, the counters first.

Guarantees:
- No loss: a message is deleted from the DLQ only after its send succeeded. A crash between
  the send and the delete leaves it on the DLQ; the next run re-sends it with the same
  deduplication id (derived from the DLQ message id), so SQS drops the copy within 5 minutes
  and the actor's processed-id ring after that. A duplicate is possible, a loss is not.
- Order per group: the DLQ is FIFO, so a group's messages arrive in order and no other
  receiver gets them while they are in flight; when a send fails, the rest of that group in the
  batch is left on the DLQ too, so nothing overtakes it. (Redriven messages join the end of
  their group in the work queue.)
- Bounded: at most ``max_messages`` messages and ``max_seconds`` per run.

API calls: 1 SendMessage per message, plus 1 ReceiveMessage and 1 DeleteMessageBatch per batch
of up to 10 (an empty DLQ costs 1 ReceiveMessage).
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any, Optional

from durable_lambda.core import metrics
from durable_lambda.core.envelope import Envelope
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.logging import bind_invocation
from durable_lambda.core.tracing import forward_attributes

log = logging.getLogger("durable_lambda")

REDRIVES_ATTRIBUTE = "durable-redrives"
PARKED_REASON_ATTRIBUTE = "durable-parked-reason"
MAX_MESSAGES_LIMIT = 10_000
#: DLQ messages stay invisible this long while a run handles them
DEFAULT_VISIBILITY_SECONDS = 120
#: leave this much of the Lambda invocation's time unused
TIME_MARGIN_SECONDS = 5.0
#: the locks-table lease that keeps redriver runs one at a time
LEASE_NAME = "dlq-redriver"
#: SendMessage errors that no retry can fix: the message is parked with the code
PERMANENT_ERRORS = frozenset({
    "InvalidParameterValue", "InvalidMessageContents", "InvalidAttributeName",
    "InvalidAttributeValue", "MissingParameter", "InvalidParameterCombination",
    "UnsupportedOperation", "ValidationError"})


@dataclass
class RedriveReport:
    """What one run did."""

    received: int = 0
    redriven: int = 0
    parked: int = 0
    failed: int = 0  # send failed (or skipped to keep a group's order): still on the DLQ
    batches: int = 0
    stopped: str = "empty"  # "empty" | "max_messages" | "deadline" | "busy"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def redrive(max_messages: int = 100, *, max_seconds: float = 60.0,
            max_redrives: Optional[int] = None,
            visibility_timeout: int = DEFAULT_VISIBILITY_SECONDS) -> RedriveReport:
    """Redrive up to ``max_messages`` DLQ messages within ``max_seconds``; see module docs."""
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    if isinstance(max_messages, bool) or not isinstance(max_messages, int) or not (
            1 <= max_messages <= MAX_MESSAGES_LIMIT):
        raise InvalidRequestError(
            f"max_messages must be an integer from 1 to {MAX_MESSAGES_LIMIT}, got {max_messages!r}")
    settings = get_settings()
    queues = {"dlq": settings.require("dlq"), "queue": settings.require("queue"),
              "parked": settings.require("parked_queue")}
    limit = settings.max_redrives if max_redrives is None else max_redrives
    sqs = aws.client("sqs")
    report = RedriveReport()
    deadline = time.monotonic() + max_seconds
    while True:
        if report.received >= max_messages:
            report.stopped = "max_messages"
            break
        if time.monotonic() >= deadline:
            report.stopped = "deadline"
            break
        messages = sqs.receive_message(
            QueueUrl=queues["dlq"], MaxNumberOfMessages=min(10, max_messages - report.received),
            AttributeNames=["All"], MessageAttributeNames=["All"],
            VisibilityTimeout=visibility_timeout, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            report.stopped = "empty"
            break
        report.batches += 1
        report.received += len(messages)
        done = _forward_batch(sqs, messages, queues, limit, report)
        _delete(sqs, queues["dlq"], done)
    log.info("DLQ redrive: %s", report.to_dict())
    metrics.emit(Redrives=report.redriven, MessagesParked=report.parked)
    return report


def _forward_batch(sqs: Any, messages: list[dict[str, Any]], queues: dict[str, str],
                   limit: int, report: RedriveReport) -> list[dict[str, Any]]:
    """Send each message on; returns those sent (safe to delete from the DLQ)."""
    done: list[dict[str, Any]] = []
    blocked: set[str] = set()
    for message in messages:
        group = _group_of(message)
        if group in blocked:
            report.failed += 1  # an earlier message of its group failed: keep the order
            continue
        try:
            parked = _forward(sqs, message, group, queues, limit)
        except Exception as exc:
            log.warning("redrive of %s (group %s) failed, left on the DLQ: %s: %s",
                        message.get("MessageId"), group, type(exc).__name__, exc)
            report.failed += 1
            blocked.add(group)
            continue
        if parked:
            report.parked += 1
        else:
            report.redriven += 1
        done.append(message)
    return done


def _forward(sqs: Any, message: dict[str, Any], group: str, queues: dict[str, str],
             limit: int) -> bool:
    """Send one DLQ message to the work queue or the parking queue; True when parked.

    A message the work queue refuses for good (``PERMANENT_ERRORS``) is parked with the code;
    any other error propagates (transient: the message stays on the DLQ).
    """
    count = redrive_count(message.get("MessageAttributes") or {}) + 1
    body = message.get("Body") or "<empty>"
    reason = _park_reason(body, count, limit)
    if not reason:
        try:
            _send(sqs, queues["queue"], message, group, count, None, "redrive")
            return False
        except Exception as exc:
            if not _permanent(exc):
                raise
            reason = f"the work queue refused it: {type(exc).__name__}: {exc}"
    log.error("parking DLQ message %s (group %s): %s", message.get("MessageId"), group, reason)
    _send(sqs, queues["parked"], message, group, count, reason, "park")
    return True


def _send(sqs: Any, url: str, message: dict[str, Any], group: str, count: int,
          reason: Optional[str], action: str) -> None:
    from durable_lambda.core.sqs_batch import safe_group, sendable_attributes  # settings: lazy

    extra = {REDRIVES_ATTRIBUTE: {"DataType": "Number", "StringValue": str(count)}}
    if reason:
        extra[PARKED_REASON_ATTRIBUTE] = {"DataType": "String", "StringValue": reason[:1000]}
    sqs.send_message(QueueUrl=url, MessageBody=message.get("Body") or "<empty>",
                     MessageGroupId=safe_group(group),
                     MessageAttributes=sendable_attributes(message.get("MessageAttributes"),
                                                           extra),
                     MessageDeduplicationId=_dedup_id(action, message["MessageId"]),
                     **forward_attributes(message))


def _permanent(exc: Exception) -> bool:
    """True when sending again can never succeed (the request itself is refused)."""
    from durable_lambda.core import aws

    if type(exc).__name__ == "ParamValidationError":  # botocore, before any request
        return True
    return aws.error_code(exc) in PERMANENT_ERRORS


def redrive_count(attributes: dict[str, Any]) -> int:
    """The ``durable-redrives`` counter of SQS message attributes (0 when absent or invalid)."""
    value = (attributes.get(REDRIVES_ATTRIBUTE) or {}).get("StringValue")
    try:
        return max(0, int(value)) if value is not None else 0
    except ValueError:
        return 0


def _park_reason(body: str, count: int, limit: int) -> Optional[str]:
    try:
        Envelope.from_json(body)
    except InvalidRequestError as exc:
        return f"malformed message, it can never succeed: {exc}"
    if count > limit:
        return f"redriven {limit} times already (DURABLE_MAX_REDRIVES={limit})"
    return None


def _group_of(message: dict[str, Any]) -> str:
    group = (message.get("Attributes") or {}).get("MessageGroupId")
    if group:
        return str(group)
    try:
        return Envelope.from_json(message.get("Body") or "").group_id
    except InvalidRequestError:
        return "malformed"


def _dedup_id(action: str, dlq_message_id: str) -> str:
    """Same for every re-send of one DLQ message (a crash before its delete): SQS drops the
    copy. Not the envelope's own dedup id, which SQS may still remember from the first send."""
    return hashlib.sha256(f"{action}:{dlq_message_id}".encode()).hexdigest()


def _delete(sqs: Any, dlq: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), 10):
        chunk = messages[start:start + 10]
        response = sqs.delete_message_batch(QueueUrl=dlq, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)])
        for failed in response.get("Failed", []):
            # it will be received again and re-sent with the same dedup id: a duplicate at most
            log.warning("DLQ delete failed for %s: %s", chunk[int(failed["Id"])]["MessageId"],
                        failed.get("Message"))


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point: scheduled (any event) or on demand (``{"maxMessages": n}``).

    With ``DURABLE_LOCKS_TABLE`` set, a run holds the ``dlq-redriver`` lease (one run at a
    time: a scheduled and an on-demand run never interleave); a run that finds it held returns
    at once with ``stopped="busy"``. Costs 2 UpdateItem per run.
    """
    from durable_lambda.core.settings import get_settings

    bind_invocation(context)
    max_messages = 100
    if isinstance(event, dict) and "maxMessages" in event:
        max_messages = event["maxMessages"]
    max_seconds = 60.0
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is not None:
        max_seconds = max(1.0, remaining() / 1000.0 - TIME_MARGIN_SECONDS)
    if not get_settings().locks_table:
        return redrive(max_messages, max_seconds=max_seconds).to_dict()
    from durable_lambda.platform.locks import Locks

    locks = Locks()
    lease = locks.acquire(LEASE_NAME, max_seconds + TIME_MARGIN_SECONDS)
    if lease is None:
        log.info("DLQ redrive skipped: another run holds the %r lease", LEASE_NAME)
        return RedriveReport(stopped="busy").to_dict()
    try:
        return redrive(max_messages, max_seconds=max_seconds).to_dict()
    finally:
        locks.release(lease)
