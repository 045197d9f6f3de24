"""The only place that turns an ``OperationUpdate`` into stored ``Operation`` state (pure)."""
from __future__ import annotations

import uuid

from durable_lambda.workflows.errors import InvalidCheckpointError
from durable_lambda.workflows.model import (
    ErrorObject, Operation, OperationAction, OperationStatus, OperationType, OperationUpdate)

FINISHED = frozenset({OperationStatus.SUCCEEDED, OperationStatus.FAILED,
                      OperationStatus.CANCELLED, OperationStatus.TIMED_OUT,
                      OperationStatus.STOPPED})


def _reject(update: OperationUpdate, why: str) -> InvalidCheckpointError:
    return InvalidCheckpointError(
        f"operation {update.id!r}: {update.action.value} on {update.type.value} rejected: {why}")


def apply_update(existing: Operation | None, update: OperationUpdate, now_ms: int,
                 callback_id: str | None = None, seq: int | None = None) -> Operation:
    """Return the operation after ``update``; raise ``InvalidCheckpointError`` if invalid.

    ``callback_id`` lets a store supply the id of a new CALLBACK (default: uuid4 hex).
    ``seq`` (optional): the store's per-execution commit sequence number of this update,
    recorded as ``start_seq`` / ``end_seq`` so history events come out in commit order.
    """
    op = _apply(existing, update, now_ms, callback_id)
    if seq is not None:
        if existing is None or (update.action is OperationAction.START and op.start_seq is None):
            op = op.with_changes(start_seq=seq)
        if op.status in FINISHED:
            op = op.with_changes(end_seq=seq)
    return op


def _apply(existing: Operation | None, update: OperationUpdate, now_ms: int,
           callback_id: str | None) -> Operation:
    if existing is not None and existing.type != update.type:
        raise _reject(update, f"stored type is {existing.type.value}")
    if existing is not None and existing.status in FINISHED:
        raise _reject(update, f"operation already {existing.status.value}")
    action = update.action
    if action is OperationAction.START:
        return _start(existing, update, now_ms, callback_id)
    if existing is None and update.type is not OperationType.STEP and \
            update.type is not OperationType.CONTEXT:
        raise _reject(update, "operation was never started")
    base = existing or Operation(id=update.id, type=update.type, status=OperationStatus.STARTED,
                                 parent_id=update.parent_id, name=update.name,
                                 sub_type=update.sub_type, start_ms=now_ms)
    if action is OperationAction.SUCCEED or action is OperationAction.FAIL:
        ok = action is OperationAction.SUCCEED
        return base.with_changes(
            status=OperationStatus.SUCCEEDED if ok else OperationStatus.FAILED,
            result=update.payload if ok else base.result,
            error=None if ok else update.error, end_ms=now_ms, next_attempt_ms=None,
            attempt=base.attempt + 1 if base.type is OperationType.STEP else base.attempt,
            replay_children=update.replay_children)
    if action is OperationAction.RETRY:
        if update.type is not OperationType.STEP:
            raise _reject(update, "RETRY applies to STEP operations only")
        delay_ms = int(round((update.next_attempt_delay_seconds or 0) * 1000))
        return base.with_changes(status=OperationStatus.PENDING, attempt=base.attempt + 1,
                                 next_attempt_ms=now_ms + delay_ms,
                                 error=update.error or base.error,
                                 result=update.payload if update.payload is not None else base.result)
    if action is OperationAction.TIMEOUT:
        return base.with_changes(status=OperationStatus.TIMED_OUT, end_ms=now_ms,
                                 error=update.error or ErrorObject("TimedOut", "timed out"))
    if action is OperationAction.CANCEL:
        return base.with_changes(status=OperationStatus.CANCELLED, end_ms=now_ms)
    raise _reject(update, "unknown action")


def _start(existing: Operation | None, update: OperationUpdate, now_ms: int,
           callback_id: str | None) -> Operation:
    if existing is not None:
        # a STEP is re-STARTed for each attempt (after a RETRY, or at-most-once checkpoint)
        if update.type is OperationType.STEP and existing.status in (
                OperationStatus.PENDING, OperationStatus.READY, OperationStatus.STARTED):
            return existing.with_changes(status=OperationStatus.STARTED, next_attempt_ms=None)
        raise _reject(update, f"operation already exists ({existing.status.value})")
    op = Operation(id=update.id, type=update.type, status=OperationStatus.STARTED,
                   parent_id=update.parent_id, name=update.name, sub_type=update.sub_type,
                   start_ms=now_ms)
    if update.type is OperationType.WAIT:
        if update.wait_seconds is None or update.wait_seconds < 0:
            raise _reject(update, "WAIT START needs wait_seconds >= 0")
        op = op.with_changes(scheduled_end_ms=now_ms + int(round(update.wait_seconds * 1000)))
    elif update.type is OperationType.CALLBACK:
        timeout = update.callback_timeout_seconds
        op = op.with_changes(
            callback_id=callback_id or uuid.uuid4().hex,
            timeout_ms=now_ms + int(round(timeout * 1000)) if timeout else None,
            heartbeat_timeout_seconds=update.callback_heartbeat_timeout_seconds or None)
    elif update.type is OperationType.CHAINED_INVOKE:
        if not update.function_name:
            raise _reject(update, "CHAINED_INVOKE START needs function_name")
        op = op.with_changes(function_name=update.function_name, input=update.payload,
                             tenant_id=update.tenant_id)
    elif update.type is OperationType.EXECUTION:
        op = op.with_changes(input=update.payload)
    return op
