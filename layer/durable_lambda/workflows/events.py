"""The append-only event record of an execution: what its operations' final states cannot tell.

An operation's stored state says when it started (``start_seq``) and how it ended
(``end_seq``); that is its whole history for most operations. What the latest state loses is
recorded here, numbered by the same commit sequence, so ``history.history_events`` can rebuild
the service's event list event for event:

* ``START`` of a STEP that already exists (a retry attempt, a new ``wait_for_condition`` poll);
* ``RETRY`` of a STEP: the attempt's error or (``wait_for_condition``) its state, and the delay;
* ``INVOCATION``: one Lambda invocation of the execution ended (released its lease, finished, or
  died: its lease expired with no outcome, recorded by whoever took the lease over).

Both stores write these records inside the writes they already make (``InMemoryStore`` in its
lock; ``DynamoDBStore`` as event items in the checkpoint / release / finish transactions).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.workflows.model import (
    ErrorObject, Operation, OperationAction, OperationType, OperationUpdate)

START, RETRY, INVOCATION = "START", "RETRY", "INVOCATION"
#: the error a dead invocation is recorded with (what Lambda reports for a timed-out function)
DEAD_INVOCATION_ERROR_TYPE = "Sandbox.Timedout"


@dataclass(frozen=True)
class EventRecord:
    """One recorded event; ``seq`` is the execution's commit number it sorts by."""

    seq: int
    kind: str  # START | RETRY | INVOCATION
    ts: int  # epoch ms
    op_id: Optional[str] = None  # START / RETRY
    attempt: Optional[int] = None  # START: the attempt it begins; RETRY: the attempt it ended
    delay_seconds: Optional[float] = None  # RETRY
    payload: Optional[str] = None  # RETRY of wait_for_condition: the new state
    error: Optional[ErrorObject] = None  # RETRY: the attempt's error; INVOCATION: its failure
    request_id: Optional[str] = None  # INVOCATION
    start_ms: Optional[int] = None  # INVOCATION

    def to_dict(self) -> dict[str, Any]:
        """Compact form for storage (absent fields left out)."""
        data: dict[str, Any] = {"s": self.seq, "k": self.kind, "t": self.ts}
        for key, value in (("o", self.op_id), ("a", self.attempt), ("d", self.delay_seconds),
                           ("p", self.payload), ("r", self.request_id), ("b", self.start_ms)):
            if value is not None:
                data[key] = value
        if self.error is not None:
            data["e"] = self.error.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EventRecord":
        error = data.get("e")
        return cls(seq=int(data["s"]), kind=str(data["k"]), ts=int(data["t"]), op_id=data.get("o"),
                   attempt=data.get("a"), delay_seconds=data.get("d"), payload=data.get("p"),
                   error=ErrorObject.from_dict(error) if error else None,
                   request_id=data.get("r"), start_ms=data.get("b"))


def encode_events(records: list[EventRecord]) -> str:
    return json.dumps([r.to_dict() for r in records], separators=(",", ":"))


def decode_events(text: str) -> list[EventRecord]:
    return [EventRecord.from_dict(d) for d in json.loads(text)]


def attempt_event(prior: Optional[Operation], update: OperationUpdate, op: Operation, seq: int,
                  now_ms: int) -> Optional[EventRecord]:
    """The record an applied update needs beyond the operation's new state, if any."""
    if update.type is not OperationType.STEP:
        return None
    if update.action is OperationAction.RETRY:
        return EventRecord(seq, RETRY, now_ms, op.id, attempt=op.attempt,
                           delay_seconds=update.next_attempt_delay_seconds,
                           payload=update.payload, error=update.error)
    if update.action is OperationAction.START and prior is not None:
        return EventRecord(seq, START, now_ms, op.id, attempt=prior.attempt + 1)
    return None


def request_id_of(holder: str) -> str:
    """The Lambda request id in a lease holder (``"{request id}:{suffix}"`` or just the id)."""
    return holder.split(":", 1)[0] or holder


def invocation_event(seq: int, holder: str, start_ms: int, end_ms: int,
                     error: Optional[ErrorObject] = None) -> EventRecord:
    """The record of one invocation (lease holder) that ended."""
    return EventRecord(seq, INVOCATION, end_ms, request_id=request_id_of(holder),
                       start_ms=start_ms, error=error)


def dead_invocation_event(seq: int, holder: str, start_ms: int, expired_ms: int) -> EventRecord:
    """An invocation whose lease expired with no outcome (crash, timeout): recorded with an
    error, as the service records a function that timed out."""
    seconds = max(0, expired_ms - start_ms) / 1000
    return invocation_event(seq, holder, start_ms, expired_ms, ErrorObject(
        DEAD_INVOCATION_ERROR_TYPE, f"Task timed out after {seconds:.2f} seconds"))
