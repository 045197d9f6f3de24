"""The transactional outbox: a turn's messages and timers take effect iff its state commits.

``ctx.send`` / ``ctx.set_timer`` check and encode their effect at the call (a value that is not
JSON raises ``SerializationError`` naming the field, inside the handler). The encoded effects
are written in the actor item's ``outbox`` by the same conditional write as the state, so a
fenced (zombie) or failed turn has none. After the commit they are delivered, in order, with
ids derived from the effect id (SQS MessageDeduplicationId, Scheduler schedule name): a second
delivery of the same effect is a no-op at SQS / Scheduler and skipped by the receiver (its
applied-id memory, ``actors.applied``). The delivered entries are then cleared — by the
release that ends the turn, or by the next write. A writer that dies between its commit and
the clear leaves them in the item; the next turn on that actor delivers them before its
handler runs.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

from durable_lambda.core import envelope as envelope_module
from durable_lambda.core.envelope import MAX_MESSAGE_BYTES, Envelope
from durable_lambda.core.errors import (
    InvalidRequestError,
    SerializationError,
    StateTooLargeError,
)

log = logging.getLogger("durable_lambda")

#: all undelivered effects of one actor (they share the 400 KB item with the state)
MAX_OUTBOX_BYTES = 256 * 1024


class EffectsTooLargeError(StateTooLargeError):
    """A turn's messages and timers do not fit the actor item's outbox."""


def check_json(value: Any, what: str) -> None:
    """Raise SerializationError naming ``what`` unless ``value`` is plain JSON."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"{what} is not JSON-serializable: {exc}") from None


def encode(envelope: Envelope, fire_at: Optional[float], what: str) -> str:
    """One outbox entry: the envelope and, for a timer, its fire time (epoch seconds)."""
    check_json(envelope.payload, f"payload of {what}")
    entry = json.dumps({"at": fire_at, "envelope": json.loads(envelope.to_json())},
                       separators=(",", ":"))
    if len(entry.encode()) > MAX_MESSAGE_BYTES:
        raise EffectsTooLargeError(
            f"{what} is {len(entry.encode())} bytes with its envelope; a message carries at "
            f"most {MAX_MESSAGE_BYTES} — send a reference (S3 key) instead")
    return entry


def outbox_bytes(entries: list[str]) -> int:
    """Bytes the entries take in the item."""
    return sum(len(e.encode()) + 4 for e in entries)


def check_size(key: str, entries: list[str]) -> None:
    """Raise EffectsTooLargeError when the undelivered effects exceed the outbox bound."""
    size = outbox_bytes(entries)
    if size > MAX_OUTBOX_BYTES:
        raise EffectsTooLargeError(
            f"actor {key!r}: this turn's messages and timers (with any still undelivered) "
            f"take {size} bytes; at most {MAX_OUTBOX_BYTES} fit beside the state — send "
            "fewer or smaller messages per turn")


def effect_id(entry: str) -> str:
    """The envelope id of an outbox entry."""
    return str(json.loads(entry)["envelope"]["id"])


def deliver(entries: list[str]) -> int:
    """Deliver entries in order; returns how many were delivered (stops at the first failure,
    which stays in the outbox for the next turn — nothing after it overtakes it).

    An entry that SQS or Scheduler can never accept (``InvalidRequestError``; entries are
    checked at the call, so only a changed limit gets here) is logged and dropped rather
    than block every later effect of the actor."""
    from durable_lambda.core.timers import schedule_envelope

    for done, entry in enumerate(entries):
        try:
            data = json.loads(entry)
            envelope = Envelope.from_json(json.dumps(data["envelope"]))
            if data.get("at") is None:
                envelope_module.send(envelope)
            else:
                schedule_envelope(envelope, float(data["at"]))
        except InvalidRequestError as exc:
            log.error("effect %d of %d can never be delivered, dropped: %s (%s)",
                      done + 1, len(entries), exc, entry[:500])
        except Exception as exc:  # kept for a later turn: the state is already committed
            log.error("delivery of effect %d of %d failed, kept in the outbox: %s: %s",
                      done + 1, len(entries), type(exc).__name__, exc)
            return done
    return len(entries)
