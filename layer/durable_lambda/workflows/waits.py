"""Wait strategies for ``wait_for_condition`` (the official SDK's ``waits`` module): poll with
exponential backoff and jitter until the state says stop."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from durable_lambda.workflows.config import (  # noqa: F401 (the SDK exports them from here)
    WaitForConditionConfig, WaitForConditionDecision)
from durable_lambda.workflows.duration import DelaySeconds, Duration, JitterStrategy, Numeric
from durable_lambda.workflows.exceptions import WaitForConditionError

T = TypeVar("T")


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
