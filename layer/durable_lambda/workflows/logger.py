"""Replay-safe logging: ``context.logger`` stays silent while the execution replays."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any


class ReplaySafeLogger:
    """Wraps a ``logging.Logger``; drops records while ``is_replaying()`` is true."""

    def __init__(self, logger: logging.Logger, is_replaying: Callable[[], bool],
                 extra: dict[str, Any] | None = None) -> None:
        self._logger = logger
        self._is_replaying = is_replaying
        self._extra = dict(extra or {})

    def with_extra(self, **extra: Any) -> "ReplaySafeLogger":
        return ReplaySafeLogger(self._logger, self._is_replaying, {**self._extra, **extra})

    def _log(self, level: int, msg: str, *args: Any, **kwargs: Any) -> None:
        if self._is_replaying():
            return
        kwargs["extra"] = {**self._extra, **kwargs.get("extra", {})}
        self._logger.log(level, msg, *args, **kwargs)

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._log(logging.DEBUG, msg, *args, **kwargs)

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._log(logging.INFO, msg, *args, **kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._log(logging.WARNING, msg, *args, **kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._log(logging.ERROR, msg, *args, **kwargs)

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("exc_info", True)
        self._log(logging.ERROR, msg, *args, **kwargs)
