"""Metrics as CloudWatch Embedded Metric Format (EMF) lines on stdout — no API call.

Lambda sends stdout to CloudWatch Logs, which extracts the metrics of each EMF line, so a
metric costs one log line and nothing on the hot path but a ``json.dumps``. One line per
event (a turn, a redrive run, a checkpoint...), holding every value of that event; values
added with ``add`` during a turn ride on the line ``flush`` writes at its end.

    metrics.add(MessagesApplied=1)                 # buffered for this thread
    metrics.flush(Turns=1, TurnLatency=metrics.ms_since(turn.started))   # one EMF line
    metrics.emit(MessagesDeadLettered=1)           # one EMF line, the buffer left alone

Settings (docs/operating.md): ``DURABLE_METRICS`` (true/false; unset: on inside Lambda, off
elsewhere), ``DURABLE_METRICS_NAMESPACE`` (default ``DurableLambda``),
``DURABLE_METRICS_DIMENSIONS`` (comma-separated; ``function`` — the Lambda function name —
and/or fixed ``name=value`` pairs; empty: no dimension; default ``function``).
Each line also carries the log correlation ids (``requestId``, ``actorId``, ``executionId``...)
as plain properties, so a spike leads to its log lines. Nothing here ever raises.
"""
from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
import time
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Optional, TypeVar

from durable_lambda.core.logging import log_context, on_unit_end

#: every metric durable-lambda emits, and its CloudWatch unit
METRICS: dict[str, str] = {
    "Turns": "Count",                 # actor turns committed (sync calls and message groups)
    "TurnLatency": "Milliseconds",    # lease taken .. state saved, per turn
    "LeaseWaits": "Count",            # turns that found the actor's lease held and waited
    "ActorBusy": "Count",             # turns that gave up waiting (ActorBusyError)
    "FencedSaves": "Count",           # saves rejected: the writer's lease was taken over
    "MessagesApplied": "Count",       # async messages applied by a committed turn
    "DuplicatesSkipped": "Count",     # redelivered messages skipped (already applied)
    "MessagesDeadLettered": "Count",  # records sent to the DLQ by a handler
    "Redrives": "Count",              # DLQ messages re-sent to the work queue
    "MessagesParked": "Count",        # DLQ messages moved to the parked queue
    "Checkpoints": "Count",           # durable execution checkpoint writes
    "CheckpointBytes": "Bytes",       # operation data written by those checkpoints
    "Resumes": "Count",               # durable execution runs started by a resume message
    "CallbacksTimedOut": "Count",     # callbacks failed by their timeout or heartbeat timeout
}
MAX_DIMENSIONS = 30  # EMF's limit per dimension set
log = logging.getLogger("durable_lambda")
_lock = threading.Lock()
_buffer: ContextVar[Optional[dict[str, float]]] = ContextVar("durable_metrics", default=None)
T = TypeVar("T")


def ms_since(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.monotonic()`` reading), to 0.01 ms."""
    return round((time.monotonic() - started) * 1000, 2)


def enabled() -> bool:
    """``DURABLE_METRICS``; unset means on inside Lambda only."""
    try:
        from durable_lambda.core.settings import get_settings

        setting = get_settings().metrics
    except Exception:  # noqa: BLE001 - a bad unrelated setting must not break the caller
        return False
    return bool(os.environ.get("AWS_LAMBDA_RUNTIME_API")) if setting is None else setting


def add(**values: float) -> None:
    """Buffer values for this thread's next ``emit`` (summed per name)."""
    buffered = dict(_buffer.get() or {})
    for name, value in values.items():
        buffered[name] = buffered.get(name, 0) + value
    _buffer.set(buffered)


def discard() -> None:
    """Drop this thread's buffered values (work that did not commit)."""
    _buffer.set(None)


on_unit_end(discard)  # a message group or invocation that ends without ``emit``: not counted


def emit(**values: float) -> None:
    """Write one EMF line with ``values`` (an event of its own); never raises. Zero counts
    are left out; a line with nothing left is not written."""
    _write(values)


def flush(**values: float) -> None:
    """Like ``emit``, with this thread's buffered values on the same line (the end of a turn)."""
    buffered = _buffer.get() or {}
    _buffer.set(None)
    merged = dict(buffered)
    for name, value in values.items():
        merged[name] = merged.get(name, 0) + value
    _write(merged)


def _write(values: dict[str, float]) -> None:
    try:
        if not enabled():
            return
        line = emf_line(values)
        if line is None:
            return
        with _lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    except Exception as exc:  # noqa: BLE001 - a metric never breaks a turn
        log.warning("metrics not written: %s: %s", type(exc).__name__, exc)


def count_if(outcome: T, name: str) -> T:
    """Emit ``name`` = 1 when ``outcome`` is truthy; returns ``outcome`` (wraps a call site:
    ``return metrics.count_if(store.complete_external(...), "CallbacksTimedOut")``)."""
    if outcome:
        emit(**{name: 1})
    return outcome


def written_bytes(writes: Any) -> int:
    """Bytes of the string and binary attribute values written by DynamoDB
    ``TransactWriteItems`` entries (their Put items) — counted without serializing them."""
    total = 0
    for write in writes or ():
        item = (write.get("Put") or {}).get("Item") if isinstance(write, dict) else None
        for value in (item or {}).values():
            if isinstance(value, dict):
                text = value.get("S")
                total += len(text.encode()) if isinstance(text, str) else len(value.get("B") or b"")
    return total


def emf_line(values: dict[str, float], now_ms: Optional[int] = None) -> Optional[str]:
    """The EMF JSON for ``values`` under the configured namespace and dimensions."""
    from durable_lambda.core.settings import get_settings

    settings = get_settings()
    kept: dict[str, float] = {}
    for name, value in values.items():
        unit = METRICS.get(name)
        if unit is None:
            log.warning("unknown metric %r dropped; known: %s", name, ", ".join(METRICS))
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(
                value) or (unit == "Count" and value == 0):
            continue
        kept[name] = value
    if not kept:
        return None
    context = log_context()
    names, fixed = dimensions(settings.metrics_dimensions)
    dimension_values = {name: fixed.get(name) or _dynamic(name, context) for name in names}
    document: dict[str, Any] = {k: v for k, v in context.items() if k not in METRICS}
    document.update(dimension_values)
    document.update(kept)
    document["_aws"] = {
        "Timestamp": now_ms if now_ms is not None else int(time.time() * 1000),
        "CloudWatchMetrics": [{
            "Namespace": settings.metrics_namespace,
            "Dimensions": [list(names)],
            "Metrics": [{"Name": name, "Unit": METRICS[name]} for name in kept]}]}
    return json.dumps(document, separators=(",", ":"), default=str)


def _dynamic(name: str, context: dict[str, str]) -> str:
    if name == "function":
        return context.get("function") or os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "local"
    return "unknown"


@lru_cache(maxsize=8)
def dimensions(spec: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Parse ``DURABLE_METRICS_DIMENSIONS``: (dimension names in order, fixed values)."""
    names: list[str] = []
    fixed: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not name or name in names or name in METRICS or name == "_aws":
            log.warning("metrics dimension %r ignored (empty, repeated or a metric name)", part)
            continue
        if not value and name != "function":
            log.warning("metrics dimension %r ignored: use 'function' or name=value", part)
            continue
        names.append(name)
        if value:
            fixed[name] = value
    return tuple(names[:MAX_DIMENSIONS]), fixed


__all__ = ["METRICS", "add", "count_if", "discard", "dimensions", "emf_line", "emit", "enabled",
           "flush", "ms_since", "written_bytes"]
