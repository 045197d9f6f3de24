"""Configuration types mirroring the official SDK's ``config`` module (Duration, StepConfig,
CallbackConfig, ..., the batch completion types and ``ParallelBranch``)."""
from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar

from durable_lambda.workflows.duration import (  # noqa: F401 (re-exported)
    Duration, JitterStrategy, Numeric, to_seconds)
from durable_lambda.workflows.exceptions import ValidationError

if TYPE_CHECKING:
    from durable_lambda.workflows.retries import RetryDecision
    from durable_lambda.workflows.serdes import SerDes

P = TypeVar("P")  # payload type
R = TypeVar("R")  # result type
T = TypeVar("T")

_SUB_TYPE_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")
_SUB_TYPE_MAX_LENGTH = 32


def _validate_sub_type(sub_type: Optional[str]) -> None:
    """A custom sub type is 1-32 characters of A-Z a-z 0-9 - _ (None/"" = the default)."""
    if sub_type and (len(sub_type) > _SUB_TYPE_MAX_LENGTH
                     or not set(sub_type) <= _SUB_TYPE_CHARACTERS):
        raise ValidationError(
            f"sub_type must be 1 to {_SUB_TYPE_MAX_LENGTH} characters from A-Z, a-z, 0-9, "
            f"hyphen, and underscore, got: {sub_type!r}")


class NestingType(Enum):
    """How map/parallel branches are contexts: NESTED (a CONTEXT operation per branch) or FLAT
    (virtual contexts: no CONTEXT operation per branch)."""

    NESTED = "NESTED"
    FLAT = "FLAT"


class StepSemantics(Enum):
    AT_MOST_ONCE_PER_RETRY = "AT_MOST_ONCE_PER_RETRY"
    AT_LEAST_ONCE_PER_RETRY = "AT_LEAST_ONCE_PER_RETRY"


@dataclass(frozen=True)
class StepConfig:
    """retry_strategy(error, attempts_made) -> RetryDecision (default ``RetryPresets.default()``);
    ``sub_type`` (keyword) replaces the recorded sub type "Step"."""

    retry_strategy: Optional[Callable[[Exception, int], "RetryDecision"]] = None
    step_semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY
    serdes: Optional["SerDes"] = None
    sub_type: Optional[str] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)


@dataclass(frozen=True)
class ChildConfig(Generic[T]):
    """serdes of the result; sub_type (default "RunInChildContext"); summary_generator(result)
    -> str is checkpointed instead of a result over the payload limit; is_virtual: the child
    writes no checkpoints of its own (its operations report to the enclosing context)."""

    serdes: Optional["SerDes"] = None
    sub_type: Optional[str] = None
    summary_generator: Optional[Callable[[Any], str]] = None
    is_virtual: bool = False

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)


@dataclass(frozen=True)
class CallbackConfig:
    """timeout / heartbeat_timeout: a Duration (numbers of seconds are accepted too); zero
    means no limit. serdes decodes the result (default: the raw string, no JSON parsing)."""

    timeout: "Duration | float" = field(default_factory=Duration)
    heartbeat_timeout: "Duration | float" = field(default_factory=Duration)
    serdes: Optional["SerDes"] = None
    sub_type: Optional[str] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)

    @property
    def timeout_seconds(self) -> int:
        return int(to_seconds(self.timeout, "CallbackConfig.timeout"))

    @property
    def heartbeat_timeout_seconds(self) -> int:
        return int(to_seconds(self.heartbeat_timeout, "CallbackConfig.heartbeat_timeout"))


@dataclass(frozen=True)
class WaitForCallbackConfig(CallbackConfig):
    """CallbackConfig plus the retry strategy of the submitter step."""

    retry_strategy: Optional[Callable[[Exception, int], "RetryDecision"]] = None


@dataclass(frozen=True)
class InvokeConfig(Generic[P, R]):
    """Serdes of the invoke payload and result (default: plain JSON); ``tenant_id`` scopes the
    invoked execution to a tenant (recorded on the operation)."""

    serdes_payload: Optional["SerDes"] = None
    serdes_result: Optional["SerDes"] = None
    tenant_id: Optional[str] = None


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


@dataclass(frozen=True)
class WaitForConditionDecision:
    """Continue polling after ``delay`` or stop (the SDK's; also exported by ``waits``)."""

    should_continue: bool
    delay: Duration

    @property
    def delay_seconds(self) -> int:
        return self.delay.to_seconds()

    @classmethod
    def continue_waiting(cls, delay: "Duration | float") -> "WaitForConditionDecision":
        """Poll again after ``delay`` (a Duration; seconds are accepted too)."""
        if not isinstance(delay, Duration):
            delay = Duration.from_seconds(to_seconds(delay, "wait_for_condition delay"))
        return cls(should_continue=True, delay=delay)

    @classmethod
    def stop_polling(cls) -> "WaitForConditionDecision":
        return cls(should_continue=False, delay=Duration())


@dataclass(frozen=True)
class WaitForConditionConfig(Generic[T]):
    """wait_strategy(state, attempts_made) -> WaitForConditionDecision; initial_state (round-
    tripped through serdes before the first check); serdes of the state (default: extended
    types). Also exported by ``waits``, where the SDK has it."""

    wait_strategy: Callable[[Any, int], WaitForConditionDecision]
    initial_state: Any
    serdes: Optional["SerDes"] = None


# -- batch (map/parallel) completion types, as the SDK's config module has them ---------------
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
