"""Event items: an execution's event record (``events.EventRecord``) in the workflow table.

``pk="exec#{id}", sk="ev#{first commit number:012d}#{suffix}"``, attribute ``ev`` (the records
as compact JSON). Written only inside writes the store already makes (checkpoint, release and
finish transactions), never by a call of their own. One item holds the records of one write;
records that would pass DynamoDB's 400 KB item limit are split over several items, and one
record that alone is too large raises ``PayloadTooLargeError`` before anything is written.
"""
from __future__ import annotations

from typing import Any

from durable_lambda.workflows.dynamodb.items import (
    ITEM_OVERHEAD_BYTES,
    MAX_ITEM_BYTES,
    check_size,
    event_key,
)
from durable_lambda.workflows.events import EventRecord, decode_events, encode_events

EVENT_PREFIX = "ev#"


def event_items(execution_id: str, records: list[EventRecord], suffix: str,
                what: str) -> list[dict[str, Any]]:
    """Items holding ``records`` (in order), each within the item size limit."""
    items: list[dict[str, Any]] = []
    batch: list[EventRecord] = []
    batch_bytes = 0
    budget = MAX_ITEM_BYTES - ITEM_OVERHEAD_BYTES
    for record in records:
        size = len(encode_events([record]).encode())
        check_size(f"event {record.kind} of {what}", encode_events([record]))
        if batch and batch_bytes + size > budget:
            items.append(_item(execution_id, batch, suffix))
            batch, batch_bytes = [], 0
        batch.append(record)
        batch_bytes += size
    if batch:
        items.append(_item(execution_id, batch, suffix))
    return items


def _item(execution_id: str, records: list[EventRecord], suffix: str) -> dict[str, Any]:
    return {**event_key(execution_id, records[0].seq, suffix),
            "ev": {"S": encode_events(records)}}


def is_event_item(item: dict[str, Any]) -> bool:
    return item["sk"]["S"].startswith(EVENT_PREFIX)


def records_of(item: dict[str, Any]) -> list[EventRecord]:
    """The records an event item holds."""
    return decode_events(item["ev"]["S"])
