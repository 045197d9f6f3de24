"""Local test runner for durable functions (dev-only), like the official testing SDK.

Runs a ``@durable_execution`` handler in-process over ``InMemoryStore`` on a virtual clock:
waits, step retries and condition polls complete instantly (time skips to the next due
timer). Callbacks are answered by the test (``send_callback_success`` / ``_failure`` /
``_heartbeat``, ``timeout_callback``) or time out (``Callback.Timeout``, ``Callback.Heartbeat``)
when time reaches their deadline: the test advances it (``advance_time``), or skipping to a
later wait/retry/poll passes it — a callback's timeout is its own timer, fired at its own time.
``context.invoke`` runs the registered durable function locally. The history is the store's
(``InMemoryStore`` records every attempt and invocation, as ``DynamoDBStore`` does).

    runner = DurableTestRunner(order_pipeline, functions={"payments": payments})
    result = runner.run({"orderId": "o-1"})
    if result.status is ExecutionStatus.RUNNING:          # waiting for a callback
        result = runner.send_callback_success(result.get_operation("approval").callback_id,
                                              {"approved": True})
    assert result.status is ExecutionStatus.SUCCEEDED
"""
from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from durable_lambda.workflows.errors import ValidationError
from durable_lambda.workflows.execution import DurableFunction
from durable_lambda.workflows.history import Invocation, history_events, invocations_of
from durable_lambda.workflows.model import (
    ErrorObject, ExecutionRecord, ExecutionStatus, Operation, OperationAction, OperationStatus,
    OperationType, OperationUpdate)
from durable_lambda.workflows.outcome import (
    InvocationOutcome, OutcomeStatus, TimerKind, child_execution_id)
from durable_lambda.workflows.store import InMemoryStore

Handler = Union[DurableFunction, Callable[[Any, Any], Any]]
_TIME_SKIPPED = {TimerKind.WAIT, TimerKind.RETRY, TimerKind.CONDITION}
#: what the service records when a callback's deadline passes (the official SDK's names)
CALLBACK_TIMEOUT = ErrorObject("Callback.Timeout", "Callback timed out")
CALLBACK_HEARTBEAT_TIMEOUT = ErrorObject("Callback.Heartbeat", "Callback timed out on heartbeat")
#: an invocation that ends with a retryable InvocationError (OutcomeStatus.RETRY) is run again
#: after INVOCATION_RETRY_SECONDS (virtual); the INVOCATION_ATTEMPTS-th consecutive failure fails
#: the execution with its error (the official local runner's budget and backoff)
INVOCATION_ATTEMPTS = 5
INVOCATION_RETRY_SECONDS = 5
_INVOCATION_RETRY = "invocation-retry"


@dataclass(frozen=True)
class InvocationContext:
    """The Lambda context each invocation gets (as the official local runner gives one): a
    fresh request id per invocation, the function's name, 15 minutes to run."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class VirtualClock:
    """Milliseconds that move when told to, and with the wall clock while an invocation runs
    (``running()``: as the official runner's ``skip_time``, code takes its real time, so a
    map branch's 1 s wait comes due while a sibling's step sleeps 2 s)."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self.ms = start_ms
        self._since: Optional[float] = None  # time.monotonic() when the invocation began

    def now(self) -> int:
        if self._since is None:
            return self.ms
        return self.ms + int((time.monotonic() - self._since) * 1000)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Let time pass with the wall clock for the duration of the block."""
        self._since = time.monotonic()
        try:
            yield
        finally:
            self.ms, self._since = self.now(), None

    def advance_to(self, ms: int) -> None:
        self.ms = max(self.ms, ms)

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@dataclass
class DurableTestResult:
    """Status, result, error, operations and history of one execution."""

    execution_id: str
    status: ExecutionStatus
    result: Any
    error: Optional[ErrorObject]
    operations: list[Operation]
    history: list[dict[str, Any]]
    invocations: list[Invocation] = field(default_factory=list)

    def find_operations(self, name: str) -> list[Operation]:
        return [op for op in self.operations if op.name == name]

    def get_operation(self, name: str) -> Operation:
        """The first operation named ``name`` (KeyError naming it if there is none)."""
        found = self.find_operations(name)
        if not found:
            raise KeyError(f"no operation named {name!r}; names: "
                           f"{sorted({op.name for op in self.operations if op.name})}")
        return found[0]

    def children(self, op: Operation) -> list[Operation]:
        return [o for o in self.operations if o.parent_id == op.id]

    def result_of(self, name: str) -> Any:
        op = self.get_operation(name)
        return None if op.result is None else json.loads(op.result)

    @property
    def pending_callbacks(self) -> list[Operation]:
        return [op for op in self.operations
                if op.type is OperationType.CALLBACK and op.status is OperationStatus.STARTED]


class DurableTestRunner:
    """Drive a durable handler to completion (or to a pending callback) in virtual time."""

    def __init__(self, handler: Handler, *, functions: Optional[dict[str, Handler]] = None,
                 clock: Optional[VirtualClock] = None, max_invocations: int = 10_000) -> None:
        self.clock = clock or VirtualClock()
        self.store = InMemoryStore(clock=self.clock.now)
        self.function = _durable(handler)
        self.functions: dict[str, DurableFunction] = {}
        self.max_invocations = max_invocations
        self._timers: dict[str, dict[str, tuple[int, TimerKind]]] = {}  # exec -> op -> due
        self._heartbeats: dict[str, int] = {}  # callback id -> last heartbeat ms
        self._ready: list[str] = []
        self._root: Optional[str] = None
        for name, fn in (functions or {}).items():
            self.register(name, fn)

    def register(self, name: str, handler: Handler) -> None:
        """Make ``context.invoke(name, ...)`` run ``handler`` locally."""
        self.functions[name] = _durable(handler)

    # -- starting and driving -----------------------------------------------------------
    def run(self, input: Any = None, name: Optional[str] = None) -> DurableTestResult:
        """Start an execution and drive it until it finishes or waits on a callback."""
        record, created = self.store.start_execution(self.function.name, json.dumps(input), name)
        self._root = record.execution_id
        if created:
            self._ready.append(record.execution_id)
        return self._drive()

    def resume(self, execution_id: Optional[str] = None) -> DurableTestResult:
        """Run the execution again now (a duplicate resume is harmless)."""
        self._ready.append(execution_id or self._require_root())
        return self._drive()

    def advance_time(self, seconds: float) -> DurableTestResult:
        """Move the clock forward (callback timeouts fire), then drive."""
        self.clock.advance(seconds)
        self._fire_due(include_callbacks=True)
        return self._drive()

    def result(self, execution_id: Optional[str] = None) -> DurableTestResult:
        record, events = self.store.load_history(execution_id or self._require_root())
        value = json.loads(record.result) if record.result is not None else None
        return DurableTestResult(record.execution_id, record.status, value, record.error,
                                 list(record.operations), history_events(record, events),
                                 invocations_of(events))

    @property
    def invocations(self) -> dict[str, list[Invocation]]:
        """Invocations per execution id, from the store's event record."""
        return {eid: invocations_of(self.store.load_history(eid)[1])
                for eid in self.store.execution_ids()}

    # -- callbacks ----------------------------------------------------------------------
    def send_callback_success(self, callback_id: str, result: Any = None) -> DurableTestResult:
        """Complete a callback: ``bytes`` are sent as they are (the official runner's form),
        any other value as its JSON."""
        payload = result.decode() if isinstance(result, bytes) else json.dumps(result)
        return self._complete(callback_id, OperationAction.SUCCEED, payload=payload)

    def send_callback_failure(self, callback_id: str, error: Union[ErrorObject, str] = "failed",
                              error_type: str = "CallbackFailure") -> DurableTestResult:
        err = error if isinstance(error, ErrorObject) else ErrorObject(error_type, error)
        return self._complete(callback_id, OperationAction.FAIL, error=err)

    def send_callback_heartbeat(self, callback_id: str) -> DurableTestResult:
        self.store.find_callback(callback_id)
        self._heartbeats[callback_id] = self.clock.now()
        return self.result()

    def timeout_callback(self, callback_id: str) -> DurableTestResult:
        return self._complete(callback_id, OperationAction.TIMEOUT, error=CALLBACK_TIMEOUT)

    def _complete(self, callback_id: str, action: OperationAction, *, payload: str | None = None,
                  error: ErrorObject | None = None) -> DurableTestResult:
        execution_id, op_id = self.store.find_callback(callback_id)
        update = OperationUpdate(id=op_id, type=OperationType.CALLBACK, action=action,
                                 payload=payload, error=error)
        if self.store.complete_external(execution_id, op_id, update):
            self._ready.append(execution_id)
        return self._drive()

    # -- the loop ------------------------------------------------------------------------
    def _drive(self) -> DurableTestResult:
        budget = self.max_invocations
        while True:
            while self._ready:
                if budget <= 0:
                    raise ValidationError(f"execution did not settle within "
                                          f"{self.max_invocations} invocations")
                budget -= 1
                self._invoke(self._ready.pop(0))
            if not self._skip_to_next_timer():
                return self.result()

    def _invoke(self, execution_id: str) -> None:
        record = self.store.get(execution_id)
        function = self._function_for(record)
        self._timers.pop(execution_id, None)
        holder, store = uuid.uuid4().hex, _FailedReleaseHeld(self.store)
        with self.clock.running():
            outcome = function.run(store, execution_id, holder=holder,  # type: ignore[arg-type]
                                   lambda_context=InvocationContext(record.function_name))
        if outcome.status is OutcomeStatus.RETRY:
            outcome = self._retry_invocation(record, outcome, holder, store.error)
            if outcome.status is OutcomeStatus.RETRY:
                return
        self._after(record, outcome)

    def _after(self, record: ExecutionRecord, outcome: InvocationOutcome) -> None:
        if outcome.status is OutcomeStatus.SUSPENDED:
            timers = self._timers.setdefault(record.execution_id, {})
            # the store's due time: it applied the checkpoint a little after the engine planned
            # (the clock runs during an invocation)
            ops = {op.id: op for op in self.store.get(record.execution_id).operations}
            for timer in outcome.plan.timers:
                op = ops.get(timer.operation_id)
                stored = (op.scheduled_end_ms or op.next_attempt_ms or 0) if op else 0
                timers[timer.operation_id] = (max(timer.due_ms, stored), timer.kind)
            self._arm_callbacks(record.execution_id, timers)
            for inv in outcome.plan.invokes:
                self._start_child(record.execution_id, inv.operation_id, inv.function_name,
                                  inv.payload)
            return
        if outcome.parent:  # finished child of an invoke: complete the parent's operation
            parent_id, op_id = outcome.parent["executionId"], outcome.parent["operationId"]
            ok = outcome.status is OutcomeStatus.SUCCEEDED
            update = OperationUpdate(
                id=op_id, type=OperationType.CHAINED_INVOKE,
                action=OperationAction.SUCCEED if ok else OperationAction.FAIL,
                payload=outcome.result if ok else None, error=None if ok else outcome.error)
            if self.store.complete_external(parent_id, op_id, update):
                self._ready.append(parent_id)

    def _retry_invocation(self, record: ExecutionRecord, outcome: InvocationOutcome,
                          holder: str, error: Optional[ErrorObject]) -> InvocationOutcome:
        """End the failed invocation (``holder`` still holds the lease): release it with its
        error and schedule it again, or, the budget spent, fail the execution with it (its
        InvocationCompleted carries the error; no further invocation is recorded, as the
        official runner) and return the FAILED outcome to notify a parent with."""
        execution_id = record.execution_id
        if self.store.failed_invocations(execution_id, holder) + 1 < INVOCATION_ATTEMPTS:
            self.store.release(execution_id, holder, error=error)
            due = self.clock.now() + INVOCATION_RETRY_SECONDS * 1000
            self._timers.setdefault(execution_id, {})[_INVOCATION_RETRY] = (due, TimerKind.RETRY)
            return outcome
        self.store.finish(execution_id, holder, ExecutionStatus.FAILED, error=outcome.error,
                          invocation_error=error)
        return InvocationOutcome(execution_id, OutcomeStatus.FAILED, error=outcome.error,
                                 parent=record.parent)

    def _arm_callbacks(self, execution_id: str,
                       timers: dict[str, tuple[int, TimerKind]]) -> None:
        """Deadlines of every open callback, whether or not the code waits on it yet."""
        for op in self.store.get(execution_id).operations:
            if op.type is not OperationType.CALLBACK or op.status is not OperationStatus.STARTED:
                continue
            if op.timeout_ms is not None:
                timers[op.id] = (op.timeout_ms, TimerKind.CALLBACK_TIMEOUT)
            if op.heartbeat_timeout_seconds and op.callback_id:
                last = self._heartbeats.setdefault(op.callback_id, op.start_ms)
                timers[f"hb:{op.callback_id}"] = (
                    last + int(op.heartbeat_timeout_seconds * 1000), TimerKind.CALLBACK_TIMEOUT)

    def _start_child(self, parent_id: str, op_id: str, function_name: str,
                     payload: Optional[str]) -> None:
        if function_name not in self.functions:
            update = OperationUpdate(id=op_id, type=OperationType.CHAINED_INVOKE,
                                     action=OperationAction.FAIL, error=ErrorObject(
                                         "ResourceNotFoundException",
                                         f"no durable function registered as {function_name!r}"))
            if self.store.complete_external(parent_id, op_id, update):
                self._ready.append(parent_id)
            return
        child, created = self.store.start_execution(
            function_name, payload, name=f"{parent_id}:{op_id}",
            parent={"executionId": parent_id, "operationId": op_id},
            execution_id=child_execution_id(parent_id, op_id))
        if created:
            self._ready.append(child.execution_id)

    def _skip_to_next_timer(self) -> bool:
        """Advance virtual time to the earliest wait/retry/poll timer, or to a callback deadline
        passed on the way (it fires first, at its own time); False if there is none."""
        due = [d for timers in self._timers.values() for d, kind in timers.values()
               if kind in _TIME_SKIPPED]
        if not due:
            return False
        target = min(due)
        passed = [d for timers in self._timers.values() for d, kind in timers.values()
                  if kind is TimerKind.CALLBACK_TIMEOUT and d <= target]
        self.clock.advance_to(min(passed + [target]))
        self._fire_due(include_callbacks=True)
        return True

    def _fire_due(self, include_callbacks: bool) -> None:
        now = self.clock.now()
        for execution_id, timers in list(self._timers.items()):
            fired = False
            for key, (due, kind) in list(timers.items()):
                if due > now or (kind is TimerKind.CALLBACK_TIMEOUT and not include_callbacks):
                    continue
                del timers[key]
                if key.startswith("hb:"):
                    self._heartbeat_expired(key[3:])
                elif kind is TimerKind.CALLBACK_TIMEOUT:
                    self._timeout_expired(execution_id, key)
                fired = True
            if fired and execution_id not in self._ready:
                self._ready.append(execution_id)

    def _heartbeat_expired(self, callback_id: str) -> None:
        execution_id, op_id = self.store.find_callback(callback_id)
        op = next(o for o in self.store.get(execution_id).operations if o.id == op_id)
        last = self._heartbeats.get(callback_id, op.start_ms)
        if op.heartbeat_timeout_seconds and \
                self.clock.now() >= last + int(op.heartbeat_timeout_seconds * 1000):
            self._time_out(execution_id, op_id, CALLBACK_HEARTBEAT_TIMEOUT)

    def _timeout_expired(self, execution_id: str, op_id: str) -> None:
        op = next((o for o in self.store.get(execution_id).operations if o.id == op_id), None)
        if op is not None and op.timeout_ms is not None and self.clock.now() >= op.timeout_ms:
            self._time_out(execution_id, op_id, CALLBACK_TIMEOUT)

    def _time_out(self, execution_id: str, op_id: str, error: ErrorObject) -> None:
        self.store.complete_external(execution_id, op_id, OperationUpdate(
            id=op_id, type=OperationType.CALLBACK, action=OperationAction.TIMEOUT, error=error))

    def _function_for(self, record: ExecutionRecord) -> DurableFunction:
        if record.execution_id == self._root or record.parent is None:
            return self.function
        return self.functions[record.function_name]

    def _require_root(self) -> str:
        if self._root is None:
            raise ValidationError("no execution started yet: call run() first")
        return self._root


class _FailedReleaseHeld:
    """The store as the engine sees it, except that the release of a failed invocation (RETRY:
    released with its error) is held for the runner, which retries it or fails the execution
    with it (``_retry_invocation``)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.error: Optional[ErrorObject] = None

    def release(self, execution_id: str, holder: str, error: Optional[ErrorObject] = None) -> None:
        if error is None:
            self._store.release(execution_id, holder)
        else:
            self.error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _durable(handler: Handler) -> DurableFunction:
    return handler if isinstance(handler, DurableFunction) else DurableFunction(handler)
