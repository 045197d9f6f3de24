"""Run independent units of work side by side.

``map_in_threads``: a fixed list (actors, target functions of one batch). ``CompletionPool``:
work submitted a piece at a time, whose results come back in completion order through one
queue — O(1) per piece however many are submitted or running (no rescans of pending futures).
"""
from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_in_threads(fn: Callable[[T], R], items: Sequence[T], max_workers: int) -> list[R]:
    """``[fn(i) for i in items]``, in up to ``max_workers`` threads (inline for one item)."""
    if len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(fn, items))


class _Raised:
    """A BaseException a submitted call raised, carried to the consumer."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class CompletionPool(Generic[R]):
    """Calls run in up to ``workers`` threads (on the caller's thread, at ``submit``, when
    ``workers`` is 1); ``next()`` returns results as they finish and re-raises what a call
    raised. The caller bounds what it submits; ``close()`` drops calls not yet started and
    waits for running ones. Use as a context manager."""

    def __init__(self, workers: int, thread_name_prefix: str = "worker") -> None:
        self._inline = workers <= 1
        self._done: deque[Any] = deque()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pool = None if self._inline else ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=thread_name_prefix)

    def submit(self, fn: Callable[..., R], *args: Any) -> None:
        if self._pool is None:
            self._done.append(self._call(fn, args))
        else:
            self._pool.submit(self._post, fn, args)

    def next(self, timeout: float | None = None) -> R:
        """The next finished result (blocks until one is ready, at most ``timeout`` seconds:
        then ``TimeoutError``); raise what its call raised."""
        try:
            outcome = self._done.popleft() if self._pool is None \
                else self._queue.get(timeout=timeout)
        except (IndexError, queue.Empty):
            raise TimeoutError(f"no result within {timeout} s") from None
        if isinstance(outcome, _Raised):
            raise outcome.error
        return outcome

    def drain(self) -> list[R]:
        """Results already finished, without waiting (a failed call's error is re-raised)."""
        ready: list[Any] = []
        while True:
            try:
                ready.append(self._done.popleft() if self._pool is None
                             else self._queue.get_nowait())
            except (IndexError, queue.Empty):
                break
        for outcome in ready:
            if isinstance(outcome, _Raised):
                raise outcome.error
        return ready

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "CompletionPool[R]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _call(fn: Callable[..., R], args: tuple[Any, ...]) -> Any:
        try:
            return fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            return _Raised(exc)

    def _post(self, fn: Callable[..., R], args: tuple[Any, ...]) -> None:
        self._queue.put(self._call(fn, args))
