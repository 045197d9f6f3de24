"""Suspension signal: a ``BaseException`` so user code's ``except Exception`` cannot swallow it.

It carries what the execution waits for (timers, callbacks, invokes); map/parallel merge the
suspensions of their branches, the engine turns the one that reaches it into a ``ResumePlan``.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class SuspendExecution(BaseException):
    """Raised to stop the invocation until something it waits for happens."""

    def __init__(self, message: str) -> None:  # the official SDK's signature
        super().__init__(message)
        self.timers: list[Any] = []
        self.callbacks: list[Any] = []
        self.invokes: list[Any] = []

    @classmethod
    def waiting_for(cls, message: str, *, timers: Iterable[Any] = (),
                    callbacks: Iterable[Any] = (), invokes: Iterable[Any] = ()
                    ) -> "SuspendExecution":
        """A suspension that waits for ``timers``, ``callbacks`` and ``invokes``."""
        suspension = cls(message)
        suspension.timers = list(timers)
        suspension.callbacks = list(callbacks)
        suspension.invokes = list(invokes)
        return suspension

    @classmethod
    def merge(cls, message: str, parts: Iterable["SuspendExecution"]) -> "SuspendExecution":
        parts = list(parts)
        return cls.waiting_for(message, timers=[t for p in parts for t in p.timers],
                               callbacks=[c for p in parts for c in p.callbacks],
                               invokes=[i for p in parts for i in p.invokes])
