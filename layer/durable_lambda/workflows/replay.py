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

from collections.abc import Callable
from enum import Enum

from durable_lambda.workflows.model import Operation, OperationType
from durable_lambda.workflows.reducer import FINISHED


class ReplayStatus(Enum):
    REPLAY = "replay"
    NEW = "new"


class ReplayTracker:
    """The replay status of one context (``lookup(op_id)`` reads the recorded operation).

    The status only ever goes from REPLAY to NEW, so it is read without a lock.
    """

    __slots__ = ("_lookup", "_replaying")

    def __init__(self, lookup: Callable[[str], Operation | None], replaying: bool) -> None:
        self._lookup = lookup
        self._replaying = replaying

    def is_replaying(self) -> bool:
        return self._replaying

    @property
    def status(self) -> ReplayStatus:
        return ReplayStatus.REPLAY if self._replaying else ReplayStatus.NEW

    def around(self, next_id: Callable[[], str]) -> "_Around":
        """Wrap the context's next operation; ``next_id()`` is the id its next operation
        takes (before the operation: this one's; after it: the following one's)."""
        return _Around(self, next_id)


class _Around:
    """The replay boundary around one operation (see the module docstring)."""

    __slots__ = ("_tracker", "_next_id", "_flip_after")

    def __init__(self, tracker: ReplayTracker, next_id: Callable[[], str]) -> None:
        self._tracker, self._next_id, self._flip_after = tracker, next_id, False

    def __enter__(self) -> None:
        tracker = self._tracker
        if not tracker._replaying:
            return
        op = tracker._lookup(self._next_id())
        terminal = op is not None and op.status in FINISHED
        step = op is not None and op.type is OperationType.STEP
        self._flip_after = op is not None and not terminal and not step
        if op is None or (step and not terminal):
            tracker._replaying = False

    def __exit__(self, *exc: object) -> None:
        tracker = self._tracker
        if self._flip_after:
            tracker._replaying = False
        elif tracker._replaying and tracker._lookup(self._next_id()) is None:
            tracker._replaying = False
