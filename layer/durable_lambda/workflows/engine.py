"""Run one invocation of a durable function against a ``CheckpointStore``.

``run_invocation`` replays the recorded operations, runs new ones (checkpointing as it goes,
in batches where the semantics allow), and ends the invocation with an ``InvocationOutcome``:
SUCCEEDED / FAILED (recorded with ``store.finish``, lease released), SUSPENDED (buffered
checkpoints flushed, lease released, ``plan`` says when/why to resume) or RETRY (a retryable
``InvocationError`` such as ``RetryableSerDesError`` escaped the handler, as the SDK: the invocation
fails, the execution stays RUNNING; checkpoints flushed, lease released with the error, the host
runs the invocation again). Store failures
(``FencedError``...) propagate to the host: nothing terminal was recorded, a retry is safe.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.workflows.context import DurableContext
from durable_lambda.workflows.errors import PayloadTooLargeError
from durable_lambda.workflows.exceptions import InvocationError
from durable_lambda.workflows.model import ExecutionRecord, ExecutionStatus
from durable_lambda.workflows.outcome import InvocationOutcome, OutcomeStatus
from durable_lambda.workflows.serdes import (
    DEFAULT_MAX_PAYLOAD_BYTES, SerDes, SerDesContext, dump_execution_result, load_execution_input)
from durable_lambda.workflows.state import CheckpointFailed, ExecutionState, error_object, plan_of
from durable_lambda.workflows.store import CheckpointStore
from durable_lambda.workflows.suspend import SuspendExecution

DurableHandler = Callable[[Any, DurableContext], Any]
DEFAULT_LEASE_MS = 15 * 60 * 1000


@dataclass(frozen=True)
class ExecutionOptions:
    """Engine knobs: payload cap, distinct operations per checkpoint call, I/O serdes."""

    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES
    checkpoint_batch_size: int = 99  # one DynamoDB transaction
    serdes: Optional[SerDes] = None  # execution input and result


def run_invocation(func: DurableHandler, store: CheckpointStore, execution_id: str, holder: str,
                   *, record: ExecutionRecord | None = None, lease_ms: int = DEFAULT_LEASE_MS,
                   options: ExecutionOptions | None = None, lambda_context: Any = None,
                   clock: Callable[[], int] | None = None) -> InvocationOutcome:
    """Run ``func(input, context)`` once for ``execution_id`` (acquires the lease unless
    ``record`` was already acquired by the caller for ``holder``)."""
    options = options or ExecutionOptions()
    record = record or store.acquire(execution_id, holder, lease_ms)
    if record.status is not ExecutionStatus.RUNNING:  # duplicate resume of a finished one
        store.release(execution_id, holder)
        return _finished(record)
    state = ExecutionState(store, record, holder, clock=clock,
                           max_payload_bytes=options.max_payload_bytes,
                           checkpoint_batch_size=options.checkpoint_batch_size)
    context = DurableContext.for_execution(state, lambda_context)
    io = SerDesContext("execution", execution_id)
    try:
        try:
            result = func(load_execution_input(options.serdes, record.input, io), context)
            if state.fatal is not None:
                raise state.fatal
            payload = dump_execution_result(options.serdes, result, io, options.max_payload_bytes)
        except SuspendExecution as suspension:
            if state.fatal is not None:
                return _fail(store, state, state.fatal, record)
            state.flush()
            store.release(execution_id, holder)
            return InvocationOutcome(execution_id, OutcomeStatus.SUSPENDED, plan=plan_of(suspension),
                                     parent=record.parent)
        except InvocationError as exc:
            if state.fatal is not None or not exc.is_retryable():
                return _fail(store, state, state.fatal or exc, record)
            error = error_object(exc)
            state.flush()
            store.release(execution_id, holder, error=error)
            return InvocationOutcome(execution_id, OutcomeStatus.RETRY, error=error,
                                     parent=record.parent)
        except Exception as exc:  # noqa: BLE001 - the workflow failed
            return _fail(store, state, exc, record)
        state.flush()
        store.finish(execution_id, holder, ExecutionStatus.SUCCEEDED, result=payload)
        return InvocationOutcome(execution_id, OutcomeStatus.SUCCEEDED, result=payload,
                                 parent=record.parent)
    except CheckpointFailed as failed:
        raise failed.original from None


def _fail(store: CheckpointStore, state: ExecutionState, exc: BaseException,
          record: ExecutionRecord) -> InvocationOutcome:
    error = error_object(exc)
    state.flush()
    store.finish(record.execution_id, state.holder, ExecutionStatus.FAILED, error=error)
    return InvocationOutcome(record.execution_id, OutcomeStatus.FAILED, error=error,
                             parent=record.parent)


def _finished(record: ExecutionRecord) -> InvocationOutcome:
    status = OutcomeStatus.SUCCEEDED if record.status is ExecutionStatus.SUCCEEDED \
        else OutcomeStatus.FAILED
    return InvocationOutcome(record.execution_id, status, result=record.result,
                             error=record.error, parent=record.parent)


__all__ = ["run_invocation", "ExecutionOptions", "DurableHandler", "PayloadTooLargeError"]
