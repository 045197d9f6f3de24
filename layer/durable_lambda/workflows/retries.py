"""Retry strategies (the official SDK's ``retries`` module): exponential and linear backoff with
jitter, error filters, presets, and ``with_retry`` for retrying a block of durable code.

A strategy is any ``(error, attempts_made) -> RetryDecision``; ``attempts_made`` counts the
attempt that just failed (1 after the first).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Optional, TypeVar

from durable_lambda.workflows.duration import DelaySeconds, Duration, JitterStrategy, Numeric
from durable_lambda.workflows.suspend import SuspendExecution

T = TypeVar("T")
RetryStrategy = Callable[[Exception, int], "RetryDecision"]
_MATCH_ALL = re.compile(r".*")


@dataclass
class RetryDecision:
    """Whether to retry, and after which delay."""

    should_retry: bool
    delay: Duration

    @property
    def delay_seconds(self) -> int:
        return self.delay.to_seconds()

    @classmethod
    def retry(cls, delay: Duration) -> "RetryDecision":
        return cls(should_retry=True, delay=delay)

    @classmethod
    def no_retry(cls) -> "RetryDecision":
        return cls(should_retry=False, delay=Duration())


@dataclass
class RetryStrategyConfig(DelaySeconds):
    """Exponential backoff: delay(n) = min(initial * rate**(n-1), max), jittered, rounded up,
    >= 1 s. ``max_attempts`` counts every attempt, the first included. ``retryable_errors``
    (message substrings or compiled regexes) and ``retryable_error_types`` select the errors
    that retry; when both are None every error retries."""

    max_attempts: int = 3
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: Numeric = 2.0
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: Optional[list[str | re.Pattern]] = None
    retryable_error_types: Optional[list[type[Exception]]] = None


@dataclass
class LinearRetryStrategyConfig(DelaySeconds):
    """Linear backoff: delay(n) = min(initial + increment * (n-1), max), jittered, >= 1 s."""

    max_attempts: int = 6
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    increment: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: Optional[list[str | re.Pattern]] = None
    retryable_error_types: Optional[list[type[Exception]]] = None

    @property
    def increment_seconds(self) -> int:
        return self.increment.to_seconds()


def _retryable(config: RetryStrategyConfig | LinearRetryStrategyConfig
               ) -> Callable[[Exception], bool]:
    """The error filter of ``config`` (every error when neither filter is set)."""
    everything = config.retryable_errors is None and config.retryable_error_types is None
    patterns = [_MATCH_ALL] if everything else list(config.retryable_errors or [])
    types = tuple(config.retryable_error_types or ())

    def retryable(error: Exception) -> bool:
        message = str(error)
        return isinstance(error, types) or any(
            p.search(message) if isinstance(p, re.Pattern) else p in message for p in patterns)
    return retryable


def _strategy(config: RetryStrategyConfig | LinearRetryStrategyConfig,
              base_delay: Callable[[int], float]) -> RetryStrategy:
    retryable = _retryable(config)

    def strategy(error: Exception, attempts_made: int) -> RetryDecision:
        if attempts_made >= config.max_attempts or not retryable(error):
            return RetryDecision.no_retry()
        delay = min(base_delay(attempts_made), config.max_delay_seconds)
        return RetryDecision.retry(Duration(seconds=config.jitter_strategy.finalize_delay(delay)))
    return strategy


def create_retry_strategy(config: Optional[RetryStrategyConfig] = None) -> RetryStrategy:
    """An exponential-backoff strategy from ``config`` (default ``RetryStrategyConfig()``)."""
    c = config or RetryStrategyConfig()
    return _strategy(c, lambda n: c.initial_delay_seconds * (c.backoff_rate ** (n - 1)))


def create_linear_retry_strategy(config: Optional[LinearRetryStrategyConfig] = None
                                 ) -> RetryStrategy:
    """A linear-backoff strategy from ``config`` (default ``LinearRetryStrategyConfig()``)."""
    c = config or LinearRetryStrategyConfig()
    return _strategy(c, lambda n: c.initial_delay_seconds + c.increment_seconds * (n - 1))


class RetryPresets:
    """Ready-made strategies (the SDK's presets, same parameters)."""

    @classmethod
    def none(cls) -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(max_attempts=1))

    @classmethod
    def default(cls) -> RetryStrategy:
        """6 attempts, 5 s initial, x2, at most 60 s, full jitter (the step default)."""
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=6, initial_delay=Duration.from_seconds(5),
            max_delay=Duration.from_minutes(1), backoff_rate=2,
            jitter_strategy=JitterStrategy.FULL))

    @classmethod
    def transient(cls) -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=3, backoff_rate=2, jitter_strategy=JitterStrategy.HALF))

    @classmethod
    def resource_availability(cls) -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=5, initial_delay=Duration.from_seconds(5),
            max_delay=Duration.from_minutes(5), backoff_rate=2))

    @classmethod
    def critical(cls) -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=10, initial_delay=Duration.from_seconds(1),
            max_delay=Duration.from_minutes(1), backoff_rate=1.5,
            jitter_strategy=JitterStrategy.NONE))

    @classmethod
    def linear(cls) -> RetryStrategy:
        """1 s, 2 s, 3 s, 4 s, 5 s (6 attempts, no jitter)."""
        return create_linear_retry_strategy(LinearRetryStrategyConfig(
            max_attempts=6, initial_delay=Duration.from_seconds(1),
            increment=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))

    @classmethod
    def fixed(cls, interval: Optional[Duration] = None) -> RetryStrategy:
        """A constant delay (5 s by default, no jitter), 5 attempts."""
        delay = interval if interval is not None else Duration.from_seconds(5)
        return create_retry_strategy(RetryStrategyConfig(
            max_attempts=5, initial_delay=delay, max_delay=delay, backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE))


@dataclass(frozen=True)
class WithRetryConfig(Generic[T]):
    """``with_retry`` options: the strategy (default ``create_retry_strategy()``), whether the
    retry loop runs in a child context, and that child context's ``ChildConfig``."""

    retry_strategy: Optional[RetryStrategy] = None
    wrap_with_run_in_child_context: bool = True
    child_context_config: Any = None  # ChildConfig


def with_retry(context: Any, func: Callable[[Any, int], T], config: WithRetryConfig[T],
               name: Optional[str] = None) -> T:
    """Run ``func(context, attempt)`` (a block of durable operations), re-running it from the
    start after a durable ``wait`` (named ``"{name}-backoff-{attempt}"``) while the strategy
    retries. In a child context named ``name`` by default: a final failure then surfaces as
    ``ChildContextError``; without it the original error propagates."""
    strategy = config.retry_strategy or create_retry_strategy()

    def run_loop(ctx: Any) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return func(ctx, attempt)
            except SuspendExecution:
                raise
            except Exception as err:  # noqa: BLE001 - the strategy decides
                decision = strategy(err, attempt)
                if not decision.should_retry:
                    raise
                ctx.wait(duration=decision.delay,
                         name=f"{name}-backoff-{attempt}" if name else None)

    if config.wrap_with_run_in_child_context:
        return context.run_in_child_context(run_loop, name=name,
                                            config=config.child_context_config)
    return run_loop(context)
