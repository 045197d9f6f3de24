"""Checkpoint model of a durable execution, after the AWS durable execution API.

An execution is an ordered list of ``Operation`` records; the engine changes them only by
checkpointing ``OperationUpdate`` actions, which a ``CheckpointStore`` persists.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Optional


class OperationType(str, Enum):
    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


class OperationStatus(str, Enum):
    STARTED = "STARTED"
    PENDING = "PENDING"  # step waiting for its next retry attempt
    READY = "READY"  # step retry due
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"
    STOPPED = "STOPPED"


class OperationAction(str, Enum):
    START = "START"
    SUCCEED = "SUCCEED"
    FAIL = "FAIL"
    RETRY = "RETRY"
    CANCEL = "CANCEL"
    TIMEOUT = "TIMEOUT"  # CALLBACK (or CHAINED_INVOKE) timed out: status TIMED_OUT, error kept


class ExecutionStatus(str, Enum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    STOPPED = "STOPPED"


@dataclass(frozen=True)
class ErrorObject:
    """A serialized error: type, message, optional data and stack trace lines."""

    error_type: str
    error_message: str
    error_data: Optional[str] = None
    stack_trace: Optional[list[str]] = None

    @property
    def type(self) -> str:
        """The error type (the official SDK's ``ErrorObject.type``)."""
        return self.error_type

    @property
    def message(self) -> str:
        """The message (the SDK's ``ErrorObject.message``)."""
        return self.error_message

    @property
    def data(self) -> Optional[str]:
        """The error data (the SDK's ``ErrorObject.data``)."""
        return self.error_data

    def to_dict(self) -> dict[str, Any]:
        return {"ErrorType": self.error_type, "ErrorMessage": self.error_message,
                "ErrorData": self.error_data, "StackTrace": self.stack_trace}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ErrorObject":
        return cls(data.get("ErrorType", ""), data.get("ErrorMessage", ""),
                   data.get("ErrorData"), data.get("StackTrace"))


@dataclass(frozen=True)
class OperationUpdate:
    """One checkpointed action on an operation (what the engine sends to the store)."""

    id: str
    type: OperationType
    action: OperationAction
    parent_id: Optional[str] = None
    name: Optional[str] = None
    sub_type: Optional[str] = None
    payload: Optional[str] = None  # serialized result
    error: Optional[ErrorObject] = None
    next_attempt_delay_seconds: Optional[float] = None  # STEP RETRY
    wait_seconds: Optional[float] = None  # WAIT START
    callback_timeout_seconds: Optional[float] = None  # CALLBACK START
    callback_heartbeat_timeout_seconds: Optional[float] = None
    function_name: Optional[str] = None  # CHAINED_INVOKE START
    tenant_id: Optional[str] = None  # CHAINED_INVOKE START (InvokeConfig.tenant_id)
    replay_children: bool = False  # CONTEXT SUCCEED: large results are rebuilt by replay


@dataclass(frozen=True)
class Operation:
    """The stored state of one operation of an execution."""

    id: str
    type: OperationType
    status: OperationStatus
    parent_id: Optional[str] = None
    name: Optional[str] = None
    sub_type: Optional[str] = None
    start_ms: int = 0
    end_ms: Optional[int] = None
    result: Optional[str] = None
    error: Optional[ErrorObject] = None
    attempt: int = 0  # STEP: attempts made so far
    next_attempt_ms: Optional[int] = None  # STEP retry due time
    scheduled_end_ms: Optional[int] = None  # WAIT
    callback_id: Optional[str] = None  # CALLBACK
    function_name: Optional[str] = None  # CHAINED_INVOKE
    tenant_id: Optional[str] = None  # CHAINED_INVOKE
    replay_children: bool = False
    input: Optional[str] = None  # EXECUTION: serialized input; CHAINED_INVOKE: payload sent
    timeout_ms: Optional[int] = None  # CALLBACK: absolute deadline (epoch ms), None = no limit
    heartbeat_timeout_seconds: Optional[float] = None  # CALLBACK
    start_seq: Optional[int] = None  # store commit sequence of the START (history order)
    end_seq: Optional[int] = None  # ... of the update that finished it

    def with_changes(self, **changes: Any) -> "Operation":
        return replace(self, **changes)


@dataclass
class ExecutionRecord:
    """An execution's header plus its operations in commit order."""

    execution_id: str
    function_name: str
    name: Optional[str]
    status: ExecutionStatus
    input: Optional[str]
    created_ms: int
    version: int = 0
    result: Optional[str] = None
    error: Optional[ErrorObject] = None
    parent: Optional[dict[str, str]] = None  # {"executionId", "operationId"} for invoke
    operations: list[Operation] = field(default_factory=list)
