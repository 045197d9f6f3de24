"""Time spans and jitter shared by configs, retries and waits (re-exported by ``config``)."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from durable_lambda.workflows.errors import ValidationError


@dataclass(frozen=True)
class Duration:
    """A span of time; ``Duration.from_minutes(5)`` or ``Duration(seconds=30)``."""

    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: float = 0

    def to_seconds(self) -> float:
        total = self.days * 86400 + self.hours * 3600 + self.minutes * 60 + self.seconds
        return int(total) if float(total).is_integer() else total

    @classmethod
    def from_seconds(cls, value: float) -> "Duration":
        return cls(seconds=value)

    @classmethod
    def from_minutes(cls, value: int) -> "Duration":
        return cls(minutes=value)

    @classmethod
    def from_hours(cls, value: int) -> "Duration":
        return cls(hours=value)

    @classmethod
    def from_days(cls, value: int) -> "Duration":
        return cls(days=value)


def to_seconds(value: "Duration | int | float", what: str) -> float:
    """Seconds of a Duration or number; ``ValidationError`` naming ``what`` if negative/bad."""
    if isinstance(value, Duration):
        seconds = value.to_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value
    else:
        raise ValidationError(f"{what} must be a Duration or a number of seconds, got {value!r}")
    if seconds < 0:
        raise ValidationError(f"{what} must not be negative, got {seconds}")
    return seconds


class JitterStrategy(Enum):
    NONE = "NONE"
    FULL = "FULL"  # delay is uniform in [0, delay]
    HALF = "HALF"  # delay is uniform in [delay/2, delay]

    def apply(self, delay: float, rng: Callable[[], float] = random.random) -> float:
        if self is JitterStrategy.FULL:
            return delay * rng()
        if self is JitterStrategy.HALF:
            return delay / 2 + delay / 2 * rng()
        return delay
