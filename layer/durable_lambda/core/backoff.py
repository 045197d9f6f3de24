"""Bounded exponential backoff with full jitter."""
from __future__ import annotations

import random
import time
from collections.abc import Iterator


def backoff_delays(deadline: float, base: float = 0.01, cap: float = 0.25) -> Iterator[float]:
    """Yield sleep durations until ``deadline`` (time.monotonic()); the caller sleeps them.

    Full jitter (AWS architecture blog): sleep uniform(0, min(cap, base * 2**n)), never past
    the deadline. The iterator ends when the deadline is reached, so loops stay bounded.
    """
    attempt = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        yield min(left, random.uniform(0, min(cap, base * (2 ** attempt))))
        attempt += 1
