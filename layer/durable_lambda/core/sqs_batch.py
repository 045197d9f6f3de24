"""SQS batch events: parse every record on its own, dead-letter bad ones, keep FIFO order.

Shared by the router and by the handlers it dispatches to (actors, durable executions).

- **A bad record is that record's fault only.** Each record is parsed and checked alone
  (``parse_record``): its ``messageId``, attributes, receive count, body and envelope, its kind
  and, when the handler knows it, its target. Any fault is an ``InvalidRequestError``; such a
  record can never succeed, so it goes straight to the DLQ with the reason in the
  ``durable-error`` message attribute (nothing lost). Only when that is impossible (no DLQ
  setting, the DLQ refused it) is it reported as a failure for SQS to retry and, in the end,
  move to the DLQ by the queue's redrive policy.
- **FIFO order per message group** (as Powertools' FIFO batch processor with
  ``skip_group_on_error``): the records of one SQS ``MessageGroupId`` are handled in order;
  once one of them is reported as a failure, every later record of that group in the batch is
  reported too, unprocessed. Other groups go on, side by side.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Union

from durable_lambda.core import aws, metrics
from durable_lambda.core.envelope import (
    MAX_MESSAGE_BYTES,
    SQS_ID,
    Envelope,
    check_text,
    function_of,
)
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.logging import bind_group
from durable_lambda.core.settings import get_settings
from durable_lambda.core.tracing import forward_attributes

log = logging.getLogger("durable_lambda")
ERROR_ATTRIBUTE = "durable-error"
#: attributes that must survive a trip through the DLQ (the redriver's counter first)
KEPT_FIRST = ("durable-redrives", "durable-parked-reason")
MAX_ATTRIBUTES = 10  # SQS: per message
_ATTRIBUTE_NAME = re.compile(
    r"(?!\.)(?!.*\.\.)(?!(?i:aws\.|amazon\.))[A-Za-z0-9_.-]{1,256}(?<!\.)")
_DATA_TYPE = re.compile(r"(String|Number|Binary)(\.[!-~]{1,250})?")
#: SQS text (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF), written as
#: its complement: the same set, compiled in a tenth of the time (cold start)
_SQS_TEXT = re.compile("[^\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*")


@dataclass(frozen=True)
class Item:
    """One SQS record, its parsed envelope, its message group and receive count."""

    message_id: str
    envelope: Envelope
    record: dict[str, Any]
    group: str = ""
    receive_count: int = 1


@dataclass(frozen=True)
class Rejected:
    """A record that can never succeed, and why."""

    record: Any
    error: InvalidRequestError
    message_id: Optional[str]
    group: str


Entry = Union[Item, Rejected]
#: extra per-record check of a handler (e.g. the actor id rules); raises InvalidRequestError
Check = Callable[[Envelope], Any]


def parse_record(record: Any, kind: Optional[str] = None, function_name: Optional[str] = None,
                 check: Optional[Check] = None) -> Entry:
    """An ``Item``, or a ``Rejected`` naming the first fault of this record."""
    message_id = record.get("messageId") if isinstance(record, dict) else None
    message_id = message_id if isinstance(message_id, str) and message_id else None
    group = _record_group(record)
    try:
        if not isinstance(record, dict):
            raise InvalidRequestError("an SQS record must be an object")
        check_text("record messageId", record.get("messageId"))
        attributes = record.get("attributes", {})
        if not isinstance(attributes, dict):
            raise InvalidRequestError("record attributes must be an object")
        envelope = Envelope.from_json(record.get("body"))
        if kind is not None and envelope.kind != kind:
            raise InvalidRequestError(f"{kind} function received an {envelope.kind!r} message")
        if function_name and function_of(envelope.target) != function_of(function_name):
            raise InvalidRequestError(
                f"message for function {envelope.target!r} was delivered to {function_name!r}")
        if check is not None:
            check(envelope)
        item = Item(record["messageId"], envelope, record,
                    group or envelope.group_id, _receive_count(attributes))
    except InvalidRequestError as exc:
        return Rejected(record, exc, message_id, group or f"rejected#{id(record)}")
    return item


def _record_group(record: Any) -> str:
    attributes = record.get("attributes") if isinstance(record, dict) else None
    group = attributes.get("MessageGroupId") if isinstance(attributes, dict) else None
    return group if isinstance(group, str) and group else ""


def _receive_count(attributes: dict[str, Any]) -> int:
    value = attributes.get("ApproximateReceiveCount", 1)
    try:
        count = int(value) if isinstance(value, (str, int)) and not isinstance(
            value, bool) else 0
    except ValueError:
        count = 0
    if count < 1:
        raise InvalidRequestError(
            f"record attribute ApproximateReceiveCount must be a positive integer, got "
            f"{str(value)[:40]!r}")
    return count


def parse_batch(records: Iterable[Any], kind: Optional[str] = None,
                function_name: Optional[str] = None,
                check: Optional[Check] = None) -> list[Entry]:
    """Every record parsed on its own, in batch order."""
    return [parse_record(r, kind, function_name, check) for r in records]


def by_group(entries: Iterable[Entry]) -> "OrderedDict[str, list[Entry]]":
    """Entries by SQS message group, batch order kept within each."""
    grouped: OrderedDict[str, list[Entry]] = OrderedDict()
    for entry in entries:
        grouped.setdefault(entry.group, []).append(entry)
    return grouped


def keep_group_order(entries: Iterable[Entry], failed: Iterable[str]) -> list[str]:
    """``failed`` plus every later record of a group that has a failed record, batch order."""
    failed = set(failed)
    out: list[str] = []
    for group in by_group(entries).values():
        held = False
        for entry in group:
            held = held or entry.message_id in failed
            if held and entry.message_id:
                out.append(entry.message_id)
    return out


def settle_rejected(entry: Rejected) -> bool:
    """Dead-letter a rejected record; False when it must be reported as a failure instead."""
    log.error("malformed message %s: %s", entry.message_id, entry.error)
    if dead_letter(entry.record, entry.error):
        return True
    if entry.message_id is None:  # cannot be reported either: Lambda would fail the batch
        log.error("record without a messageId dropped: %s", entry.error)
        return True
    return False


def dead_letter(record: Any, error: Exception) -> bool:
    """Send ``record`` to the DLQ with the error named; False when no DLQ is configured or the
    DLQ refused it.

    The record's message attributes go along (the redriver's ``durable-redrives`` count
    among them), so a message that keeps failing is parked rather than redriven forever;
    attributes SQS would refuse are dropped. The deduplication id derives from the messageId
    (or, without one, from the record), so dead-lettering a record twice sends it once.
    """
    dlq = get_settings().dlq
    if not dlq:
        return False
    record = record if isinstance(record, dict) else {"body": record}
    body = _sendable_body(record.get("body"))
    attributes = sendable_attributes(
        record.get("messageAttributes"),
        {ERROR_ATTRIBUTE: {"DataType": "String",
                           "StringValue": _text(f"{type(error).__name__}: {error}")[:1000]}},
        lambda_form=True)
    message_id = record.get("messageId")
    seed = message_id if isinstance(message_id, str) and message_id else json.dumps(
        record, sort_keys=True, default=repr)
    try:
        aws.client("sqs").send_message(
            QueueUrl=dlq, MessageBody=body, MessageGroupId=safe_group(_record_group(record)),
            MessageDeduplicationId=hashlib.sha256(f"dlq:{seed}".encode(
                "utf-8", "surrogatepass")).hexdigest(), MessageAttributes=attributes,
            **forward_attributes(record))
    except Exception as exc:  # noqa: BLE001 - reported for retry; the redrive policy moves it
        log.error("could not dead-letter message %s: %s: %s", message_id,
                  type(exc).__name__, exc)
        return False
    metrics.emit(MessagesDeadLettered=1)
    return True


def safe_group(group: Any) -> str:
    """A MessageGroupId SQS accepts for ``group`` (unchanged when it already is one)."""
    if isinstance(group, str) and SQS_ID.fullmatch(group):
        return group
    if isinstance(group, str) and group:
        return "h#" + hashlib.sha256(group.encode("utf-8", "surrogatepass")).hexdigest()
    return "malformed"


def _text(value: str) -> str:
    """``value`` with the characters SQS refuses replaced."""
    return value if _SQS_TEXT.fullmatch(value) else "".join(
        c if _SQS_TEXT.fullmatch(c) else "\ufffd" for c in value)


def _sendable_body(body: Any) -> str:
    """The body as it came when SQS accepts it, else its JSON text (ASCII), truncated."""
    if isinstance(body, str) and body and _SQS_TEXT.fullmatch(body) and len(
            body.encode()) <= MAX_MESSAGE_BYTES:
        return body
    if body is None or body == "":
        return "<empty>"
    text = json.dumps(body, default=repr)
    return text[:MAX_MESSAGE_BYTES - 64] + ("…<truncated>" if len(text) > MAX_MESSAGE_BYTES - 64
                                            else "")


def sendable_attributes(attributes: Any, extra: dict[str, dict[str, Any]],
                        lambda_form: bool = False) -> dict[str, dict[str, Any]]:
    """Message attributes in SendMessage form, ``extra`` added, SQS's rules kept: valid names
    and types, at most 10 (``extra`` and the redriver's counters kept first)."""
    kept: dict[str, dict[str, Any]] = {}
    if isinstance(attributes, dict):
        for name, value in attributes.items():
            converted = _attribute(value, lambda_form)
            if converted and isinstance(name, str) and _ATTRIBUTE_NAME.fullmatch(name):
                kept[name] = converted
    kept.update(extra)
    order = [*extra, *(n for n in KEPT_FIRST if n in kept and n not in extra),
             *(n for n in kept if n not in extra and n not in KEPT_FIRST)]
    return {name: kept[name] for name in order[:MAX_ATTRIBUTES]}


def _attribute(value: Any, lambda_form: bool) -> dict[str, Any]:
    """One attribute (Lambda record ``stringValue`` form, or SendMessage form) to send."""
    if not isinstance(value, dict):
        return {}
    names = ("dataType", "stringValue", "binaryValue") if lambda_form else (
        "DataType", "StringValue", "BinaryValue")
    data_type, string, binary = (value.get(n) for n in names)
    if not isinstance(data_type, str) or not _DATA_TYPE.fullmatch(data_type):
        return {}
    if isinstance(string, str) and string and _SQS_TEXT.fullmatch(string):
        return {"DataType": data_type, "StringValue": string}
    if lambda_form and isinstance(binary, str):  # base64 in Lambda records
        try:
            binary = base64.b64decode(binary, validate=True)
        except ValueError:
            return {}
    if isinstance(binary, bytes) and binary and data_type.startswith("Binary"):
        return {"DataType": data_type, "BinaryValue": binary}
    return {}


def reject(items: Iterable[Item], error: Exception) -> list[str]:
    """Dead-letter records that can never succeed; returns the ids that could not be."""
    return [i.message_id for i in items if not dead_letter(i.record, error)]


def process_batch(records: Iterable[Any], kind: str,
                  run_group: Callable[[list[Item]], list[str]],
                  max_parallel: int, function_name: Optional[str] = None,
                  check: Optional[Check] = None) -> dict[str, Any]:
    """The SQS batch handler of a target function: every record checked on its own (kind,
    ``function_name`` when given, ``check``), bad ones dead-lettered, each message group run
    in order (groups side by side). ``run_group`` gets consecutive records of one target and
    key and returns the ids to redeliver (a failing record and the later ones). Returns the
    partial batch response."""
    from durable_lambda.core.concurrency import map_in_threads

    groups = list(by_group(parse_batch(records, kind, function_name, check)).values())
    failures: list[str] = []
    for failed in map_in_threads(lambda g: _run_in_order(g, run_group), groups, max_parallel):
        failures += failed
    return failures_response(failures)


def _run_in_order(group: list[Entry], run_group: Callable[[list[Item]], list[str]]
                  ) -> list[str]:
    """One SQS message group, in order; everything after a failure is failed unprocessed."""
    index = 0
    while index < len(group):
        entry = group[index]
        if isinstance(entry, Rejected):
            index += 1
            if settle_rejected(entry):
                continue
            return _ids(group[index - 1:])
        run = [entry]
        while index + len(run) < len(group):
            following = group[index + len(run)]
            if not isinstance(following, Item) or (
                    following.envelope.group_id != entry.envelope.group_id):
                break
            run.append(following)
        failed = set(bind_group(run_group)(run))
        for offset, item in enumerate(run):
            if item.message_id in failed:
                return _ids(group[index + offset:])
        index += len(run)
    return []


def _ids(entries: Iterable[Entry]) -> list[str]:
    return [e.message_id for e in entries if e.message_id]


def failures_response(message_ids: Iterable[str]) -> dict[str, Any]:
    """The partial batch response Lambda expects (ReportBatchItemFailures)."""
    return {"batchItemFailures": [{"itemIdentifier": m} for m in message_ids]}
