"""Configuration types mirroring the official SDK (Duration, StepConfig, CallbackConfig...)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar

from durable_lambda.workflows.duration import Duration, JitterStrategy, to_seconds  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from durable_lambda.workflows.retries import RetryDecision
    from durable_lambda.workflows.serdes import SerDes

T = TypeVar("T")


class StepSemantics(Enum):
    AT_MOST_ONCE_PER_RETRY = "AT_MOST_ONCE_PER_RETRY"
    AT_LEAST_ONCE_PER_RETRY = "AT_LEAST_ONCE_PER_RETRY"


@dataclass(frozen=True)
class StepConfig:
    """retry_strategy(error, attempts_made) -> RetryDecision; default ``RetryPresets.default()``."""

    retry_strategy: Optional[Callable[[Exception, int], "RetryDecision"]] = None
    step_semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY
    serdes: Optional["SerDes"] = None


@dataclass(frozen=True)
class ChildConfig:
    serdes: Optional["SerDes"] = None
    sub_type: Optional[str] = None


@dataclass(frozen=True)
class CallbackConfig:
    """timeout / heartbeat_timeout: Duration or seconds; 0 means no limit."""

    timeout: "Duration | float" = 0
    heartbeat_timeout: "Duration | float" = 0
    serdes: Optional["SerDes"] = None

    @property
    def timeout_seconds(self) -> float:
        return to_seconds(self.timeout, "CallbackConfig.timeout")

    @property
    def heartbeat_timeout_seconds(self) -> float:
        return to_seconds(self.heartbeat_timeout, "CallbackConfig.heartbeat_timeout")


@dataclass(frozen=True)
class WaitForCallbackConfig(CallbackConfig):
    """CallbackConfig plus the retry strategy of the submitter step."""

    retry_strategy: Optional[Callable[[Exception, int], "RetryDecision"]] = None


@dataclass(frozen=True)
class InvokeConfig:
    """Serdes for the invoke payload and result; timeout (0 = none) of the chained invoke."""

    serdes_payload: Optional["SerDes"] = None
    serdes_result: Optional["SerDes"] = None
    timeout: "Duration | float" = 0


@dataclass(frozen=True)
class CompletionConfig:
    """When a map/parallel completes; None fields are not checked (see docs/workflows.md)."""

    min_successful: Optional[int] = None
    tolerated_failure_count: Optional[int] = None
    tolerated_failure_percentage: Optional[float] = None

    @staticmethod
    def first_successful() -> "CompletionConfig":
        return CompletionConfig(min_successful=1)

    @staticmethod
    def all_completed() -> "CompletionConfig":
        return CompletionConfig()

    @staticmethod
    def all_successful() -> "CompletionConfig":
        return CompletionConfig(tolerated_failure_count=0, tolerated_failure_percentage=0)


@dataclass(frozen=True)
class ParallelConfig:
    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig.all_successful)
    serdes: Optional["SerDes"] = None


@dataclass(frozen=True)
class MapConfig:
    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig)
    serdes: Optional["SerDes"] = None


@dataclass(frozen=True)
class WaitForConditionDecision:
    should_continue: bool
    delay_seconds: float

    @classmethod
    def continue_waiting(cls, delay: "Duration | float") -> "WaitForConditionDecision":
        return cls(True, to_seconds(delay, "wait_for_condition delay"))

    @classmethod
    def stop_polling(cls) -> "WaitForConditionDecision":
        return cls(False, -1)


@dataclass(frozen=True)
class WaitForConditionConfig(Generic[T]):
    """wait_strategy(state, attempts_made) -> WaitForConditionDecision; initial_state: T."""

    wait_strategy: Callable[[Any, int], WaitForConditionDecision]
    initial_state: Any = None
    serdes: Optional["SerDes"] = None
