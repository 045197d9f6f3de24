"""Wait strategies for ``wait_for_condition`` (the official SDK's ``waits`` module): poll with
exponential backoff and jitter until the state says stop."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar

from durable_lambda.workflows.duration import (
    DelaySeconds, Duration, JitterStrategy, Numeric, to_seconds)
from durable_lambda.workflows.exceptions import WaitForConditionError

if TYPE_CHECKING:
    from durable_lambda.workflows.serdes import SerDes

T = TypeVar("T")


@dataclass(frozen=True)
class WaitForConditionDecision:
    """Continue polling after ``delay`` or stop."""

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
    types)."""

    wait_strategy: Callable[[Any, int], WaitForConditionDecision]
    initial_state: Any
    serdes: Optional["SerDes"] = None



@dataclass
class WaitStrategyConfig(DelaySeconds, Generic[T]):
    """Keep polling while ``should_continue_polling(state)``, at most ``max_attempts`` checks;
    delay(n) = min(initial_delay * backoff_rate**(n-1), max_delay), jittered, >= 1 s."""

    should_continue_polling: Callable[[T], bool]
    max_attempts: int = 60
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: Numeric = 1.5
    jitter_strategy: JitterStrategy = JitterStrategy.FULL


def create_wait_strategy(config: WaitStrategyConfig[Any]
                         ) -> Callable[[Any, int], WaitForConditionDecision]:
    """A strategy ``(state, attempts_made) -> WaitForConditionDecision``. A met condition wins
    over exhaustion; after ``max_attempts`` unmet checks it raises ``WaitForConditionError``
    (so ``wait_for_condition`` fails rather than returning a partial state)."""

    def strategy(state: Any, attempts_made: int) -> WaitForConditionDecision:
        if not config.should_continue_polling(state):
            return WaitForConditionDecision.stop_polling()
        if attempts_made >= config.max_attempts:
            raise WaitForConditionError(
                f"wait_for_condition exhausted {config.max_attempts} attempts "
                "before the condition was met")
        delay = min(config.initial_delay_seconds * (config.backoff_rate ** (attempts_made - 1)),
                    config.max_delay_seconds)
        return WaitForConditionDecision.continue_waiting(
            Duration(seconds=config.jitter_strategy.finalize_delay(delay)))

    return strategy
