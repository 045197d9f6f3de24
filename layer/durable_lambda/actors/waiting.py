"""How long a writer waits for a busy actor: on the lease's own information, not by spinning.

A waiter's first attempt draws a ticket (its place in line, ``tickets``) in the same call that
would have taken a free lease; every failed attempt returns the item as it was
(ReturnValuesOnConditionCheckFailure), with ``serving`` (the ticket of the writer holding the
lease), ``lease_at_ms`` (when it took it), ``turn_ms`` (how long turns on this actor take,
averaged by the writers themselves) and ``lease_expires_ms``. The waiter sleeps until about
when its own turn should come — ``(ticket - serving)`` turns after the holder started — so a
line of N waiters costs about one extra call per turn instead of a billed conditional write
every few milliseconds per waiter. A holder that crashed is taken over at its lease expiry;
every wait is bounded by the caller's budget.
"""
from __future__ import annotations

import random
import time
from typing import Optional

from durable_lambda.actors.store import ActorRecord, ActorStore, LeaseBusy
from durable_lambda.core import metrics
from durable_lambda.core.errors import ActorBusyError

#: a turn's length before an actor has any history
DEFAULT_TURN_MS = 25.0
#: shortest sleep between two attempts
MIN_WAIT_MS = 2.0
#: attempts after the first, at most (each also bounded by the wait budget)
MAX_ATTEMPTS = 10_000
#: weight of the newest turn in the running average kept in ``turn_ms``
TURN_WEIGHT = 0.3


def delay_ms(busy: LeaseBusy, ticket: int, now_ms: float, budget_ms: float,
             late: int = 0) -> Optional[float]:
    """Milliseconds to sleep before the next attempt; None when the budget is spent.

    ``late`` counts this waiter's attempts made after its foreseen turn: the holder runs long
    or the line moved out of order, so it backs off exponentially (jittered) from then on."""
    if budget_ms <= 0:
        return None
    turn = busy.turn_ms if busy.turn_ms > 0 else DEFAULT_TURN_MS
    ahead = max(1, ticket - busy.serving)  # turns before mine, the holder's included
    wait = busy.held_since_ms + ahead * turn * 1.1 + 1.0 - now_ms
    if wait < MIN_WAIT_MS or late:
        wait = max(wait, turn * min(2 ** late, 16) * random.uniform(0.5, 1.0))
    if busy.expires_ms:
        wait = min(wait, busy.expires_ms - now_ms + 1.0)  # a dead holder: take over then
    return min(max(wait, MIN_WAIT_MS), budget_ms)


def averaged(record: ActorRecord, held_ms: float, taken_ms: float) -> float:
    """The running average of turn lengths a holder saves with its state: the time it held
    the lease plus, when it had waited, the hand-over gap since the previous release."""
    gap = taken_ms - record.released_ms if record.released_ms else 0.0
    this_ms = held_ms + min(max(gap, 0.0), held_ms * 4 + 50)
    if record.turn_ms <= 0:
        return this_ms
    return (1 - TURN_WEIGHT) * record.turn_ms + TURN_WEIGHT * this_ms


def acquire(store: ActorStore, key: str, holder: str, lease_ms: int,
            wait_seconds: float, what: str) -> ActorRecord:
    """Take the lease of ``key`` (waiting in line at most ``wait_seconds``) and load the item.

    Uncontended: one UpdateItem. Contended: that call draws a ticket, then one conditional
    attempt per expected turn. Raises ActorBusyError naming ``what`` when the wait runs out.
    """
    got = store.enter(key, holder, lease_ms)
    if isinstance(got, ActorRecord):
        got.released_ms = 0  # not a hand-over: the actor was idle
        return got
    ticket, late = got.tickets, 0
    metrics.add(LeaseWaits=1)
    deadline = time.monotonic() + wait_seconds
    for _ in range(MAX_ATTEMPTS):
        wait = delay_ms(got, ticket, time.time() * 1000, (deadline - time.monotonic()) * 1000,
                        late)
        if wait is None:
            break
        time.sleep(wait / 1000)
        got = store.try_acquire(key, holder, lease_ms, ticket)
        if isinstance(got, ActorRecord):
            return got
        late += 1
    metrics.flush(ActorBusy=1)
    raise ActorBusyError(
        f"{what} stayed locked by another writer for {wait_seconds:.1f}s; retry later or "
        "raise DURABLE_SYNC_WAIT_SECONDS")
