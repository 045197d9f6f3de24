"""The official SDK's exception hierarchy (``aws_durable_execution_sdk_python.exceptions``).

Every class here has the SDK's name, bases, constructor and attributes. On the wire (the
``ErrorType`` of a checkpointed error) an exception is named by its fully qualified class name,
builtins unqualified, exactly as the SDK names it: the classes of this module (and any class
that sets ``__wire_module__`` in its own body) are named after the SDK module they mirror, so
checkpoints and histories written by either implementation read the same.
"""
from __future__ import annotations

import time
from enum import Enum
from typing import Any, Optional, TypedDict

from durable_lambda.workflows.suspend import SuspendExecution

#: the SDK module whose names the classes of this module carry on the wire
SDK_EXCEPTIONS_MODULE = "aws_durable_execution_sdk_python.exceptions"

BAD_REQUEST_ERROR: int = 400
TOO_MANY_REQUESTS_ERROR: int = 429
SERVICE_ERROR: int = 500
INVALID_PARAMETER_VALUE_EXCEPTION: str = "InvalidParameterValueException"
INVALID_CHECKPOINT_TOKEN_PREFIX: str = "Invalid checkpoint token"
#: error codes that arrive as 5xx but need the customer to act (KMS key configuration)
_NON_RETRYABLE_CUSTOMER_ERROR_CODES = frozenset({
    "KMSAccessDeniedException", "KMSDisabledException", "KMSInvalidStateException",
    "KMSNotFoundException"})


class AwsErrorObj(TypedDict):
    Code: Optional[str]
    Message: Optional[str]


class AwsErrorMetadata(TypedDict):
    RequestId: Optional[str]
    HostId: Optional[str]
    HTTPStatusCode: Optional[int]
    HTTPHeaders: Optional[str]
    RetryAttempts: Optional[str]


def wire_error_type(exc_or_cls: BaseException | type) -> str:
    """The ``ErrorType`` an exception (or class) is recorded as: ``module.QualName``,
    builtins unqualified; ``__wire_module__`` set in a class's own body overrides its module."""
    cls = exc_or_cls if isinstance(exc_or_cls, type) else type(exc_or_cls)
    module = cls.__dict__.get("__wire_module__") or cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _set_error_fields(error: Any, message: Optional[str], error_type: Optional[str],
                      data: Optional[str], stack_trace: Optional[list[str]]) -> None:
    """The recorded-error fields of an operation or serdes error (``error_type`` defaults to
    the error's own wire name)."""
    error.message = message
    error.error_type = error_type or wire_error_type(type(error))
    error.data = data
    error.stack_trace = stack_trace


class TerminationReason(Enum):
    """Reasons why a durable execution terminated."""

    UNHANDLED_ERROR = "UNHANDLED_ERROR"
    INVOCATION_ERROR = "INVOCATION_ERROR"
    EXECUTION_ERROR = "EXECUTION_ERROR"
    CHECKPOINT_FAILED = "CHECKPOINT_FAILED"
    NON_DETERMINISTIC_EXECUTION = "NON_DETERMINISTIC_EXECUTION"
    STEP_INTERRUPTED = "STEP_INTERRUPTED"
    SERIALIZATION_ERROR = "SERIALIZATION_ERROR"


class DurableApiErrorCategory(Enum):
    INVOCATION = "INVOCATION"
    EXECUTION = "EXECUTION"


CheckpointErrorCategory = DurableApiErrorCategory


class DurableExecutionsError(Exception):
    """Base class of the SDK's exceptions (the SDK's hierarchy exactly: not a ``DurableError``,
    so ``except`` clauses written for the SDK catch what they caught there)."""


class PluginLoadError(DurableExecutionsError):
    """An instrumentation plugin could not be loaded."""


class UnrecoverableError(DurableExecutionsError):
    """Base class for errors that terminate the execution."""

    def __init__(self, message: str, termination_reason: TerminationReason) -> None:
        super().__init__(message)
        self.termination_reason = termination_reason


class ExecutionError(UnrecoverableError):
    """Fails the execution (status FAILED) without retry."""

    def __init__(self, message: str,
                 termination_reason: TerminationReason = TerminationReason.EXECUTION_ERROR) -> None:
        super().__init__(message, termination_reason)


class InvocationError(UnrecoverableError):
    """Ends the invocation with an error so that it is retried."""

    def __init__(self, message: str,
                 termination_reason: TerminationReason = TerminationReason.INVOCATION_ERROR
                 ) -> None:
        super().__init__(message, termination_reason)

    def is_retryable(self) -> bool:
        return True


class BotoClientError(InvocationError):
    """An error from a durable-execution API call (the SDK's; kept for name compatibility)."""

    def __init__(self, message: str,
                 error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
                 error: Optional[dict] = None, response_metadata: Optional[dict] = None,
                 termination_reason: TerminationReason = TerminationReason.INVOCATION_ERROR
                 ) -> None:
        super().__init__(message, termination_reason)
        self.error = error
        self.response_metadata = response_metadata
        self.error_category = error_category

    @classmethod
    def from_exception(cls, exception: Exception) -> "BotoClientError":
        """From a botocore ``ClientError``: 4xx (but throttling and a stale checkpoint token)
        and KMS misconfiguration are EXECUTION errors (not retried), the rest INVOCATION."""
        response = getattr(exception, "response", {}) or {}
        error, metadata = response.get("Error"), response.get("ResponseMetadata")
        code = (error or {}).get("Code") or ""
        status = (metadata or {}).get("HTTPStatusCode") or 0
        stale_token = code == INVALID_PARAMETER_VALUE_EXCEPTION and (
            (error or {}).get("Message") or "").startswith(INVALID_CHECKPOINT_TOKEN_PREFIX)
        client_error = (BAD_REQUEST_ERROR <= status < SERVICE_ERROR
                        and status != TOO_MANY_REQUESTS_ERROR and error is not None
                        and not stale_token)
        execution = code in _NON_RETRYABLE_CUSTOMER_ERROR_CODES or client_error
        return cls(str(exception), DurableApiErrorCategory.EXECUTION if execution
                   else DurableApiErrorCategory.INVOCATION, error, metadata)

    def is_retryable(self) -> bool:
        return self.error_category is DurableApiErrorCategory.INVOCATION

    is_retriable = is_retryable

    def build_logger_extras(self) -> dict:
        return {k: v for k, v in (("Error", self.error),
                                  ("ResponseMetadata", self.response_metadata)) if v}


def _api_error_init(reason: TerminationReason) -> Any:
    """The constructor of a ``BotoClientError`` subclass that terminates for ``reason``."""
    def __init__(self: BotoClientError, message: str,
                 error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
                 error: Optional[dict] = None, response_metadata: Optional[dict] = None) -> None:
        BotoClientError.__init__(self, message, error_category, error, response_metadata, reason)
    return __init__


class CheckpointError(BotoClientError):
    """A checkpoint could not be written."""

    __init__ = _api_error_init(TerminationReason.CHECKPOINT_FAILED)


class GetExecutionStateError(BotoClientError):
    """The execution state could not be read."""

    __init__ = _api_error_init(TerminationReason.INVOCATION_ERROR)


class NonDeterministicExecutionError(ExecutionError):
    """Replay met an operation of another type, sub type, name or parent than recorded."""

    def __init__(self, message: str, step_id: Optional[str] = None) -> None:
        super().__init__(message, TerminationReason.NON_DETERMINISTIC_EXECUTION)
        self.step_id = step_id


class ValidationError(DurableExecutionsError):
    """Incorrect arguments to a durable operation or config."""


class InvalidStateError(DurableExecutionsError):
    """An operation was attempted on an object in an invalid state."""


class DurableOperationError(DurableExecutionsError):
    """A failure that escaped a durable operation (step, invoke, child context, ...).

    ``error_type`` is the type of the error that escaped (e.g. ``"ValueError"``), this class's
    wire name when none is known; ``__cause__`` is a ``DurableOperationError`` rebuilt from the
    checkpointed error, identical on the first run and on replay.
    """

    def __init__(self, message: Optional[str] = None, error_type: Optional[str] = None,
                 data: Optional[str] = None, stack_trace: Optional[list[str]] = None) -> None:
        super().__init__(message)
        _set_error_fields(self, message, error_type, data, stack_trace)

    @property
    def error_message(self) -> Optional[str]:
        """The message (durable-lambda's older name)."""
        return self.message

    @property
    def error_data(self) -> Optional[str]:
        """The error data (durable-lambda's older name)."""
        return self.data

    @classmethod
    def from_error_fields(cls, error_type: Optional[str], message: Optional[str],
                          data: Optional[str], stack_trace: Optional[list[str]]
                          ) -> "DurableOperationError":
        """The registered operation-error class named ``error_type`` (else this base class)."""
        target = _REGISTRY.get(error_type or "", DurableOperationError)
        return target(message=message, error_type=error_type, data=data, stack_trace=stack_trace)


class StepError(DurableOperationError):
    """A step failed (after its last attempt)."""


class InvokeError(DurableOperationError):
    """An invoked durable function failed, timed out or was stopped."""


class ChildContextError(DurableOperationError):
    """A child context (run_in_child_context, map/parallel branch) failed."""


class WaitForConditionError(DurableOperationError):
    """A wait_for_condition check or wait strategy failed."""


class CallbackError(DurableOperationError):
    """Base class of callback failures."""


class CallbackExternalError(CallbackError):
    """The external system reported a failure (or the callback was cancelled/stopped)."""


class CallbackTimeoutError(CallbackError):
    """The callback timed out (timeout or heartbeat expiry)."""


class CallbackSubmitterError(CallbackError):
    """The submitter step of a wait_for_callback failed."""


class SerDesError(DurableExecutionsError):
    """Serializing or deserializing a value failed permanently (recorded as its own type)."""

    def __init__(self, message: Optional[str] = None, error_type: Optional[str] = None,
                 data: Optional[str] = None, stack_trace: Optional[list[str]] = None) -> None:
        super().__init__(message)
        _set_error_fields(self, message, error_type, data, stack_trace)


class StepInterruptedError(InvocationError):
    """An at-most-once step started in an earlier invocation that never recorded its outcome."""

    def __init__(self, message: str, step_id: Optional[str] = None) -> None:
        super().__init__(message, TerminationReason.STEP_INTERRUPTED)
        self.step_id = step_id


class RetryableSerDesError(InvocationError):
    """A transient serdes failure: the invocation fails so that it is retried."""

    def __init__(self, message: str,
                 termination_reason: TerminationReason = TerminationReason.SERIALIZATION_ERROR
                 ) -> None:
        super().__init__(message, termination_reason)


class BackgroundThreadError(BaseException):
    """A fatal error of a background checkpoint thread (the SDK's; kept for name compatibility)."""

    def __init__(self, message: str, source_exception: Exception) -> None:
        super().__init__(message)
        self.source_exception = source_exception


class TimedSuspendExecution(SuspendExecution):
    """Suspend until ``scheduled_timestamp`` (epoch seconds)."""

    def __init__(self, message: str, scheduled_timestamp: float) -> None:
        super().__init__(message)
        self.scheduled_timestamp = scheduled_timestamp

    @classmethod
    def from_delay(cls, message: str, delay_seconds: int) -> "TimedSuspendExecution":
        return cls(message, scheduled_timestamp=time.time() + delay_seconds)

    @classmethod
    def from_datetime(cls, message: str, datetime_timestamp: Any) -> "TimedSuspendExecution":
        return cls(message, scheduled_timestamp=datetime_timestamp.timestamp())


class OrderedLockError(DurableExecutionsError):
    """A lock earlier in an ordered chain failed."""

    def __init__(self, message: str, source_exception: Optional[Exception] = None) -> None:
        super().__init__(f"{message} {type(source_exception).__name__}: {source_exception}"
                         if source_exception else message)
        self.source_exception = source_exception


class OrphanedChildException(BaseException):
    """A branch tried to checkpoint after its map/parallel had completed."""

    def __init__(self, message: str, operation_id: str) -> None:
        super().__init__(message)
        self.operation_id = operation_id


_SDK_NAMED = [
    DurableExecutionsError, PluginLoadError, UnrecoverableError, ExecutionError, InvocationError,
    BotoClientError, CheckpointError, GetExecutionStateError, NonDeterministicExecutionError,
    ValidationError, InvalidStateError, DurableOperationError, StepError, InvokeError,
    ChildContextError, WaitForConditionError, CallbackError, CallbackExternalError,
    CallbackTimeoutError, CallbackSubmitterError, SerDesError, StepInterruptedError,
    RetryableSerDesError, BackgroundThreadError, TimedSuspendExecution, OrderedLockError,
    OrphanedChildException,
]
for _cls in _SDK_NAMED:
    _cls.__wire_module__ = SDK_EXCEPTIONS_MODULE  # type: ignore[attr-defined]

_REGISTRY: dict[str, type[DurableOperationError]] = {}


def register_operation_error(error_cls: type[DurableOperationError]) -> None:
    """Let replay rebuild ``error_cls`` from a checkpointed error naming it (by wire name and
    by its Python name). It must take ``(message, error_type, data, stack_trace)`` keywords."""
    _REGISTRY[wire_error_type(error_cls)] = error_cls
    _REGISTRY[f"{error_cls.__module__}.{error_cls.__qualname__}"] = error_cls


for _cls in (StepError, InvokeError, ChildContextError, WaitForConditionError, CallbackError,
             CallbackExternalError, CallbackTimeoutError, CallbackSubmitterError):
    register_operation_error(_cls)

__all__ = [
    "AwsErrorMetadata", "AwsErrorObj", "BAD_REQUEST_ERROR", "INVALID_CHECKPOINT_TOKEN_PREFIX",
    "INVALID_PARAMETER_VALUE_EXCEPTION", "SERVICE_ERROR", "TOO_MANY_REQUESTS_ERROR",
    "BackgroundThreadError", "BotoClientError", "CallbackError",
    "CallbackExternalError",
    "CallbackSubmitterError", "CallbackTimeoutError", "CheckpointError",
    "CheckpointErrorCategory", "ChildContextError", "DurableApiErrorCategory",
    "DurableExecutionsError", "DurableOperationError", "ExecutionError",
    "GetExecutionStateError", "InvalidStateError", "InvocationError", "InvokeError",
    "NonDeterministicExecutionError", "OrderedLockError", "OrphanedChildException",
    "PluginLoadError", "RetryableSerDesError", "SerDesError", "StepError",
    "StepInterruptedError", "SuspendExecution", "TerminationReason", "TimedSuspendExecution",
    "UnrecoverableError", "ValidationError", "WaitForConditionError",
    "register_operation_error", "wire_error_type",
]
