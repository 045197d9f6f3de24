"""Execution history in the AWS durable execution event format (GetDurableExecutionHistory).

Built from an ``ExecutionRecord`` (final operation states) plus an optional invocation log.
Events: ExecutionStarted, {Step,Wait,Callback,Context,ChainedInvoke}{Started,...},
InvocationCompleted, ExecutionSucceeded/Failed. Each event has EventType, SubType, EventId
(1-based, in order), Id, Name, ParentId, EventTimestamp (ISO-8601 UTC) and a
``<EventType>Details`` object (Result/Error wrapped as ``{"Payload": ...}``).

Order: commit order when the store records sequence numbers (``Operation.start_seq`` /
``end_seq``, ``Invocation.seq``; ``InMemoryStore`` and ``DynamoDBStore`` do, across invocations
and outside completions, with ``record.version`` above them all once finished); otherwise (e.g.
operations written before a store recorded them) by timestamp, ties by logical order (an
operation's start, then its children, then its end). Known difference from AWS: the store keeps each operation's latest state, so a
step's retried attempts collapse into one Started + one final event whose ``RetryDetails``
carry the attempt count.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from durable_lambda.workflows.model import (
    ExecutionRecord, ExecutionStatus, Operation, OperationStatus as S, OperationType as T)

_PREFIX = {T.STEP: "Step", T.WAIT: "Wait", T.CALLBACK: "Callback", T.CONTEXT: "Context",
           T.CHAINED_INVOKE: "ChainedInvoke"}
_END = {S.SUCCEEDED: "Succeeded", S.FAILED: "Failed", S.TIMED_OUT: "TimedOut",
        S.CANCELLED: "Cancelled", S.STOPPED: "Stopped"}


@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation of the execution (for InvocationCompleted events)."""

    request_id: str
    start_ms: int
    end_ms: int
    error: Optional[dict[str, Any]] = None
    seq: Optional[int] = None  # the record's version when the invocation ended


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


def history_events(record: ExecutionRecord,
                   invocations: Optional[list[Invocation]] = None) -> list[dict[str, Any]]:
    """The execution's events, EventId 1..n."""
    by_seq = all(op.start_seq is not None for op in record.operations) and all(
        inv.seq is not None for inv in invocations or ())
    raw: list[tuple[tuple[int, ...], dict[str, Any]]] = []
    counter = iter(range(1 << 62))

    def add(ts: int, seq: Optional[int], event: dict[str, Any], phase: int = 0) -> None:
        order = next(counter)
        raw.append(((seq if seq is not None else 0, phase, order) if by_seq else (ts, order), event))

    add(record.created_ms, -1, _event("ExecutionStarted", None, record.created_ms,
                                      {"Input": {"Payload": record.input}},
                                      name=record.name, id_=record.execution_id))
    children: dict[Optional[str], list[Operation]] = defaultdict(list)
    for op in record.operations:
        children[op.parent_id].append(op)

    def walk(parent: Optional[str]) -> None:
        for op in children.get(parent, ()):
            add(op.start_ms, op.start_seq, _started(op))
            walk(op.id)
            if op.status in _END:
                end_ms = op.end_ms if op.end_ms is not None else op.start_ms
                add(end_ms, op.end_seq, _ended(op, end_ms))
            elif op.type is T.STEP and op.status is S.PENDING:
                add(op.start_ms, op.start_seq, _retrying(op))

    walk(None)
    last = max([record.created_ms] + [op.end_ms or op.start_ms for op in record.operations])
    for inv in invocations or ():
        details: dict[str, Any] = {"StartTimestamp": iso(inv.start_ms),
                                   "EndTimestamp": iso(inv.end_ms), "RequestId": inv.request_id}
        if inv.error:
            details["Error"] = {"Payload": inv.error}
        add(inv.end_ms, inv.seq, _event("InvocationCompleted", None, inv.end_ms, details), 1)
        last = max(last, inv.end_ms)
    end_seq = record.version + 1
    if record.status is ExecutionStatus.SUCCEEDED:
        add(last, end_seq, _event("ExecutionSucceeded", None, last,
                                  {"Result": {"Payload": record.result}}), 2)
    elif record.status is not ExecutionStatus.RUNNING:
        kind = {ExecutionStatus.FAILED: "Failed", ExecutionStatus.TIMED_OUT: "TimedOut",
                ExecutionStatus.STOPPED: "Stopped"}[record.status]
        error = record.error.to_dict() if record.error else None
        add(last, end_seq, _event(f"Execution{kind}", None, last, {"Error": {"Payload": error}}), 2)
    raw.sort(key=lambda item: item[0])
    events = [event for _, event in raw]
    for number, event in enumerate(events, 1):
        event["EventId"] = number
    return events


def _event(event_type: str, op: Optional[Operation], ts: int, details: dict[str, Any], *,
           name: Optional[str] = None, id_: Optional[str] = None) -> dict[str, Any]:
    event: dict[str, Any] = {"EventType": event_type, "EventId": 0, "EventTimestamp": iso(ts)}
    if op is not None:
        event["Id"] = op.id
        if op.sub_type:
            event["SubType"] = op.sub_type
        if op.name:
            event["Name"] = op.name
        if op.parent_id:
            event["ParentId"] = op.parent_id
    else:
        if id_:
            event["Id"] = id_
        if name:
            event["Name"] = name
    event[f"{event_type}Details"] = details
    return event


def _started(op: Operation) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if op.type is T.WAIT and op.scheduled_end_ms is not None:
        details = {"Duration": (op.scheduled_end_ms - op.start_ms) // 1000,
                   "ScheduledEndTimestamp": iso(op.scheduled_end_ms)}
    elif op.type is T.CALLBACK:
        details = {"CallbackId": op.callback_id}
        if op.timeout_ms is not None:
            details["Timeout"] = (op.timeout_ms - op.start_ms) // 1000
        if op.heartbeat_timeout_seconds:
            details["HeartbeatTimeout"] = op.heartbeat_timeout_seconds
    elif op.type is T.CHAINED_INVOKE:
        details = {"FunctionName": op.function_name, "Input": {"Payload": op.input}}
    return _event(f"{_PREFIX[op.type]}Started", op, op.start_ms, details)


def _ended(op: Operation, end_ms: int) -> dict[str, Any]:
    outcome = _END[op.status]
    details: dict[str, Any] = {}
    if op.status is S.SUCCEEDED:
        if op.type is T.WAIT and op.scheduled_end_ms is not None:
            details["Duration"] = (op.scheduled_end_ms - op.start_ms) // 1000
        elif op.type is not T.WAIT:
            details["Result"] = {"Payload": op.result}
    elif op.error is not None:
        details["Error"] = {"Payload": op.error.to_dict()}
    if op.type is T.STEP:
        details["RetryDetails"] = {"CurrentAttempt": op.attempt}
    return _event(f"{_PREFIX[op.type]}{outcome}", op, end_ms, details)


def _retrying(op: Operation) -> dict[str, Any]:
    delay = ((op.next_attempt_ms or op.start_ms) - op.start_ms) // 1000
    details: dict[str, Any] = {"RetryDetails": {"CurrentAttempt": op.attempt,
                                                "NextAttemptDelaySeconds": delay}}
    if op.error is not None:
        details["Error"] = {"Payload": op.error.to_dict()}
    return _event("StepFailed", op, op.start_ms, details)
