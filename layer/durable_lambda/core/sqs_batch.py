"""SQS batch events: parse records into envelopes, group them, dead-letter malformed ones.

Shared by the router and by the handlers it dispatches to (actors, durable executions).
A malformed record can never succeed, so it goes straight to the DLQ with the reason in the
``durable-error`` message attribute (nothing lost, its group not blocked); without a DLQ
setting it is reported as a failure instead.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from durable_lambda.core import aws
from durable_lambda.core.envelope import Envelope
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.settings import get_settings

log = logging.getLogger("durable_lambda")


@dataclass(frozen=True)
class Item:
    """One SQS record and its parsed envelope."""

    message_id: str
    envelope: Envelope
    record: dict[str, Any]


@dataclass
class ParsedBatch:
    """Records grouped by key (order kept), plus ids that must be reported as failures."""

    items: list[Item]
    failures: list[str]

    def groups(self, by: str = "group") -> "OrderedDict[str, list[Item]]":
        """Items grouped by envelope MessageGroupId (``by="group"``) or target function."""
        grouped: OrderedDict[str, list[Item]] = OrderedDict()
        for item in self.items:
            key = item.envelope.group_id if by == "group" else item.envelope.target
            grouped.setdefault(key, []).append(item)
        return grouped


def is_sqs_event(event: Any) -> bool:
    """True for a Lambda SQS batch event."""
    return isinstance(event, dict) and isinstance(event.get("Records"), list) and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in event["Records"])


def parse_batch(records: Iterable[dict[str, Any]]) -> ParsedBatch:
    """Parse every record; malformed ones are dead-lettered (or failed without a DLQ)."""
    items: list[Item] = []
    failures: list[str] = []
    for record in records:
        try:
            envelope = Envelope.from_json(record.get("body", ""))
        except InvalidRequestError as exc:
            log.error("malformed message %s: %s", record.get("messageId"), exc)
            if not dead_letter(record, exc):
                failures.append(record["messageId"])
            continue
        items.append(Item(record["messageId"], envelope, record))
    return ParsedBatch(items, failures)


def dead_letter(record: dict[str, Any], error: Exception) -> bool:
    """Send ``record`` to the DLQ with the error named; False when no DLQ is configured.

    The record's message attributes go along (the redriver's ``durable-redrives`` count
    among them), so a message that keeps failing is parked rather than redriven forever.
    """
    dlq = get_settings().dlq
    if not dlq:
        return False
    group = record.get("attributes", {}).get("MessageGroupId") or "malformed"
    attributes = {name: attr for name, attr in (
        (name, _boto_attribute(value)) for name, value in
        (record.get("messageAttributes") or {}).items()) if attr}
    attributes["durable-error"] = {
        "DataType": "String", "StringValue": f"{type(error).__name__}: {error}"[:1000]}
    aws.client("sqs").send_message(
        QueueUrl=dlq, MessageBody=record.get("body") or "<empty>", MessageGroupId=group,
        MessageDeduplicationId=record["messageId"], MessageAttributes=attributes)
    return True


def _boto_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A Lambda-record message attribute (``stringValue``…) in SendMessage form."""
    data_type = value.get("dataType") or value.get("DataType")
    string = value.get("stringValue", value.get("StringValue"))
    binary = value.get("binaryValue", value.get("BinaryValue"))
    if not data_type or (string is None and binary is None):
        return {}
    if string is not None:
        return {"DataType": data_type, "StringValue": string}
    return {"DataType": data_type, "BinaryValue": binary}


def reject(items: Iterable[Item], error: Exception) -> list[str]:
    """Dead-letter records that can never succeed; returns the ids that could not be."""
    return [i.message_id for i in items if not dead_letter(i.record, error)]


def process_batch(records: Iterable[dict[str, Any]], kind: str,
                  run_group: Callable[[list[Item]], list[str]],
                  max_parallel: int) -> dict[str, Any]:
    """The SQS batch handler of a target function: parse, dead-letter malformed records and
    records of another ``kind``, run each message group (side by side, each in order) and
    return the partial batch response. ``run_group`` returns the ids to redeliver."""
    from durable_lambda.core.concurrency import map_in_threads

    batch = parse_batch(records)
    failures = list(batch.failures)
    groups = []
    for items in batch.groups().values():
        if items[0].envelope.kind == kind:
            groups.append(items)
        else:
            failures += reject(items, InvalidRequestError(
                f"{kind} function received an {items[0].envelope.kind!r} message"))
    for failed in map_in_threads(run_group, groups, max_parallel):
        failures += failed
    return failures_response(failures)


def failures_response(message_ids: Iterable[str]) -> dict[str, Any]:
    """The partial batch response Lambda expects (ReportBatchItemFailures)."""
    return {"batchItemFailures": [{"itemIdentifier": m} for m in message_ids]}
