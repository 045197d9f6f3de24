"""Typed errors of durable workflows (all subclasses of ``DurableError``)."""
from __future__ import annotations

from durable_lambda.core.errors import DurableError, FencedError

__all__ = [
    "ExecutionNotFoundError", "ExecutionBusyError", "CallbackNotFoundError",
    "InvalidCheckpointError", "NonDeterministicExecutionError", "PayloadTooLargeError",
    "FencedError", "StepFailedError", "CallbackError", "InvokeError", "ChildContextError",
    "WaitForConditionError", "ValidationError",
]


class ExecutionNotFoundError(DurableError):
    """No durable execution exists with that id."""


class ExecutionBusyError(DurableError):
    """Another invocation holds the execution's lease and it has not expired."""


class CallbackNotFoundError(DurableError):
    """No callback exists with that callback id."""


class InvalidCheckpointError(DurableError):
    """A checkpoint update is not a valid transition for the operation's current state."""


class NonDeterministicExecutionError(DurableError):
    """Replay met an operation of another type or name than the history recorded."""


class PayloadTooLargeError(DurableError):
    """A serialized result/input exceeds the configured checkpoint payload limit."""


class ValidationError(DurableError, ValueError):
    """A durable-workflow argument or config is invalid."""


class _OperationError(DurableError):
    """An operation finished FAILED; carries the recorded error type/message/data."""

    def __init__(self, message: str, error_type: str = "", error_data: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.error_message = message
        self.error_data = error_data


class StepFailedError(_OperationError):
    """A step failed after its last attempt (replayed failures raise this too)."""


class CallbackError(_OperationError):
    """A callback was failed by its submitter or timed out."""


class InvokeError(_OperationError):
    """An invoked durable function failed."""


class ChildContextError(_OperationError):
    """A child context failed."""


class WaitForConditionError(_OperationError):
    """wait_for_condition exhausted its attempts or its check raised."""
