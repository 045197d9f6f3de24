"""``BatchResult``: what ``parallel`` and ``map`` return, with the SDK's names and semantics.

``all`` holds one ``BatchItem`` per branch that *started*, in branch order: SUCCEEDED (with its
result), FAILED (with its ``ErrorObject``) or STARTED (still running or suspended when the
batch completed). Branches the batch never started are not listed, so a batch that reached
``min_successful=2`` after two of four branches has ``total_count`` 2.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Generic, Optional, TypeVar

from durable_lambda.workflows.completion_policy import CompletionPolicy, CompletionReason
from durable_lambda.workflows.batch_config import (
    BatchItemStatus, CompletionConfig, CompletionItemStatus)
from durable_lambda.workflows.errors import raise_operation_error
from durable_lambda.workflows.exceptions import (
    ChildContextError, DurableOperationError, register_operation_error)
from durable_lambda.workflows.model import ErrorObject
from durable_lambda.workflows.serdes import register_batch_result_type

__all__ = ["BatchItem", "BatchItemStatus", "BatchResult", "CompletionReason",
           "BatchCompletionError", "BatchFailedError"]

R = TypeVar("R")
LOG = logging.getLogger("durable_lambda.workflows")


class BatchCompletionError(DurableOperationError):
    """``throw_if_error()`` of a batch that a ``should_complete`` decision completed as FAILED
    although no item failed (reason CUSTOM_COMPLETION_FAILED)."""

    __wire_module__ = "aws_durable_execution_sdk_python.concurrency.models"

    def __init__(self, completion_reason: CompletionReason =
                 CompletionReason.CUSTOM_COMPLETION_FAILED, message: Optional[str] = None,
                 error_type: Optional[str] = None, data: Optional[str] = None,
                 stack_trace: Optional[list[str]] = None) -> None:
        super().__init__(message or "Batch completed as failed by should_complete "
                         f"({completion_reason.value})", error_type, data, stack_trace)
        self.completion_reason = completion_reason


register_operation_error(BatchCompletionError)

#: durable-lambda's older name: what ``throw_if_error()`` raises for a failed item
BatchFailedError = ChildContextError


def _error_dict(error: ErrorObject) -> dict[str, Any]:
    """An error as the SDK's ``ErrorObject.to_dict`` writes it (in its order, no null fields),
    so a checkpointed BatchResult reads the same in both implementations."""
    fields = (("ErrorMessage", error.error_message), ("ErrorType", error.error_type),
              ("ErrorData", error.error_data), ("StackTrace", error.stack_trace))
    return {key: value for key, value in fields if value is not None}


@dataclass(frozen=True)
class BatchItem(Generic[R]):
    """One branch: its index, status, result (SUCCEEDED) or error (FAILED)."""

    index: int
    status: BatchItemStatus
    result: Optional[R] = None
    error: Optional[ErrorObject] = None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "status": self.status.value, "result": self.result,
                "error": _error_dict(self.error) if self.error else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BatchItem[R]":
        error = data.get("error")
        return cls(data["index"], BatchItemStatus(data["status"]), data.get("result"),
                   ErrorObject.from_dict(error) if error else None)


@dataclass(frozen=True)
class BatchResult(Generic[R]):
    """The items of the branches that started, and why the batch completed."""

    all: list[BatchItem[R]]
    completion_reason: CompletionReason

    @classmethod
    def from_dict(cls, data: dict[str, Any],
                  completion_config: Optional[CompletionConfig] = None) -> "BatchResult[R]":
        items = [BatchItem.from_dict(item) for item in data["all"]]
        reason = data.get("completionReason")
        if reason is None:
            result: BatchResult[R] = cls.from_items(items, completion_config)
            LOG.warning("BatchResult without completionReason: inferred %s from its items",
                        result.completion_reason.value)
            return result
        return cls(items, CompletionReason(reason))

    @classmethod
    def from_items(cls, items: list[BatchItem[R]],
                   completion_config: Optional[CompletionConfig] = None) -> "BatchResult[R]":
        """A result whose reason is inferred from the items (taken to be every branch)."""
        succeeded = sum(1 for i in items if i.status is BatchItemStatus.SUCCEEDED)
        failed = sum(1 for i in items if i.status is BatchItemStatus.FAILED)
        policy = CompletionPolicy(len(items), completion_config or CompletionConfig())
        decision = policy.decide(succeeded, failed, tuple(
            CompletionItemStatus(index=i.index, status=i.status) for i in items))
        return cls(items, policy.reason(succeeded, failed, decision))

    def to_dict(self) -> dict[str, Any]:
        return {"all": [item.to_dict() for item in self.all],
                "completionReason": self.completion_reason.value}

    def _with(self, status: BatchItemStatus) -> list[BatchItem[R]]:
        return [item for item in self.all if item.status is status]

    def succeeded(self) -> list[BatchItem[R]]:
        return self._with(BatchItemStatus.SUCCEEDED)

    def failed(self) -> list[BatchItem[R]]:
        return self._with(BatchItemStatus.FAILED)

    def started(self) -> list[BatchItem[R]]:
        return self._with(BatchItemStatus.STARTED)

    @property
    def status(self) -> BatchItemStatus:
        """FAILED when any item failed (or a custom decision failed the batch)."""
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            return BatchItemStatus.FAILED
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_SUCCEEDED:
            return BatchItemStatus.SUCCEEDED
        return BatchItemStatus.FAILED if self.has_failure else BatchItemStatus.SUCCEEDED

    @property
    def has_failure(self) -> bool:
        return any(item.status is BatchItemStatus.FAILED for item in self.all)

    def throw_if_error(self) -> None:
        """Raise the first failed item's error as a ``ChildContextError`` (its ``error_type``
        the type that escaped the branch, ``__cause__`` that error rebuilt); a batch failed by a
        custom decision with no failed item raises ``BatchCompletionError``."""
        first = next((i for i in self.all if i.status is BatchItemStatus.FAILED), None)
        if first is not None:
            raise_operation_error(first.error, ChildContextError,
                                  f"Batch item {first.index} failed without an ErrorObject.")
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            raise BatchCompletionError(self.completion_reason)

    def get_results(self) -> list[R]:
        """Results of the succeeded items, in branch order (None is a valid result)."""
        return [item.result for item in self.all  # type: ignore[misc]
                if item.status is BatchItemStatus.SUCCEEDED]

    def get_errors(self) -> list[Optional[ErrorObject]]:
        """One entry per failed item, in branch order."""
        return [item.error for item in self.all if item.status is BatchItemStatus.FAILED]

    @property
    def success_count(self) -> int:
        return len(self.succeeded())

    @property
    def failure_count(self) -> int:
        return len(self.failed())

    @property
    def started_count(self) -> int:
        return len(self.started())

    @property
    def total_count(self) -> int:
        return len(self.all)


register_batch_result_type(BatchResult)
