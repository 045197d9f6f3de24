"""Replay-safe logging (the official SDK's ``logger`` module): ``context.logger`` drops records
while its context replays and adds ``executionArn``, ``parentId``, ``operationName``,
``attempt`` and ``operationId`` extras. By default it wraps the root logger, as the SDK does;
``get_logger()`` returns the wrapped logger and ``context.set_logger(l)`` replaces it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.workflows.types import LoggerInterface


@dataclass(frozen=True)
class LogInfo:
    """Where a record comes from: the execution (anything with ``durable_execution_arn`` or
    ``execution_id``), parent context, operation, name and attempt."""

    execution_state: Any
    parent_id: Optional[str] = None
    operation_id: Optional[str] = None
    name: Optional[str] = None
    attempt: Optional[int] = None

    def with_parent_id(self, parent_id: str) -> "LogInfo":
        return LogInfo(self.execution_state, parent_id, self.operation_id, self.name, self.attempt)

    def extra(self) -> dict[str, object]:
        state = self.execution_state
        arn = getattr(state, "durable_execution_arn", None) or getattr(state, "execution_id", "")
        extra: dict[str, object] = {"executionArn": arn}
        for key, value in (("parentId", self.parent_id), ("operationName", self.name),
                           ("attempt", self.attempt), ("operationId", self.operation_id)):
            if value is not None and value != "":
                extra[key] = value
        return extra


def _never() -> bool:
    return False


class Logger:
    """Wraps a logger; drops records while ``is_replaying()`` is true."""

    def __init__(self, logger: LoggerInterface, default_extra: Mapping[str, object],
                 is_replaying: Callable[[], bool] = _never) -> None:
        self._logger = logger
        self._default_extra = dict(default_extra)
        self._is_replaying = is_replaying

    @classmethod
    def from_log_info(cls, logger: LoggerInterface, info: LogInfo,
                      is_replaying: Callable[[], bool] = _never) -> "Logger":
        return cls(logger, info.extra(), is_replaying)

    def with_log_info(self, info: LogInfo) -> "Logger":
        return Logger.from_log_info(self._logger, info, self._is_replaying)

    def with_is_replaying(self, is_replaying: Callable[[], bool]) -> "Logger":
        return Logger(self._logger, self._default_extra, is_replaying)

    def with_extra(self, **extra: Any) -> "Logger":
        """A copy with more default extras."""
        return Logger(self._logger, {**self._default_extra, **extra}, self._is_replaying)

    def get_logger(self) -> LoggerInterface:
        """The wrapped logger."""
        return self._logger

    def debug(self, msg: object, *args: object,
              extra: Optional[Mapping[str, object]] = None) -> None:
        self._log(self._logger.debug, msg, *args, extra=extra)

    def info(self, msg: object, *args: object,
             extra: Optional[Mapping[str, object]] = None) -> None:
        self._log(self._logger.info, msg, *args, extra=extra)

    def warning(self, msg: object, *args: object,
                extra: Optional[Mapping[str, object]] = None) -> None:
        self._log(self._logger.warning, msg, *args, extra=extra)

    def error(self, msg: object, *args: object,
              extra: Optional[Mapping[str, object]] = None) -> None:
        self._log(self._logger.error, msg, *args, extra=extra)

    def exception(self, msg: object, *args: object,
                  extra: Optional[Mapping[str, object]] = None) -> None:
        self._log(self._logger.exception, msg, *args, extra=extra)

    def _log(self, log: Callable[..., None], msg: object, *args: object,
             extra: Optional[Mapping[str, object]] = None) -> None:
        if self._is_replaying():
            return
        log(msg, *args, extra={**self._default_extra, **(extra or {})})


#: durable-lambda's older name
ReplaySafeLogger = Logger
