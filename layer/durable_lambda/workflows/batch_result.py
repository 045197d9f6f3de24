"""``BatchResult``: what ``parallel`` and ``map`` return (per-branch status, result or error)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Optional, TypeVar

from durable_lambda.workflows.config import BatchItemStatus  # noqa: F401 (the SDK's home)
from durable_lambda.workflows.errors import DurableError
from durable_lambda.workflows.model import ErrorObject
from durable_lambda.workflows.serdes import SerDes, SerDesContext, deserialize, serialize

T = TypeVar("T")


class CompletionReason(str, Enum):
    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"


class BatchFailedError(DurableError):
    """``BatchResult.throw_if_error()``: the batch exceeded its failure tolerance."""

    def __init__(self, message: str, errors: list[ErrorObject]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class BatchItem(Generic[T]):
    index: int
    status: BatchItemStatus
    result: Optional[T] = None
    error: Optional[ErrorObject] = None


@dataclass(frozen=True)
class BatchResult(Generic[T]):
    all: list[BatchItem[T]] = field(default_factory=list)
    completion_reason: CompletionReason = CompletionReason.ALL_COMPLETED

    def succeeded(self) -> list[BatchItem[T]]:
        return [i for i in self.all if i.status is BatchItemStatus.SUCCEEDED]

    def failed(self) -> list[BatchItem[T]]:
        return [i for i in self.all if i.status is BatchItemStatus.FAILED]

    def started(self) -> list[BatchItem[T]]:
        return [i for i in self.all if i.status is BatchItemStatus.STARTED]

    def get_results(self) -> list[T]:
        """Results of the succeeded branches, in branch order."""
        return [i.result for i in self.succeeded()]  # type: ignore[misc]

    def get_errors(self) -> list[ErrorObject]:
        return [i.error for i in self.failed() if i.error is not None]

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

    @property
    def has_failure(self) -> bool:
        return self.failure_count > 0

    @property
    def status(self) -> str:
        return "FAILED" if self.completion_reason is CompletionReason.FAILURE_TOLERANCE_EXCEEDED \
            else "SUCCEEDED"

    def throw_if_error(self) -> None:
        """Raise ``BatchFailedError`` if the batch exceeded its failure tolerance."""
        if self.status == "FAILED":
            errors = self.get_errors()
            first = errors[0].error_message if errors else ""
            raise BatchFailedError(f"{self.failure_count} of {self.total_count} branches "
                                   f"failed (first: {first})", errors)


class BatchSerDes:
    """Serializes a BatchResult as JSON, each item's result through the item serdes."""

    def __init__(self, item_serdes: SerDes | None) -> None:
        self._items = item_serdes

    def serialize(self, value: BatchResult, context: SerDesContext) -> str:
        items = [{"index": i.index, "status": i.status.value,
                  "result": None if i.status is not BatchItemStatus.SUCCEEDED
                  else serialize(self._items, i.result, context),
                  "error": i.error.to_dict() if i.error else None} for i in value.all]
        return json.dumps({"completionReason": value.completion_reason.value, "all": items},
                          separators=(",", ":"))

    def deserialize(self, data: str, context: SerDesContext) -> BatchResult:
        raw: dict[str, Any] = json.loads(data)
        items = [BatchItem(i["index"], BatchItemStatus(i["status"]),
                           deserialize(self._items, i["result"], context),
                           ErrorObject.from_dict(i["error"]) if i["error"] else None)
                 for i in raw["all"]]
        return BatchResult(items, CompletionReason(raw["completionReason"]))
