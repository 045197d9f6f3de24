"""Configuration types mirroring the official SDK's ``config`` module (Duration, StepConfig,
CallbackConfig, ..., the batch completion types and ``ParallelBranch``).

The map/parallel types live in ``batch_config`` and the wait-for-condition ones in ``waits``
(where the SDK has them); this module exports them too, loading their module at the first use
of such a name, so that a cold start builds only the configuration its handler uses."""
from __future__ import annotations

import importlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar

from durable_lambda.workflows.duration import (  # noqa: F401 (re-exported)
    Duration, JitterStrategy, Numeric, to_seconds)
from durable_lambda.workflows.exceptions import ValidationError

if TYPE_CHECKING:
    from durable_lambda.workflows.batch_config import (  # noqa: F401 (exported lazily)
        BatchItemStatus, CompletionConfig, CompletionDecision, CompletionItemStatus,
        CompletionOutcome, CompletionStatus, MapConfig, NestingType, ParallelBranch,
        ParallelConfig, complete_batch, continue_batch)
    from durable_lambda.workflows.retries import RetryDecision
    from durable_lambda.workflows.serdes import SerDes
    from durable_lambda.workflows.waits import (  # noqa: F401 (exported lazily)
        WaitForConditionConfig, WaitForConditionDecision)

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


#: names of this module that live in another one (loaded at their first use)
_ELSEWHERE = {
    **dict.fromkeys(("BatchItemStatus CompletionConfig CompletionDecision CompletionItemStatus "
                     "CompletionOutcome CompletionStatus MapConfig NestingType ParallelBranch "
                     "ParallelConfig complete_batch continue_batch").split(), "batch_config"),
    **dict.fromkeys(("WaitForConditionConfig", "WaitForConditionDecision"), "waits"),
}
__all__ = sorted(["CallbackConfig", "ChildConfig", "Duration", "InvokeConfig", "JitterStrategy",
                  "StepConfig", "StepSemantics", "WaitForCallbackConfig", *_ELSEWHERE])


def __getattr__(name: str) -> Any:
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"durable_lambda.workflows.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_ELSEWHERE])
