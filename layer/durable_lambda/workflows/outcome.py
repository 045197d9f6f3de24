"""What one engine invocation ends with: succeeded, failed, or suspended with a resume plan.

HOSTING turns a ``ResumePlan`` into resumes: one timer at ``earliest_due_ms`` (waits, step
retries, wait_for_condition polls, callback timeouts), child executions for ``invokes`` and
nothing for ``callbacks`` (they resume when ``complete_callback`` is called).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

from durable_lambda.workflows.model import ErrorObject

_CHILD_NAMESPACE = uuid.UUID("6f1c3a52-2d4e-4f0b-9a57-d1c0e7b8a914")


class OutcomeStatus(str, Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SUSPENDED = "SUSPENDED"
    RETRY = "RETRY"  # an InvocationError ended the invocation: released with ``error``, retry it


class TimerKind(str, Enum):
    WAIT = "wait"  # a context.wait elapses
    RETRY = "retry"  # a step's next attempt is due
    CONDITION = "condition"  # wait_for_condition's next check is due
    CALLBACK_TIMEOUT = "callback_timeout"  # a callback's timeout deadline


@dataclass(frozen=True)
class PendingTimer:
    operation_id: str
    due_ms: int
    kind: TimerKind


@dataclass(frozen=True)
class PendingCallback:
    operation_id: str
    callback_id: str
    timeout_ms: Optional[int] = None
    heartbeat_timeout_seconds: Optional[float] = None


@dataclass(frozen=True)
class PendingInvoke:
    """A CHAINED_INVOKE waiting for another durable function's execution to finish.

    The host starts ``function_name`` with ``payload`` (serialized input) and
    ``parent={"executionId": <this execution>, "operationId": operation_id}`` — idempotently,
    with execution ``name`` = ``"{parent execution id}:{operation_id}"`` — and when it finishes
    completes this operation with ``store.complete_external``.
    """

    operation_id: str
    function_name: str
    payload: Optional[str]
    name: Optional[str] = None


@dataclass(frozen=True)
class ResumePlan:
    timers: tuple[PendingTimer, ...] = ()
    callbacks: tuple[PendingCallback, ...] = ()
    invokes: tuple[PendingInvoke, ...] = ()

    @property
    def earliest_due_ms(self) -> Optional[int]:
        """When the execution should be resumed by a timer (None: no timer pending)."""
        return min((t.due_ms for t in self.timers), default=None)


@dataclass(frozen=True)
class InvocationOutcome:
    """Typed result of ``engine.run_invocation``."""

    execution_id: str
    status: OutcomeStatus
    result: Optional[str] = None  # serialized (SUCCEEDED)
    error: Optional[ErrorObject] = None  # FAILED
    plan: ResumePlan = field(default_factory=ResumePlan)  # SUSPENDED
    parent: Optional[dict[str, str]] = None  # the execution's parent (invoke), if any


def child_execution_id(parent_execution_id: str, operation_id: str) -> str:
    """The execution id of the child a CHAINED_INVOKE starts: derived from the parent's
    execution and operation, so the parent's history names it (``ChainedInvokeStartedDetails.
    DurableExecutionArn``) before the child exists, and a re-sent start finds the same child."""
    return uuid.uuid5(_CHILD_NAMESPACE, f"{parent_execution_id}:{operation_id}").hex
