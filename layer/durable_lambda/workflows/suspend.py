"""Suspension signal: a ``BaseException`` so user code's ``except Exception`` cannot swallow it.

It carries what the execution waits for (timers, callbacks, invokes); map/parallel merge the
suspensions of their branches, the engine turns the one that reaches it into a ``ResumePlan``.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class SuspendExecution(BaseException):
    """Raised to stop the invocation until something it waits for happens."""

    def __init__(self, message: str, *, timers: Iterable[Any] = (), callbacks: Iterable[Any] = (),
                 invokes: Iterable[Any] = ()) -> None:
        super().__init__(message)
        self.timers = list(timers)
        self.callbacks = list(callbacks)
        self.invokes = list(invokes)

    @classmethod
    def merge(cls, message: str, parts: Iterable["SuspendExecution"]) -> "SuspendExecution":
        parts = list(parts)
        return cls(message, timers=[t for p in parts for t in p.timers],
                   callbacks=[c for p in parts for c in p.callbacks],
                   invokes=[i for p in parts for i in p.invokes])
