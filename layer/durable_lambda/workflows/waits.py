"""Wait strategies for ``wait_for_condition`` (poll with exponential backoff and jitter)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from durable_lambda.workflows.config import JitterStrategy, WaitForConditionDecision
from durable_lambda.workflows.errors import ValidationError


@dataclass(frozen=True)
class WaitStrategyConfig:
    """Keep polling while ``should_continue_polling(state)``, at most ``max_attempts`` checks."""

    should_continue_polling: Callable[[Any], bool]
    max_attempts: int = 60
    initial_delay_seconds: float = 5
    max_delay_seconds: float = 300
    backoff_rate: float = 1.5
    jitter_strategy: JitterStrategy = JitterStrategy.FULL


def create_wait_strategy(config: WaitStrategyConfig
                         ) -> Callable[[Any, int], WaitForConditionDecision]:
    """A wait strategy ``(state, attempts_made) -> WaitForConditionDecision``.

    When ``max_attempts`` checks were made and polling should still continue, the
    strategy stops polling and ``wait_for_condition`` fails with ``WaitForConditionError``.
    """
    if config.max_attempts < 1:
        raise ValidationError(f"max_attempts must be >= 1, got {config.max_attempts}")

    def strategy(state: Any, attempts_made: int) -> WaitForConditionDecision:
        if not config.should_continue_polling(state):
            return WaitForConditionDecision.stop_polling()
        if attempts_made >= config.max_attempts:
            raise _exhausted(attempts_made)
        delay = min(config.initial_delay_seconds * config.backoff_rate ** max(attempts_made - 1, 0),
                    config.max_delay_seconds)
        return WaitForConditionDecision.continue_waiting(
            max(1, round(config.jitter_strategy.apply(delay))))

    return strategy


def _exhausted(attempts: int) -> Exception:
    from durable_lambda.workflows.errors import WaitForConditionError
    return WaitForConditionError(f"condition not met after {attempts} attempts",
                                 "WaitForConditionError")
