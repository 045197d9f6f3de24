"""The operations a plugin sees: the service's view of the execution (see ``plugin``).

The SDK reads its operation map from the invocation input: the service's ``EXECUTION``
operation first (STARTED, the execution's name, start time and input), then every operation
of the execution in the order it was created, as the service holds it when the invocation
starts. While the execution was suspended the service completed what came due: a wait whose
time passed is SUCCEEDED (ended at its scheduled end), a step retry or ``wait_for_condition``
poll whose time came is READY; callbacks completed from outside and chained invokes whose
child ended carry their outcome. Those operations are the input's ``UpdatedOperationIds``, in
the order they completed, and the start info's ``updated_operations``.

durable-lambda's store completes timers only when the code gets back to them (the engine writes
the wait's SUCCEED, the retry's START), so ``ServiceView`` shows the service's state of each
such operation until this invocation writes a newer one. The same holds for a timer that comes
due while the invocation runs, once a map/parallel resumes its branch from it (``came_due``: the
SDK's resume wave, whose refresh response shows the service's completed state).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional

from durable_lambda.workflows.model import Operation, OperationStatus, OperationType

if TYPE_CHECKING:
    from durable_lambda.workflows.state import ExecutionState

_EXTERNAL = (OperationType.CALLBACK, OperationType.CHAINED_INVOKE)


def execution_operation(state: "ExecutionState") -> Operation:
    """The service's ``EXECUTION`` operation of the running execution (id: the execution's id,
    the last segment of its ARN; name: the execution's name, its id when it was given none)."""
    return Operation(id=state.execution_id, type=OperationType.EXECUTION,
                     status=OperationStatus.STARTED,
                     name=state.execution_name or state.execution_id,
                     start_ms=state.created_ms, input=state.execution_input)


def completed_by_service(op: Operation, now_ms: int) -> Optional[Operation]:
    """``op`` as the service completes it when its timer is due at ``now_ms`` (None: not a
    timer, or not due)."""
    if (op.type is OperationType.WAIT and op.status is OperationStatus.STARTED
            and op.scheduled_end_ms is not None and op.scheduled_end_ms <= now_ms):
        return op.with_changes(status=OperationStatus.SUCCEEDED, end_ms=op.scheduled_end_ms)
    if (op.type is OperationType.STEP and op.status is OperationStatus.PENDING
            and op.next_attempt_ms is not None and op.next_attempt_ms <= now_ms):
        return op.with_changes(status=OperationStatus.READY, next_attempt_ms=None)
    return None


def completed_from_outside(operations: Mapping[str, Operation]) -> list[Operation]:
    """Callbacks and invokes completed from outside after this execution last wrote anything
    (from the store's commit sequence numbers)."""
    own = [seq for op in operations.values() for seq in (
        op.start_seq, None if op.type in _EXTERNAL else op.end_seq) if seq is not None]
    last = max(own, default=-1)
    return [op for op in operations.values()
            if op.type in _EXTERNAL and op.end_seq is not None and op.end_seq > last]


class ServiceView:
    """The plugin view of one invocation's operations (``operations()`` reads the current
    state each time) and the ids the service reports as updated while it was suspended."""

    def __init__(self, state: "ExecutionState") -> None:
        self._state = state
        self._execution = execution_operation(state)
        self._base = state.operations()
        now_ms = state.now_ms()
        self._service = {op_id: done for op_id, op in self._base.items()
                         if (done := completed_by_service(op, now_ms)) is not None}
        completed = [*self._service.values(), *completed_from_outside(self._base)]
        order = {op_id: index for index, op_id in enumerate(self._base)}
        completed.sort(key=lambda op: (op.end_ms if op.end_ms is not None else
                                       self._base[op.id].next_attempt_ms or 0, order[op.id]))
        #: ``UpdatedOperationIds``: in the order the operations completed
        self.updated_ids: list[str] = [op.id for op in completed]

    def came_due(self, now_ms: int) -> None:
        """The service completed every timer due at ``now_ms`` (a resume wave): shown so until
        this invocation writes a newer state of the operation."""
        for op_id, op in self._state.operations().items():
            done = completed_by_service(op, now_ms)
            if done is not None:  # the base first: operations() reads it second
                self._base[op_id], self._service[op_id] = op, done

    def operations(self) -> dict[str, Operation]:
        """``EXECUTION`` first, then each operation: the service's state of one this
        invocation has not written yet, else this invocation's."""
        view = {self._execution.id: self._execution}
        for op_id, op in self._state.operations().items():
            service = self._service.get(op_id)
            view[op_id] = service if service is not None and op == self._base.get(op_id) else op
        return view


__all__ = ["ServiceView", "completed_by_service", "completed_from_outside",
           "execution_operation"]
