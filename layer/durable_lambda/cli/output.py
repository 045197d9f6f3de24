"""What the CLI prints: human tables and timelines by default, one JSON document with ``--json``.

Results go to stdout; progress and errors go to stderr, so ``--json`` output stays parseable
while long work (a redrive of many messages, ``local up``) reports how far it got.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import IO, Any, Optional

#: widest cell before truncation in human tables
MAX_CELL = 60


class Output:
    """Writes results as JSON (``json_mode``) or for people; progress to stderr."""

    def __init__(self, json_mode: bool = False, out: Optional[IO[str]] = None,
                 err: Optional[IO[str]] = None) -> None:
        self.json_mode = json_mode
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    # --- results --------------------------------------------------------------------------
    def result(self, value: Any, human: Optional[str] = None) -> None:
        """One result: JSON as is with --json, else ``human`` (or the value, pretty)."""
        if self.json_mode:
            self.out.write(json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n")
        elif human is not None:
            self.out.write(human.rstrip("\n") + "\n")
        else:
            self.out.write(pretty(value) + "\n")
        self.out.flush()

    def table(self, rows: Sequence[dict[str, Any]], columns: Sequence[str],
              empty: str = "(none)", extra: Optional[dict[str, Any]] = None) -> None:
        """Rows as an aligned table (human) or ``{"items": rows, **extra}`` (JSON)."""
        if self.json_mode:
            self.result({**(extra or {}), "items": list(rows)})
            return
        self.result(None, render_table(rows, columns) if rows else empty)

    def fields(self, values: dict[str, Any]) -> None:
        """``key: value`` lines (human) or the object (JSON)."""
        if self.json_mode:
            self.result(values)
            return
        width = max((len(k) for k in values), default=0)
        self.result(None, "\n".join(f"{k.ljust(width)}  {cell(v, 200)}" for k, v in values.items()))

    # --- progress -------------------------------------------------------------------------
    def progress(self, message: str) -> None:
        """A line of progress on stderr (in both modes)."""
        self.err.write(message.rstrip("\n") + "\n")
        self.err.flush()


def pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def cell(value: Any, width: int = MAX_CELL) -> str:
    """One table cell: compact JSON for structures, ``-`` for nothing, truncated to ``width``."""
    if value is None or value == "":
        text = "-"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def render_table(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def iso_ms(epoch_ms: Optional[float]) -> Optional[str]:
    """Epoch milliseconds as ISO-8601 UTC (``2026-11-30T21:04:05.123Z``)."""
    if not epoch_ms:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def age(epoch_ms: Optional[float], now_ms: Optional[float] = None) -> Optional[str]:
    """How long ago, compactly: ``42s``, ``7m``, ``3h``, ``2d``."""
    if not epoch_ms:
        return None
    seconds = max(0.0, ((now_ms or time.time() * 1000) - epoch_ms) / 1000)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def timeline(events: Sequence[dict[str, Any]]) -> str:
    """A durable execution's history events as a timeline, one line per event:
    ``#  +elapsed  EventType  name  details``."""
    if not events:
        return "(no events)"
    start = _parse_iso(events[0].get("EventTimestamp"))
    lines = []
    for event in events:
        moment = _parse_iso(event.get("EventTimestamp"))
        offset = f"+{moment - start:.3f}s" if moment is not None and start is not None else ""
        label = event.get("Name") or event.get("Id") or ""
        details = _details(event)
        indent = "  " if event.get("ParentId") else ""
        lines.append(f"{event.get('EventId', ''):>4}  {offset:>10}  {indent}"
                     f"{event.get('EventType', '?'):<24} {cell(label, 30):<30} {details}".rstrip())
    return "\n".join(lines)


def _details(event: dict[str, Any]) -> str:
    details = event.get(f"{event.get('EventType')}Details") or {}
    parts = []
    for key in ("Result", "Error", "Input"):
        payload = (details.get(key) or {}).get("Payload") if isinstance(
            details.get(key), dict) else None
        if payload is not None:
            parts.append(f"{key.lower()}={cell(payload, 50)}")
    for key in ("CallbackId", "Duration", "ScheduledEndTimestamp", "FunctionName"):
        if details.get(key) is not None:
            parts.append(f"{key[0].lower()}{key[1:]}={cell(details[key], 40)}")
    retry = details.get("RetryDetails") or {}
    if retry.get("CurrentAttempt"):
        parts.append(f"attempt={retry['CurrentAttempt']}")
    return " ".join(parts)


def _parse_iso(text: Any) -> Optional[float]:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
