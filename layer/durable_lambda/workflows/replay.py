"""Replay status of one durable context, tracked as the official SDK tracks it.

A context replays while its code re-runs operations the execution already recorded. The root
context starts replaying when the execution has recorded operations; a child context starts in
its creator's status. Around each operation (``around``): an operation with no record, or a
step that must run again, ends replay before it runs; a recorded operation that is not finished
(a resume point: a pending wait, callback or invoke) ends it after it returns; and replay ends
once the next operation of the context has no record. ``context.logger`` drops records and
``context.is_replaying()`` is True while replaying.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum

from durable_lambda.workflows.model import Operation, OperationType
from durable_lambda.workflows.reducer import FINISHED


class ReplayStatus(Enum):
    REPLAY = "replay"
    NEW = "new"


class ReplayTracker:
    """The replay status of one context (``lookup(op_id)`` reads the recorded operation)."""

    def __init__(self, lookup: Callable[[str], Operation | None], replaying: bool) -> None:
        self._lookup = lookup
        self._status = ReplayStatus.REPLAY if replaying else ReplayStatus.NEW
        self._lock = threading.Lock()

    def is_replaying(self) -> bool:
        with self._lock:
            return self._status is ReplayStatus.REPLAY

    def _new(self) -> None:
        with self._lock:
            self._status = ReplayStatus.NEW

    @contextmanager
    def around(self, op_id: str, next_id: Callable[[], str]) -> Iterator[None]:
        """Wrap the operation ``op_id``; ``next_id()`` is the id of the one after it."""
        was = self.is_replaying()
        op = self._lookup(op_id) if was else None
        terminal = op is not None and op.status in FINISHED
        step = op is not None and op.type is OperationType.STEP
        flip_after = was and op is not None and not terminal and not step
        if was and (op is None or (step and not terminal)):
            self._new()
        try:
            yield
        finally:
            if flip_after:
                self._new()
            elif self.is_replaying() and self._lookup(next_id()) is None:
                self._new()
