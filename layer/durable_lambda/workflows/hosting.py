"""``LambdaHost``: runs ``@durable_execution`` functions on the fabric (DynamoDB, SQS, Scheduler).

Events (docs/workflows_hosting.md):

* direct invoke ``{"input": <json>, "name"?: str}`` (or any other JSON value: the input) starts
  an execution — idempotently by ``name`` — and runs it in this invocation; the response is
  ``{"executionId", "status", "result"?, "error"?}``. A child start from ``context.invoke``
  carries ``{"serializedInput", "name", "parent"}``. A retryable ``InvocationError`` raises
  ``InvocationRetry`` (Lambda retries an asynchronous invocation) until the
  ``DURABLE_MAX_INVOCATION_ATTEMPTS``-th failed invocation in a row, which fails the execution.
* SQS batches of ``kind="workflow"`` envelopes resume executions (one run per execution per
  batch, executions side by side); failures are reported per record (``batchItemFailures``).

After each run: SUSPENDED -> a resume is scheduled at the plan's earliest due time (waits,
retries, polls), child executions are started for new invokes (with the id the parent's history
names, ``outcome.child_execution_id``), and each new callback with a timeout or heartbeat timeout
gets its own deadline timer, whether or not the code waits on it yet (``expire_callback`` times
it out — ``Callback.Timeout`` / ``Callback.Heartbeat`` — at its own time, then runs);
finished with a parent -> the parent's CHAINED_INVOKE op is completed and the parent resumed.
These effects happen *before* the lease is released with ``settled``; an invocation that dies
between a checkpoint and its effects leaves the execution unsettled, and the next run (SQS or
Lambda retry of the same event) redoes the effects of every pending operation.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

from durable_lambda.core import metrics
from durable_lambda.core.envelope import send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.event_shapes import is_sqs_event
from durable_lambda.core.invoke import invoke_function
from durable_lambda.core.logging import bind_invocation, set_log_context
from durable_lambda.core.settings import get_settings
from durable_lambda.core.startup import check_timeout
from durable_lambda.workflows.callbacks import expire_callback
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.errors import ExecutionBusyError, ExecutionNotFoundError
from durable_lambda.workflows.execution import DurableFunction
from durable_lambda.workflows.host import register_default_host
from durable_lambda.workflows.model import (
    ErrorObject,
    ExecutionRecord,
    ExecutionStatus,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
)
from durable_lambda.workflows.outcome import (
    InvocationOutcome,
    OutcomeStatus,
    ResumePlan,
    TimerKind,
    child_execution_id,
)
from durable_lambda.workflows.resume import resume_envelope, schedule_resume, send_resume

if TYPE_CHECKING:  # the SQS batch machinery loads with the first SQS event (cold start)
    from durable_lambda.core.sqs_batch import Item

log = logging.getLogger("durable_lambda")
#: a lease outlives the invocation by this much (the invocation cannot run longer)
LEASE_MARGIN_MS = 10_000
DEFAULT_LEASE_MS = 15 * 60 * 1000 + LEASE_MARGIN_MS
MAX_PARALLEL_EXECUTIONS = 10


class _HostedStore:
    """The store as the engine sees it: records which operations were checkpointed and defers
    ``release`` so the host can perform the effects first (everything else is delegated)."""

    def __init__(self, store: DynamoDBStore) -> None:
        self._store = store
        self.changed: set[str] = set()
        self.callbacks: dict[str, Operation] = {}  # CALLBACK ops as this run left them
        self.release_requested = False
        self.release_error: Optional[ErrorObject] = None  # the invocation failed (RETRY)

    def checkpoint(self, execution_id: str, holder: str,
                   updates: Sequence[OperationUpdate]) -> list[Operation]:
        ops = self._store.checkpoint(execution_id, holder, updates)
        self.changed.update(op.id for op in ops)
        self.callbacks.update((op.id, op) for op in ops if op.type is OperationType.CALLBACK)
        return ops

    def release(self, execution_id: str, holder: str,
                error: Optional[ErrorObject] = None) -> None:
        self.release_requested, self.release_error = True, error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class InvocationRetry(Exception):
    """A retryable ``InvocationError`` ended the run (the SDK's "throw to trigger Lambda retry"):
    raised out of the handler so Lambda retries the invocation (SQS redelivers a resume); the
    execution stays RUNNING."""

    def __init__(self, execution_id: str, error: Optional[ErrorObject]) -> None:
        self.execution_id, self.error = execution_id, error
        what = f"{error.error_type}: {error.error_message}" if error else "an invocation error"
        super().__init__(f"invocation of execution {execution_id!r} failed with {what}; "
                         f"retry it")


class LambdaHost:
    """The ``ExecutionHost`` of durable functions deployed on AWS Lambda (and the local fabric)."""

    def __init__(self, store: Optional[DynamoDBStore] = None, busy_wait_seconds: float = 1.0,
                 hold_early_ms: int = 2000) -> None:
        self._store = store
        self.busy_wait_seconds = busy_wait_seconds
        #: a timer resume at most this early is held until due, an earlier one re-sent
        self.hold_early_ms = hold_early_ms

    @property
    def store(self) -> DynamoDBStore:
        if self._store is None:  # settings are read when first needed
            self._store = DynamoDBStore()
        return self._store

    def handle(self, function: DurableFunction, event: Any, lambda_context: Any) -> Any:
        bind_invocation(lambda_context)
        check_timeout(lambda_context)
        if is_sqs_event(event):
            return self.handle_batch(function, event["Records"], lambda_context)
        return self.handle_direct(function, event, lambda_context)

    # --- direct start ---------------------------------------------------------------------
    def handle_direct(self, function: DurableFunction, event: Any,
                      lambda_context: Any) -> dict[str, Any]:
        """Start (idempotently by name) and run an execution; returns its status."""
        serialized, name, parent = _start_request(event)
        child_id = child_execution_id(parent["executionId"], parent["operationId"]) \
            if parent else None
        record, _ = self.store.start_execution(function.name, serialized, name=name,
                                               parent=parent, execution_id=child_id)
        if record.status is not ExecutionStatus.RUNNING:
            self._notify_parent(record.execution_id, record.parent, record.status,
                                record.result, record.error)
            return _response(record.execution_id, record.status.value, record.result,
                             record.error)
        try:  # Lambda makes max_invocation_attempts of an asynchronous invocation
            outcome = self.run(function, record.execution_id, lambda_context,
                               attempts=get_settings().max_invocation_attempts)
        except ExecutionBusyError:  # a duplicate start while another invocation runs it
            return _response(record.execution_id, ExecutionStatus.RUNNING.value)
        status = "RUNNING" if outcome.status is OutcomeStatus.SUSPENDED else outcome.status.value
        return _response(record.execution_id, status, outcome.result, outcome.error)

    # --- SQS resumes ----------------------------------------------------------------------
    def handle_batch(self, function: DurableFunction, records: list[dict[str, Any]],
                     lambda_context: Any) -> dict[str, Any]:
        from durable_lambda.core.sqs_batch import process_batch

        return process_batch(records, "workflow",
                             lambda items: self._resume_group(function, items, lambda_context),
                             MAX_PARALLEL_EXECUTIONS, function_name=function.name)

    def _resume_group(self, function: DurableFunction, items: list[Item],
                      lambda_context: Any) -> list[str]:
        """One run for all resumes of one execution; returns the message ids to retry."""
        execution_id = items[0].envelope.key
        # on the queue's last delivery (SQS would dead-letter it next) an invocation that fails
        # with a retryable InvocationError fails the execution instead (``run``)
        final = max(i.receive_count for i in items) >= get_settings().max_receive_count
        try:
            if any([self._wake(function, execution_id, item) for item in items]):
                self.run(function, execution_id, lambda_context, final_attempt=final)
                metrics.emit(Resumes=1)
        except ExecutionNotFoundError as exc:
            from durable_lambda.core.sqs_batch import reject

            return reject(items, InvalidRequestError(str(exc)))
        except Exception as exc:  # noqa: BLE001 - busy, fenced, throttled: SQS retries
            log.warning("resume of execution %s failed: %s: %s", execution_id,
                        type(exc).__name__, exc)
            return [i.message_id for i in items]
        return []

    def _wake(self, function: DurableFunction, execution_id: str, item: Item) -> bool:
        """Pre-run work of one resume; False when it needs no run yet."""
        payload = item.envelope.payload if isinstance(item.envelope.payload, dict) else {}
        reason, due = payload.get("reason"), payload.get("dueMs")
        early_ms = due - self.store.now_ms() if isinstance(due, int) else 0
        if early_ms > self.hold_early_ms:  # no Scheduler (local only): come back later
            send(resume_envelope(function.name, execution_id, str(reason),
                                 payload.get("operationId"),
                                 f"{execution_id}:early:{uuid.uuid4().hex}",
                                 **{k: v for k, v in payload.items()
                                    if k not in ("reason", "operationId")}))
            return False
        if early_ms > 0:
            time.sleep(early_ms / 1000)
        if reason == "callback_timeout" and payload.get("callbackId"):
            return expire_callback(str(payload["callbackId"]), self.store) is not None
        return True

    # --- one run --------------------------------------------------------------------------
    def run(self, function: DurableFunction, execution_id: str, lambda_context: Any,
            final_attempt: bool = False, attempts: Optional[int] = None) -> InvocationOutcome:
        """Acquire, run the engine, perform the effects, release (see module docstring).

        RETRY (a retryable ``InvocationError`` escaped the handler): the lease is released
        unsettled with the error and ``InvocationRetry`` raised — unless this was the last
        attempt: ``final_attempt`` (the last delivery of the resume) or the ``attempts``-th
        failed invocation in a row (a direct invocation: Lambda retries it ``attempts - 1``
        times; the count is the store's, kept at each release). Then the execution fails with
        the error (the invocation's InvocationCompleted carries it) and the FAILED outcome is
        returned."""
        set_log_context(executionId=execution_id)
        holder = f"{getattr(lambda_context, 'aws_request_id', 'local')}:{uuid.uuid4().hex[:12]}"
        lease_ms = _lease_ms(lambda_context)
        record = self._acquire(execution_id, holder, lease_ms)
        recovering = self.store.needs_recovery(execution_id, holder)
        hosted = _HostedStore(self.store)
        try:
            outcome = function.run(
                hosted, execution_id, holder, record=record,  # type: ignore[arg-type]
                lease_ms=lease_ms, lambda_context=lambda_context)
            if outcome.status is OutcomeStatus.SUSPENDED:
                self._settle(function.name, record, outcome.plan, hosted, recovering)
        except BaseException as exc:
            self._release_quietly(execution_id, holder, exc)
            raise
        if outcome.status is OutcomeStatus.RETRY:
            failed = self.store.failed_invocations(execution_id, holder) + 1
            if not final_attempt and (attempts is None or failed < attempts):
                # unsettled: the retry recovers the effects
                self.store.release(execution_id, holder, settled=False,
                                   error=hosted.release_error)
                raise InvocationRetry(execution_id, outcome.error)
            log.error("execution %s failed: its invocation failed on the last attempt (%d in a "
                      "row): %s", execution_id, failed, outcome.error)
            try:
                self.store.finish(execution_id, holder, ExecutionStatus.FAILED,
                                  error=outcome.error, invocation_error=hosted.release_error)
            except BaseException as exc:
                self._release_quietly(execution_id, holder, exc)
                raise
            hosted.release_requested = False  # finish released the lease
            outcome = InvocationOutcome(execution_id, OutcomeStatus.FAILED, error=outcome.error,
                                        parent=outcome.parent)
        if hosted.release_requested and self.store.release(execution_id, holder, settled=True) \
                and outcome.status is OutcomeStatus.SUSPENDED:
            # completed from outside while we ran: its resume may have met our lease
            send_resume(function.name, execution_id, "wake",
                        message_id=f"wake:{execution_id}:{uuid.uuid4().hex}")
        if outcome.status is not OutcomeStatus.SUSPENDED:
            self._notify_parent(execution_id, outcome.parent,
                                ExecutionStatus(outcome.status.value), outcome.result,
                                outcome.error)
        return outcome

    def _acquire(self, execution_id: str, holder: str, lease_ms: int) -> ExecutionRecord:
        """Take the lease, waiting up to ``busy_wait_seconds`` for a run about to suspend."""
        deadline = time.monotonic() + self.busy_wait_seconds
        delay = 0.02
        while True:
            try:
                return self.store.acquire(execution_id, holder, lease_ms)
            except ExecutionBusyError:
                if time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.25)

    def _release_quietly(self, execution_id: str, holder: str, exc: BaseException) -> None:
        """Release after the run raised: the invocation fails (recorded with its error)."""
        try:
            self.store.release(execution_id, holder, settled=False,
                               error=ErrorObject(type(exc).__name__, str(exc)))
        except Exception as exc:  # noqa: BLE001 - the lease expires anyway
            log.warning("could not release execution %s: %s", execution_id, exc)

    # --- effects --------------------------------------------------------------------------
    def _settle(self, function_name: str, record: ExecutionRecord, plan: ResumePlan,
                hosted: _HostedStore, recovering: bool) -> None:
        """Schedule the resume timer, start new children, arm new callbacks' deadlines."""
        execution_id, changed = record.execution_id, hosted.changed
        timers = [t for t in plan.timers if t.kind is not TimerKind.CALLBACK_TIMEOUT]
        if timers:  # a callback's deadline has its own timer (below)
            first = min(timers, key=lambda t: t.due_ms)
            schedule_resume(function_name, execution_id, first.kind.value, first.operation_id,
                            first.due_ms)
        callbacks = {op.id: op for op in record.operations} if recovering else {}
        callbacks.update(hosted.callbacks)
        for op in callbacks.values():
            if op.type is OperationType.CALLBACK and op.status is OperationStatus.STARTED \
                    and op.callback_id and (recovering or op.id in changed):
                due = _first_deadline(op)
                if due is not None:
                    schedule_resume(function_name, execution_id, "callback_timeout", op.id, due,
                                    callbackId=op.callback_id)
        for invoke in plan.invokes:
            if recovering or invoke.operation_id in changed:
                invoke_function(invoke.function_name, {
                    "serializedInput": invoke.payload,
                    "name": f"{execution_id}:{invoke.operation_id}",
                    "parent": {"executionId": execution_id, "operationId": invoke.operation_id,
                               "functionName": function_name}}, asynchronous=True)

    def _notify_parent(self, execution_id: str, parent: Optional[dict[str, str]],
                       status: ExecutionStatus, result: Optional[str], error: Any) -> None:
        """A finished child completes its parent's CHAINED_INVOKE op and resumes the parent
        (again on a retry: the op completes once, the resume id is deterministic)."""
        if not parent or status is ExecutionStatus.RUNNING:
            return
        parent_id, op_id = parent["executionId"], parent["operationId"]
        if status is ExecutionStatus.SUCCEEDED:
            update = OperationUpdate(id=op_id, type=OperationType.CHAINED_INVOKE,
                                     action=OperationAction.SUCCEED, payload=result)
        else:
            update = OperationUpdate(id=op_id, type=OperationType.CHAINED_INVOKE,
                                     action=OperationAction.FAIL, error=error)
        self.store.complete_external(parent_id, op_id, update)
        target = parent.get("functionName") or self.store.describe(parent_id).function_name
        send_resume(target, parent_id, "invoke", op_id, message_id=f"invoke:{parent_id}:{op_id}")
        log.info("execution %s %s: parent %s resumed", execution_id, status.value, parent_id)


def _first_deadline(op: Operation) -> Optional[int]:
    """When a callback must be checked first: its timeout or its first heartbeat deadline."""
    deadlines = [op.timeout_ms] if op.timeout_ms is not None else []
    if op.heartbeat_timeout_seconds:
        deadlines.append(op.start_ms + int(op.heartbeat_timeout_seconds * 1000))
    return min(deadlines, default=None)


def _lease_ms(lambda_context: Any) -> int:
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    return int(remaining()) + LEASE_MARGIN_MS if callable(remaining) else DEFAULT_LEASE_MS


def _start_request(event: Any) -> tuple[Optional[str], Optional[str], Optional[dict[str, str]]]:
    """(serialized input, name, parent) of a direct start event."""
    if isinstance(event, dict) and "serializedInput" in event:
        serialized, name, parent = event["serializedInput"], event.get("name"), event.get("parent")
        if serialized is not None and not isinstance(serialized, str):
            raise InvalidRequestError("serializedInput must be a string")
        if not isinstance(parent, dict) or not {"executionId", "operationId"} <= set(parent):
            raise InvalidRequestError("a child start needs parent {executionId, operationId}")
    else:
        is_request = isinstance(event, dict) and "input" in event
        value = event.get("input") if is_request else event
        name = event.get("name") if is_request else None
        parent = None
        try:
            serialized = json.dumps(value, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidRequestError(f"execution input is not JSON: {exc}") from None
    if name is not None and (not isinstance(name, str) or not name or len(name) > 256):
        raise InvalidRequestError(f"execution name must be a 1-256 character string, got {name!r}")
    return serialized, name, parent


def _response(execution_id: str, status: str, result: Optional[str] = None,
              error: Any = None) -> dict[str, Any]:
    response: dict[str, Any] = {"executionId": execution_id, "status": status}
    if result is not None:
        try:
            response["result"] = json.loads(result)
        except ValueError:
            response["result"] = result
    if error is not None:
        response["error"] = error.to_dict()
    return response


register_default_host(LambdaHost)
