"""Resume envelopes of durable executions: send one now, or schedule one for a due time.

A resume is a ``kind="workflow"`` envelope (docs/contracts.md) for the execution's function:
``payload = {"reason": ..., "operationId": ..., "dueMs"?: ..., "callbackId"?: ...}``.
Envelope ids are deterministic per cause (``timer:{execution}:{op}:{due}``, ``cb:{callback}``,
``invoke:{execution}:{op}``), so a re-sent resume is dropped by SQS deduplication, and one that
gets through anyway is harmless (it replays, finds nothing new and suspends again).

Timers go through ``durable_lambda.core.timers.schedule_envelope`` (EventBridge Scheduler) when that
module is deployed. Without it (local development only) the envelope is sent at once — SQS FIFO
queues have no per-message delay — carrying ``dueMs``; the host holds or re-sends a resume that
arrives before it is due (``hosting.LambdaHost``).
"""
from __future__ import annotations

from typing import Any, Optional

from durable_lambda.core.envelope import Envelope, send
from durable_lambda.core.errors import InvalidRequestError

REASONS = frozenset({"start", "timer", "wait", "retry", "condition", "callback", "callback_timeout",
                     "invoke", "wake"})


def resume_envelope(function_name: str, execution_id: str, reason: str,
                    operation_id: Optional[str] = None, message_id: Optional[str] = None,
                    **extra: Any) -> Envelope:
    """The workflow envelope that resumes ``execution_id`` of ``function_name``."""
    if reason not in REASONS:
        raise InvalidRequestError(f"resume reason must be one of {sorted(REASONS)}, got {reason!r}")
    payload = {"reason": reason, "operationId": operation_id,
               **{k: v for k, v in extra.items() if v is not None}}
    if message_id is None:
        return Envelope(kind="workflow", target=function_name, key=execution_id, payload=payload)
    return Envelope(kind="workflow", target=function_name, key=execution_id, payload=payload,
                    id=message_id)


def send_resume(function_name: str, execution_id: str, reason: str,
                operation_id: Optional[str] = None, message_id: Optional[str] = None) -> str:
    """Enqueue a resume now; returns the envelope id."""
    return send(resume_envelope(function_name, execution_id, reason, operation_id, message_id))


def schedule_resume(function_name: str, execution_id: str, reason: str, operation_id: str,
                    due_ms: int, **extra: Any) -> str:
    """Resume ``execution_id`` at ``due_ms`` (epoch ms); idempotent per (operation, due time)."""
    message_id = f"{reason}:{execution_id}:{operation_id}:{due_ms}"
    envelope = resume_envelope(function_name, execution_id, reason, operation_id, message_id,
                               dueMs=due_ms, **extra)
    schedule = _scheduler()
    if schedule is None:
        return send(envelope)
    schedule(envelope, due_ms / 1000.0)  # idempotent: named after the envelope id
    return envelope.id


def _scheduler() -> Any:
    """``timers.schedule_envelope`` when deployed (and ``DURABLE_SCHEDULE_GROUP`` is set)."""
    try:
        from durable_lambda.core import timers
    except ImportError:
        return None
    from durable_lambda.core.settings import get_settings
    if not get_settings().schedule_group:
        return None
    return getattr(timers, "schedule_envelope", None)
