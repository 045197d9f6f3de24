"""Structured logs: one JSON object per line with the correlation ids of the work in hand.

Fields are those of Lambda's JSON log format — ``timestamp``, ``level``, ``message``,
``logger``, ``requestId`` (+ ``errorType``, ``errorMessage``, ``stackTrace`` for exceptions)
— plus ``function`` and, when known, ``actorId``, ``messageId``, ``executionId``,
``operationId`` and ``traceId``, and any ``extra=`` fields of the record.

Where the ids come from (each a cheap contextvar write, no I/O):

* ``bind_invocation(lambda_context)`` at the start of every Lambda invocation: ``requestId`` and
  ``function`` (process-wide: Lambda runs one invocation at a time per process);
* ``bind_group(run_group)`` around each SQS message group a handler runs: ``actorId`` or
  ``executionId`` (+ ``operationId`` of a resume) and the group's trace header;
* ``set_log_context(messageId=...)`` per message (the message's own trace header follows it).

Output, configured once per process by ``configure_logging`` (``bind_invocation`` calls it
inside Lambda; local tools call it themselves), at ``DURABLE_LOG_LEVEL`` (default INFO):

* Lambda with ``LoggingConfig.LogFormat: JSON`` (``AWS_LAMBDA_LOG_FORMAT=JSON``): records
  propagate to the runtime's JSON handler, which already writes these fields and every record
  attribute; a filter on the root handlers adds the correlation ids — to the user's own
  records too;
* anywhere else (Lambda's text format, local runs): the ``durable_lambda`` loggers get their
  own handler writing these JSON lines to stdout, and stop propagating (no duplicate text line).
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import IO, Any, Optional, TypeVar

from durable_lambda.core.tracing import environment_trace_id, header_of, set_trace_header, trace_id

#: correlation keys a unit of work (a message group, a message) sets
CONTEXT_KEYS = ("actorId", "messageId", "executionId", "operationId", "traceId")
#: keys set once per invocation (traceId: the invocation's own X-Ray trace)
INVOCATION_KEYS = ("requestId", "function", "traceId")
LOGGER_NAME = "durable_lambda"
_LEVELS = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}
#: LogRecord attributes that are not user extras (as Lambda's own JSON formatter treats them)
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "aws_request_id", "_frame_type", "taskName"}

_invocation: dict[str, str] = {}
_unit: ContextVar[Optional[dict[str, str]]] = ContextVar("durable_log_context", default=None)
#: message id -> AWSTraceHeader of the messages of the group in hand
_traces: ContextVar[Optional[dict[str, str]]] = ContextVar("durable_group_traces", default=None)
_unit_end_hooks: list[Callable[[], None]] = []
_configured = False
T = TypeVar("T")


def set_log_context(**keys: Optional[str]) -> None:
    """Set correlation keys (``CONTEXT_KEYS``) for this thread's logs; ``None`` clears one.

    ``messageId`` also makes that message's trace header (``bind_group``) the current one."""
    current = dict(_unit.get() or {})
    for key, value in keys.items():
        if key not in CONTEXT_KEYS:
            raise ValueError(f"unknown log context key {key!r}; expected one of {CONTEXT_KEYS}")
        if value is None or value == "":
            current.pop(key, None)
        else:
            current[key] = str(value)
    message_id = keys.get("messageId")
    header = (_traces.get() or {}).get(message_id) if message_id else None
    if header:
        set_trace_header(header)
        current["traceId"] = trace_id(header) or current.get("traceId", "")
    _unit.set(current)


def clear_log_context() -> None:
    """Forget this thread's unit-of-work keys (the invocation's stay); what was buffered for
    the unit of work (``on_unit_end`` hooks: metrics) goes too."""
    _unit.set(None)
    _traces.set(None)
    set_trace_header(None)
    for hook in _unit_end_hooks:
        hook()


def on_unit_end(hook: Callable[[], None]) -> None:
    """Call ``hook`` whenever a unit of work's context is cleared (start and end of a group,
    start of an invocation): ``core.metrics`` drops values of work that did not commit."""
    if hook not in _unit_end_hooks:
        _unit_end_hooks.append(hook)


def log_context() -> dict[str, str]:
    """The correlation ids in effect: the invocation's, then this thread's unit of work's."""
    return {**_invocation, **(_unit.get() or {})}


def bind_invocation(lambda_context: Any) -> None:
    """Start of a Lambda invocation: record ``requestId`` / ``function``, clear the previous
    invocation's ids, and (inside Lambda, once per process) configure logging."""
    _invocation.clear()
    request_id = getattr(lambda_context, "aws_request_id", None)
    function = getattr(lambda_context, "function_name", None) or os.environ.get(
        "AWS_LAMBDA_FUNCTION_NAME")
    if request_id:
        _invocation["requestId"] = str(request_id)
    if function:
        _invocation["function"] = str(function)
    env_trace = environment_trace_id()  # a message's own trace overrides it (bind_group)
    if env_trace:
        _invocation["traceId"] = env_trace
    clear_log_context()
    if not _configured and os.environ.get("AWS_LAMBDA_RUNTIME_API"):
        configure_logging()


def bind_group(run_group: Callable[[list[Any]], T]) -> Callable[[list[Any]], T]:
    """Wrap a handler's per-group function (``sqs_batch.process_batch``): while it runs, the
    logs carry the group's actor or execution id (and a resume's operation id), and each
    message's ``AWSTraceHeader`` is at hand for ``set_log_context(messageId=...)``."""
    def bound(items: list[Any]) -> T:
        clear_log_context()
        _traces.set({item.envelope.id: header for item in items
                     if (header := header_of(item.record))})
        keys: dict[str, Optional[str]] = {}
        if items:
            envelope = items[0].envelope
            keys["actorId" if envelope.kind == "actor" else "executionId"] = envelope.key
            payload = envelope.payload if isinstance(envelope.payload, dict) else {}
            if envelope.kind == "workflow" and isinstance(payload.get("operationId"), str):
                keys["operationId"] = payload["operationId"]
            keys["messageId"] = envelope.id
        set_log_context(**keys)
        try:
            return run_group(items)
        finally:
            clear_log_context()
    return bound


class ContextFilter(logging.Filter):
    """Adds the correlation ids to each record it sees (never overriding an ``extra=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in log_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, in Lambda's JSON log format (+ correlation ids, extras)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        for key, value in log_context().items():
            line.setdefault(key, value)
        if record.exc_info and record.exc_info[0] is not None:
            line["errorType"] = record.exc_info[0].__name__
            line["errorMessage"] = str(record.exc_info[1])
            line["stackTrace"] = traceback.format_tb(record.exc_info[2])
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in line and value is not None:
                line[key] = value
        return json.dumps(line, default=str, ensure_ascii=False)


def level_name(value: Optional[str]) -> str:
    """A logging level name for ``DURABLE_LOG_LEVEL`` (TRACE -> DEBUG, WARN -> WARNING)."""
    name = (value or "INFO").strip().upper()
    name = _LEVELS.get(name, name)
    return name if name in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else "INFO"


def configure_logging(stream: Optional[IO[str]] = None, level: Optional[str] = None,
                      lambda_json: Optional[bool] = None) -> logging.Logger:
    """Set up the ``durable_lambda`` loggers (see the module docstring); idempotent.

    ``stream`` (default stdout), ``level`` (default ``DURABLE_LOG_LEVEL``) and ``lambda_json``
    (default: ``AWS_LAMBDA_LOG_FORMAT == "JSON"``) are for tests and local tools."""
    global _configured
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level_name(level or _configured_level()))
    for handler in [h for h in logger.handlers if isinstance(h.formatter, JsonFormatter)]:
        logger.removeHandler(handler)
    if lambda_json is None:
        lambda_json = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
    if lambda_json:
        logger.propagate = True
        _add_filter(logging.getLogger().handlers)
    else:
        handler = logging.StreamHandler(stream or sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    _configured = True
    return logger


def _add_filter(handlers: Iterable[logging.Handler]) -> None:
    for handler in handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())


def _configured_level() -> str:
    try:
        from durable_lambda.core.settings import get_settings

        return get_settings().log_level
    except Exception:  # noqa: BLE001 - a bad unrelated setting must not silence the logs
        return os.environ.get("DURABLE_LOG_LEVEL", "INFO")


def reset_logging() -> None:
    """Undo ``configure_logging`` and forget the invocation (tests)."""
    global _configured
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if isinstance(h.formatter, JsonFormatter)]:
        logger.removeHandler(handler)
    for handler in logging.getLogger().handlers:
        for found in [f for f in handler.filters if isinstance(f, ContextFilter)]:
            handler.removeFilter(found)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
    _invocation.clear()
    clear_log_context()
    _configured = False


def parse_lines(text: str) -> list[Mapping[str, Any]]:
    """The JSON objects among ``text``'s lines (tests, ``durable-lambda`` log tooling)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


__all__ = ["CONTEXT_KEYS", "ContextFilter", "JsonFormatter", "bind_group", "bind_invocation",
           "clear_log_context", "configure_logging", "level_name", "log_context",
           "on_unit_end", "parse_lines", "reset_logging", "set_log_context"]
