"""Time spans and jitter shared by configs, retries and waits (re-exported by ``config``).

As in the official SDK a ``Duration`` is a whole number of seconds: ``Duration(30)``,
``Duration.from_minutes(1.5)`` (90 s); the ``from_*`` constructors truncate to whole seconds.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum

from durable_lambda.workflows.exceptions import ValidationError

Numeric = int | float


@dataclass(frozen=True)
class Duration:
    """A span of time, stored as total seconds (``ValidationError`` if negative)."""

    seconds: int = 0

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValidationError("Duration seconds must be positive")

    def to_seconds(self) -> int:
        return self.seconds

    @classmethod
    def from_seconds(cls, value: float) -> "Duration":
        return cls(seconds=int(value))

    @classmethod
    def from_minutes(cls, value: float) -> "Duration":
        return cls(seconds=int(value * 60))

    @classmethod
    def from_hours(cls, value: float) -> "Duration":
        return cls(seconds=int(value * 3600))

    @classmethod
    def from_days(cls, value: float) -> "Duration":
        return cls(seconds=int(value * 86400))


def to_seconds(value: "Duration | int | float", what: str) -> float:
    """Seconds of a Duration or number; ``ValidationError`` naming ``what`` if negative/bad."""
    if isinstance(value, Duration):
        seconds: float = value.to_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value
    else:
        raise ValidationError(f"{what} must be a Duration or a number of seconds, got {value!r}")
    if seconds < 0:
        raise ValidationError(f"{what} must not be negative, got {seconds}")
    return seconds


class DelaySeconds:
    """``initial_delay_seconds`` / ``max_delay_seconds`` of a config with ``initial_delay`` and
    ``max_delay`` Durations (retry and wait strategy configs)."""

    initial_delay: Duration
    max_delay: Duration

    @property
    def initial_delay_seconds(self) -> int:
        return self.initial_delay.to_seconds()

    @property
    def max_delay_seconds(self) -> int:
        return self.max_delay.to_seconds()


class JitterStrategy(StrEnum):
    """Noise added to retry/poll delays: NONE, FULL (uniform in [0, d]), HALF ([d/2, d])."""

    NONE = "NONE"
    FULL = "FULL"
    HALF = "HALF"

    def apply_jitter(self, delay: float) -> float:
        """The delay after jitter."""
        return self.apply(delay)

    def apply(self, delay: float, rng=random.random) -> float:  # noqa: ANN001 - callable
        """``apply_jitter`` with an injectable random source (tests)."""
        if self is JitterStrategy.NONE:
            return delay
        if self is JitterStrategy.HALF:
            return delay / 2 + rng() * (delay / 2)
        return rng() * delay

    def finalize_delay(self, base_delay: float) -> int:
        """Jitter, round up, at least 1 second."""
        return max(1, math.ceil(self.apply_jitter(base_delay)))
