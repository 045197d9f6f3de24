"""Execution history in the AWS durable execution event format (GetDurableExecutionHistory).

Built from an ``ExecutionRecord`` (final operation states) plus the execution's event record
(``events.EventRecord``: each attempt of a retried step or ``wait_for_condition`` poll, and each
invocation). Events: ExecutionStarted, {Step,Wait,Callback,Context,ChainedInvoke}{Started,...},
InvocationCompleted, ExecutionSucceeded/Failed. Each event has EventType, SubType, EventId
(1-based, in order), Id, Name, ParentId, EventTimestamp (ISO-8601 UTC) and a
``<EventType>Details`` object (Result/Error wrapped as ``{"Payload": ...}``).

Per attempt, as the service: a step that fails twice then succeeds is StepStarted, StepFailed
(RetryDetails: CurrentAttempt 1, NextAttemptDelaySeconds), InvocationCompleted, StepStarted,
StepFailed (CurrentAttempt 2), InvocationCompleted, StepStarted, StepSucceeded; a
``wait_for_condition`` poll that continues is StepStarted, StepSucceeded (Result = the state,
RetryDetails), InvocationCompleted. An invocation that died (lease expired, no outcome) is an
InvocationCompleted with an ``Error``.

Order: commit order when the store records sequence numbers (``Operation.start_seq`` /
``end_seq``, ``EventRecord.seq``; both stores do, across invocations and outside completions,
with ``record.version`` above them all once finished); an invocation sorts after the commits it
knew of. Otherwise (operations written before a store recorded them) by timestamp, ties by
logical order (an operation's start, then its children, then its end).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from durable_lambda.workflows.events import INVOCATION, RETRY, START, EventRecord
from durable_lambda.workflows.model import (
    ExecutionRecord, ExecutionStatus, Operation, OperationStatus as S, OperationType as T)
from durable_lambda.workflows.outcome import child_execution_id

_PREFIX = {T.STEP: "Step", T.WAIT: "Wait", T.CALLBACK: "Callback", T.CONTEXT: "Context",
           T.CHAINED_INVOKE: "ChainedInvoke"}
_END = {S.SUCCEEDED: "Succeeded", S.FAILED: "Failed", S.TIMED_OUT: "TimedOut",
        S.CANCELLED: "Cancelled", S.STOPPED: "Stopped"}


@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation of the execution (an InvocationCompleted event)."""

    request_id: str
    start_ms: int
    end_ms: int
    error: Optional[dict[str, Any]] = None
    seq: Optional[int] = None  # the last commit number the invocation knew of


def invocations_of(events: Sequence[EventRecord]) -> list[Invocation]:
    """The invocations in an event record, in commit order; those that knew the same commit
    (e.g. retries of an invocation that failed before checkpointing anything) in the order
    they ended (a store's read order need not be: DynamoDB sorts them by request id)."""
    return [Invocation(e.request_id or "", e.start_ms or e.ts, e.ts,
                       e.error.to_dict() if e.error else None, e.seq)
            for e in sorted(events, key=lambda e: (e.seq, e.ts)) if e.kind == INVOCATION]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


def history_events(record: ExecutionRecord,
                   events: Sequence[EventRecord] = ()) -> list[dict[str, Any]]:
    """The execution's events, EventId 1..n."""
    by_seq = all(op.start_seq is not None for op in record.operations)
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
    attempts: dict[str, list[EventRecord]] = defaultdict(list)
    for record_event in sorted(events, key=lambda e: e.seq):
        if record_event.kind in (START, RETRY) and record_event.op_id:
            attempts[record_event.op_id].append(record_event)

    def walk(parent: Optional[str]) -> None:
        for op in children.get(parent, ()):
            add(op.start_ms, op.start_seq, _started(op, record.execution_id))
            for attempt in attempts.get(op.id, ()):
                add(attempt.ts, attempt.seq, _attempt(op, attempt, record.execution_id))
            walk(op.id)
            if op.status in _END:
                end_ms = op.end_ms if op.end_ms is not None else op.start_ms
                add(end_ms, op.end_seq, _ended(op, end_ms))
            elif op.type is T.STEP and op.status is S.PENDING and op.id not in attempts:
                add(op.start_ms, op.start_seq, _retrying(op))  # written before attempts were

    walk(None)
    last = max([record.created_ms] + [op.end_ms or op.start_ms for op in record.operations])
    for inv in invocations_of(events):
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
    ordered = [event for _, event in raw]
    for number, event in enumerate(ordered, 1):
        event["EventId"] = number
    return ordered


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


def _started(op: Operation, execution_id: str) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if op.type is T.WAIT and op.scheduled_end_ms is not None:
        details = {"Duration": (op.scheduled_end_ms - op.start_ms) // 1000,
                   "ScheduledEndTimestamp": iso(op.scheduled_end_ms)}
    elif op.type is T.CALLBACK:
        details = {"CallbackId": op.callback_id}
        if op.timeout_ms is not None:
            details["Timeout"] = (op.timeout_ms - op.start_ms) // 1000
        if op.heartbeat_timeout_seconds:
            details["HeartbeatTimeout"] = int(op.heartbeat_timeout_seconds)
    elif op.type is T.CHAINED_INVOKE:
        details = {"FunctionName": op.function_name, "Input": {"Payload": op.input},
                   "DurableExecutionArn": child_execution_id(execution_id, op.id)}
        version = executed_version(op.function_name or "")
        if version:
            details["ExecutedVersion"] = version
        if op.tenant_id:
            details["TenantId"] = op.tenant_id
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
        if op.status is S.FAILED:  # the last attempt: no next one (as the service writes it)
            details["RetryDetails"]["NextAttemptDelaySeconds"] = 0
    return _event(f"{_PREFIX[op.type]}{outcome}", op, end_ms, details)


def executed_version(function_name: str) -> Optional[str]:
    """The version an invoke of ``function_name`` runs: its numeric qualifier, ``$LATEST``
    when unqualified, None for an alias (resolved by Lambda, unknown here)."""
    parts = function_name.split(":")
    qualified = len(parts) == 8 if function_name.startswith("arn:") else len(parts) == 2
    if not qualified:
        return "$LATEST"
    qualifier = parts[-1]
    return qualifier if qualifier.isdigit() or qualifier.startswith("$LATEST") else None


def _attempt(op: Operation, attempt: EventRecord, execution_id: str) -> dict[str, Any]:
    """A step attempt's own event: its START (a retry) or its RETRY outcome."""
    if attempt.kind == START:
        event = _started(op, execution_id)
        event["EventTimestamp"] = iso(attempt.ts)
        return event
    details: dict[str, Any] = {}
    if attempt.error is not None:
        details["Error"] = {"Payload": attempt.error.to_dict()}
    else:
        details["Result"] = {"Payload": attempt.payload}
    retry: dict[str, Any] = {"CurrentAttempt": attempt.attempt}
    if attempt.delay_seconds is not None:
        retry["NextAttemptDelaySeconds"] = int(round(attempt.delay_seconds))
    details["RetryDetails"] = retry
    outcome = "Failed" if attempt.error is not None else "Succeeded"
    return _event(f"Step{outcome}", op, attempt.ts, details)


def _retrying(op: Operation) -> dict[str, Any]:
    delay = ((op.next_attempt_ms or op.start_ms) - op.start_ms) // 1000
    details: dict[str, Any] = {"RetryDetails": {"CurrentAttempt": op.attempt,
                                                "NextAttemptDelaySeconds": delay}}
    if op.error is not None:
        details["Error"] = {"Payload": op.error.to_dict()}
    return _event("StepFailed", op, op.start_ms, details)
