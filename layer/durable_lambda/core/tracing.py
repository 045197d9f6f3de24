"""The X-Ray trace header across the queue.

SQS carries a trace header as the ``AWSTraceHeader`` message system attribute (SendMessage's
``MessageSystemAttributes``; a Lambda SQS record's ``attributes.AWSTraceHeader``). Lambda puts
the invocation's header in ``_X_AMZN_TRACE_ID``. So:

* sending (``send_attributes``): the header of the message being handled (``core.logging``
  makes it current per message), else the invocation's; nothing when there is none or it is
  malformed (SQS rejects a malformed one, and the send must not fail for a trace);
* receiving: ``core.logging.bind_group`` reads each record's header, and the logs of that
  message carry its ``traceId`` (the ``Root`` of the header).

So an actor message sent while handling a traced message keeps the same trace id, hop after
hop. (Lambda itself starts a new trace for an SQS-triggered invocation and links the message.)
No API call is added: the attribute travels on the SendMessage already made.
"""
from __future__ import annotations

import os
import re
from contextvars import ContextVar
from typing import Any, Optional

ENV_VAR = "_X_AMZN_TRACE_ID"
ATTRIBUTE = "AWSTraceHeader"
#: Root=1-<8 hex>-<24 hex>, then ;Key=Value fields (Parent, Sampled, Lineage, ...)
_HEADER = re.compile(r"^(?=.*\bRoot=1-[0-9a-f]{8}-[0-9a-f]{24}\b)[A-Za-z0-9=;:._-]{1,512}$")
_ROOT = re.compile(r"\bRoot=(1-[0-9a-f]{8}-[0-9a-f]{24})\b")
_current: ContextVar[Optional[str]] = ContextVar("durable_trace_header", default=None)


def valid_header(header: Any) -> bool:
    """True for a well-formed X-Ray trace header (what SQS accepts as ``AWSTraceHeader``)."""
    return isinstance(header, str) and bool(_HEADER.fullmatch(header))


def trace_id(header: Optional[str]) -> Optional[str]:
    """The ``Root`` trace id of a header (``1-5759e988-bd862e3fe1be46a994272793``), or None."""
    found = _ROOT.search(header) if isinstance(header, str) else None
    return found.group(1) if found else None


def set_trace_header(header: Optional[str]) -> None:
    """Make ``header`` (a received message's) the current one for this thread; None clears."""
    _current.set(header if valid_header(header) else None)


def current_header() -> Optional[str]:
    """The header to send on: the message in hand's, else the invocation's (if well formed)."""
    header = _current.get() or os.environ.get(ENV_VAR)
    return header if valid_header(header) else None


def environment_trace_id() -> Optional[str]:
    """The trace id of this Lambda invocation (``_X_AMZN_TRACE_ID``), or None."""
    header = os.environ.get(ENV_VAR)
    return trace_id(header) if valid_header(header) else None


def send_attributes() -> dict[str, Any]:
    """Extra SendMessage parameters carrying the current trace header (``{}`` without one)."""
    return _system_attributes(current_header())


def header_of(message: Any) -> Optional[str]:
    """The well-formed trace header of a received message (a ReceiveMessage entry's
    ``Attributes`` or a Lambda SQS record's ``attributes``), or None."""
    attributes = (message.get("Attributes") or message.get("attributes")) if isinstance(
        message, dict) else None
    header = attributes.get(ATTRIBUTE) if isinstance(attributes, dict) else None
    return header if valid_header(header) else None


def forward_attributes(message: Any) -> dict[str, Any]:
    """SendMessage parameters keeping a received message's own trace header (re-sends)."""
    return _system_attributes(header_of(message))


def _system_attributes(header: Optional[str]) -> dict[str, Any]:
    if header is None:
        return {}
    return {"MessageSystemAttributes": {ATTRIBUTE: {"DataType": "String", "StringValue": header}}}


__all__ = ["ATTRIBUTE", "ENV_VAR", "current_header", "environment_trace_id",
           "forward_attributes", "header_of", "send_attributes", "set_trace_header", "trace_id",
           "valid_header"]
