"""Typed errors of durable workflows, and how errors are recorded and raised again.

The SDK's hierarchy lives in ``exceptions`` (re-exported here under durable-lambda's older
names too: ``StepFailedError`` is ``StepError``); this module adds the engine's own errors and
the two conversions every operation uses: ``error_object_of`` (an exception -> the recorded
``ErrorObject``, as the SDK's ``ErrorObject.from_exception``) and ``raise_operation_error``
(a recorded failure -> the operation's typed error, identical on the first run and on replay).
"""
from __future__ import annotations

from typing import NoReturn, Optional

from durable_lambda.core.errors import DurableError, FencedError
from durable_lambda.workflows.exceptions import (
    CallbackError, ChildContextError, DurableOperationError, InvokeError,
    NonDeterministicExecutionError, SerDesError, StepError, ValidationError,
    WaitForConditionError, wire_error_type)
from durable_lambda.workflows.model import ErrorObject

__all__ = [
    "ExecutionNotFoundError", "ExecutionBusyError", "CallbackNotFoundError",
    "InvalidCheckpointError", "NonDeterministicExecutionError", "PayloadTooLargeError",
    "FencedError", "StepFailedError", "StepError", "CallbackError", "InvokeError",
    "ChildContextError", "WaitForConditionError", "ValidationError", "error_object_of",
    "raise_operation_error",
]

#: durable-lambda's older name of ``StepError``
StepFailedError = StepError


class ExecutionNotFoundError(DurableError):
    """No durable execution exists with that id."""


class ExecutionBusyError(DurableError):
    """Another invocation holds the execution's lease and it has not expired."""


class CallbackNotFoundError(DurableError):
    """No callback exists with that callback id."""


class InvalidCheckpointError(DurableError):
    """A checkpoint update is not a valid transition for the operation's current state."""


class PayloadTooLargeError(DurableError):
    """A serialized result/input exceeds the configured checkpoint payload limit."""


def error_object_of(exc: BaseException) -> ErrorObject:
    """The recorded form of ``exc``, as the SDK records it: ErrorType = the exception's wire
    name (``SerDesError`` for any serdes failure); message, data and stack trace carried over
    from an operation error, otherwise ``str(exc)`` and neither data nor stack trace."""
    if isinstance(exc, SerDesError):
        return ErrorObject(wire_error_type(SerDesError), exc.message,  # type: ignore[arg-type]
                           exc.data, exc.stack_trace)
    if isinstance(exc, DurableOperationError):
        return ErrorObject(wire_error_type(exc), exc.message,  # type: ignore[arg-type]
                           exc.data, exc.stack_trace)
    return ErrorObject(wire_error_type(exc), str(exc))


def raise_operation_error(error: Optional[ErrorObject],
                          operation_error: type[DurableOperationError],
                          message: Optional[str] = None) -> NoReturn:
    """Raise ``operation_error`` rebuilt from a recorded ``error`` (a ``SerDesError`` when a
    serdes failure was recorded); ``__cause__`` is the escaping error rebuilt by its type."""
    if error is None:
        raise operation_error(message=message or
                              "Unknown error. No ErrorObject exists on the Checkpoint Operation.")
    cause = DurableOperationError.from_error_fields(error.error_type, error.error_message,
                                                    error.error_data, error.stack_trace)
    if error.error_type == wire_error_type(SerDesError):
        raise SerDesError(error.error_message, error.error_type, error.error_data,
                          error.stack_trace) from cause
    raise operation_error(message=error.error_message, error_type=error.error_type,
                          data=error.error_data, stack_trace=error.stack_trace) from cause
