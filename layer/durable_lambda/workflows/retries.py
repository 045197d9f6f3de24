"""Retry strategies for steps: exponential backoff with jitter, attempts cap, error filters."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional, Union

from durable_lambda.workflows.duration import Duration, JitterStrategy, to_seconds
from durable_lambda.workflows.errors import ValidationError

RetryStrategy = Callable[[Exception, int], "RetryDecision"]


@dataclass(frozen=True)
class RetryDecision:
    should_retry: bool
    delay: Duration = field(default_factory=Duration)

    @property
    def delay_seconds(self) -> float:
        return self.delay.to_seconds()

    @classmethod
    def retry(cls, delay: Duration) -> "RetryDecision":
        return cls(True, delay)

    @classmethod
    def no_retry(cls) -> "RetryDecision":
        return cls(False, Duration())


@dataclass(frozen=True)
class RetryStrategyConfig:
    """Backoff: delay(n) = min(initial * rate**(n-1), max), jittered, rounded up, >= 1 s.

    ``retryable_errors`` (substrings or compiled regexes of the message) and
    ``retryable_error_types`` filter which errors retry; when both are None every error retries.
    ``max_attempts`` counts every attempt, the first included.
    """

    max_attempts: int = 3
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: float = 2.0
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: Optional[list[Union[str, "re.Pattern[str]"]]] = None
    retryable_error_types: Optional[list[type[BaseException]]] = None


def create_retry_strategy(config: RetryStrategyConfig | None = None) -> RetryStrategy:
    """A retry strategy ``(error, attempts_made) -> RetryDecision`` from ``config``."""
    config = config or RetryStrategyConfig()
    if config.max_attempts < 1:
        raise ValidationError(f"max_attempts must be >= 1, got {config.max_attempts}")
    if config.backoff_rate < 1:
        raise ValidationError(f"backoff_rate must be >= 1, got {config.backoff_rate}")
    initial = to_seconds(config.initial_delay, "initial_delay")
    cap = to_seconds(config.max_delay, "max_delay")
    everything = config.retryable_errors is None and config.retryable_error_types is None
    patterns = config.retryable_errors or []
    types = tuple(config.retryable_error_types or ())

    def retryable(error: Exception) -> bool:
        if everything or isinstance(error, types):
            return True
        message = str(error)
        return any(p.search(message) if isinstance(p, re.Pattern) else p in message
                   for p in patterns)

    def strategy(error: Exception, attempts_made: int) -> RetryDecision:
        if attempts_made >= config.max_attempts or not retryable(error):
            return RetryDecision.no_retry()
        delay = min(initial * config.backoff_rate ** max(attempts_made - 1, 0), cap)
        delay = max(1, math.ceil(config.jitter_strategy.apply(delay)))
        return RetryDecision.retry(Duration(seconds=delay))

    return strategy


class RetryPresets:
    """Ready-made strategies (same parameters as the official SDK's presets)."""

    @staticmethod
    def none() -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(max_attempts=1))

    @staticmethod
    def default() -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=6, initial_delay=Duration.from_seconds(5),
            max_delay=Duration.from_minutes(1), backoff_rate=2))

    @staticmethod
    def transient() -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=3, backoff_rate=2, jitter_strategy=JitterStrategy.HALF))

    @staticmethod
    def resource_availability() -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=5, initial_delay=Duration.from_seconds(5),
            max_delay=Duration.from_minutes(5), backoff_rate=2))

    @staticmethod
    def critical() -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=10, initial_delay=Duration.from_seconds(1),
            max_delay=Duration.from_minutes(1), backoff_rate=1.5,
            jitter_strategy=JitterStrategy.NONE))
