"""Which kind of Lambda event a handler was given: the first thing every entry point asks, so
this module imports nothing (the SQS batch machinery loads only for SQS events)."""
from __future__ import annotations

from typing import Any


def is_sqs_event(event: Any) -> bool:
    """True for a Lambda SQS batch event."""
    return isinstance(event, dict) and isinstance(event.get("Records"), list) and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in event["Records"])
