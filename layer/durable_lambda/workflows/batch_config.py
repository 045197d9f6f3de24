"""Map/parallel configuration: ``MapConfig``, ``ParallelConfig``, ``CompletionConfig``,
``NestingType``, the completion decision and status types and ``ParallelBranch``.

The SDK has them in its ``config`` module, and ``durable_lambda.workflows.config`` exports them
too; they live here so that a handler that never runs map or parallel does not build them at
cold start (``config`` loads this module at the first use of one of these names)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar

from durable_lambda.workflows.exceptions import ValidationError

if TYPE_CHECKING:
    from durable_lambda.workflows.serdes import SerDes

T = TypeVar("T")

__all__ = ["BatchItemStatus", "CompletionConfig", "CompletionDecision", "CompletionItemStatus",
           "CompletionOutcome", "CompletionStatus", "MapConfig", "NestingType", "ParallelBranch",
           "ParallelConfig", "complete_batch", "continue_batch"]


class NestingType(Enum):
    """How map/parallel branches are contexts: NESTED (a CONTEXT operation per branch) or FLAT
    (virtual contexts: no CONTEXT operation per branch)."""

    NESTED = "NESTED"
    FLAT = "FLAT"


@dataclass(frozen=True)
class CompletionConfig:
    """When a map/parallel completes (see ``completion_policy``): ``min_successful`` (>= 1)
    successes, more than ``tolerated_failure_count`` failures or ``tolerated_failure_percentage``
    percent failed (then FAILURE_TOLERANCE_EXCEEDED), or every item finished. With none of the
    three set, the first failure ends the batch. ``should_complete(CompletionStatus) ->
    CompletionDecision`` replaces the three (it cannot be combined with them)."""

    min_successful: Optional[int] = None
    tolerated_failure_count: Optional[int] = None
    tolerated_failure_percentage: Optional[float] = None
    should_complete: Optional[Callable[["CompletionStatus"], "CompletionDecision"]] = None

    def __post_init__(self) -> None:
        if self.min_successful is not None and self.min_successful < 1:
            raise ValidationError(f"min_successful must be at least 1, got: {self.min_successful}")
        if self.tolerated_failure_count is not None and self.tolerated_failure_count < 0:
            raise ValidationError("tolerated_failure_count must be non-negative, got: "
                                  f"{self.tolerated_failure_count}")
        pct = self.tolerated_failure_percentage
        if pct is not None and not 0 <= pct <= 100:
            raise ValidationError(
                f"tolerated_failure_percentage must be between 0 and 100, got: {pct}")
        if self.should_complete is not None:
            if not callable(self.should_complete):
                raise ValidationError("should_complete must be callable")
            if (self.min_successful, self.tolerated_failure_count, pct) != (None, None, None):
                raise ValidationError(
                    "should_complete cannot be combined with min_successful, "
                    "tolerated_failure_count, or tolerated_failure_percentage")

    def _validate_for_total(self, total: int) -> None:
        """Checked by map/parallel before the batch operation starts (a bare ValidationError)."""
        if self.min_successful is not None and self.min_successful > total:
            raise ValidationError(f"min_successful cannot be greater than total items: "
                                  f"{self.min_successful} > {total}")

    @staticmethod
    def first_successful() -> "CompletionConfig":
        return CompletionConfig(min_successful=1)

    @staticmethod
    def all_completed() -> "CompletionConfig":
        """Every item runs whatever fails (100 % failures tolerated)."""
        return CompletionConfig(tolerated_failure_percentage=100)

    @staticmethod
    def all_successful() -> "CompletionConfig":
        return CompletionConfig(tolerated_failure_count=0, tolerated_failure_percentage=0)


def _check_max_concurrency(value: Optional[int]) -> None:
    if value is not None and value < 1:
        raise ValidationError(f"max_concurrency must be at least 1, got: {value}")


@dataclass(frozen=True)
class ParallelConfig:
    """``max_concurrency`` branches in flight at most (a suspended branch keeps its slot);
    ``completion_config`` (default all_successful); ``serdes`` of the BatchResult (and of each
    branch's result unless ``item_serdes`` is given); ``summary_generator(result) -> str``
    recorded instead of a result over the payload limit; ``nesting_type`` NESTED (a CONTEXT
    operation per branch) or FLAT (none)."""

    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig.all_successful)
    serdes: Optional["SerDes"] = None
    item_serdes: Optional["SerDes"] = None
    summary_generator: Optional[Callable[[Any], str]] = None
    nesting_type: "NestingType" = NestingType.NESTED

    def __post_init__(self) -> None:
        _check_max_concurrency(self.max_concurrency)


@dataclass(frozen=True)
class MapConfig(Generic[T]):
    """As ``ParallelConfig`` (default completion: the first failure ends the batch), plus
    ``item_namer(item, index) -> str`` naming each iteration (default "map-item-{index}")."""

    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig)
    serdes: Optional["SerDes"] = None
    item_serdes: Optional["SerDes"] = None
    summary_generator: Optional[Callable[[Any], str]] = None
    nesting_type: "NestingType" = NestingType.NESTED
    item_namer: Optional[Callable[[T, int], str]] = None

    def __post_init__(self) -> None:
        _check_max_concurrency(self.max_concurrency)


class BatchItemStatus(Enum):
    """The status of one map/parallel item."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STARTED = "STARTED"


class CompletionOutcome(Enum):
    """Whether a custom completion decision completes the batch as a success or a failure."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class CompletionDecision:
    """What a ``should_complete`` predicate returns: ``continue_batch()`` or
    ``complete_batch(outcome)``."""

    complete: bool
    outcome: Optional[CompletionOutcome] = None

    def __post_init__(self) -> None:
        if self.complete and self.outcome is None:
            raise ValidationError("outcome is required when complete is True")
        if not self.complete and self.outcome is not None:
            raise ValidationError("outcome must be None when complete is False")


def continue_batch() -> CompletionDecision:
    """Do not complete the batch yet."""
    return CompletionDecision(complete=False)


def complete_batch(outcome: CompletionOutcome = CompletionOutcome.SUCCEEDED) -> CompletionDecision:
    """Complete the batch now with ``outcome``."""
    return CompletionDecision(complete=True, outcome=outcome)


@dataclass(frozen=True)
class CompletionItemStatus:
    """One branch in a ``CompletionStatus``: index, optional name, status (None: not started)."""

    index: int
    name: Optional[str] = None
    status: Optional[BatchItemStatus] = None


@dataclass(frozen=True)
class CompletionStatus:
    """Progress snapshot given to ``CompletionConfig.should_complete``."""

    success_count: int
    failure_count: int
    completed_count: int
    total_count: int
    items: tuple[CompletionItemStatus, ...] = ()


@dataclass(frozen=True)
class ParallelBranch(Generic[T]):
    """A parallel branch with a name (replaces "parallel-branch-{index}"); callable as ``func``."""

    func: Callable[..., Any]
    name: Optional[str] = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)
