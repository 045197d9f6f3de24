"""Running actor turns: lease, load, apply messages in order, save with fencing, release."""
from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

from durable_lambda.actors.context import ActorContext
from durable_lambda.actors.ids import validate_actor_id
from durable_lambda.actors.store import ActorStore, encode_state
from durable_lambda.actors.turn import Turn
from durable_lambda.core.backoff import backoff_delays
from durable_lambda.core.errors import ActorBusyError, DurableError, SerializationError
from durable_lambda.core.settings import DurableSettings, get_settings

log = logging.getLogger("durable_lambda")
ActorHandler = Callable[[ActorContext, Any], Any]
#: Margin kept between the lease expiry and the end of the Lambda invocation.
LEASE_MARGIN_MS = 2000
def lease_ms_for(lambda_context: Any, settings: DurableSettings) -> int:
    """Lease length: bounded by DURABLE_LEASE_SECONDS and by the invocation's remaining time."""
    lease = int(settings.lease_seconds * 1000)
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if remaining is not None:
        lease = min(lease, int(remaining()) + LEASE_MARGIN_MS)
    return max(lease, 1000)


@dataclass(frozen=True)
class ActorMessage:
    """One async message for an actor; ``last_attempt`` when SQS will not deliver it again."""

    id: str
    payload: Any
    last_attempt: bool = False


#: Called with a message that failed on its last attempt; True when it was dead-lettered.
PoisonHandler = Callable[[ActorMessage, Exception], bool]


class ActorRuntime:
    """Runs a user's ``@actor`` handler for sync calls and for SQS message groups."""

    def __init__(self, handler: ActorHandler, actor_type: Optional[str] = None) -> None:
        self.handler = handler
        self.actor_type = actor_type

    def _open(self, actor_id: str, lambda_context: Any, wait_seconds: float
              ) -> tuple[Turn, ActorContext]:
        settings = get_settings()
        store = ActorStore(settings.require("table"))
        function_name = getattr(lambda_context, "function_name", None) or "local"
        actor_type = self.actor_type or settings.actor_type or function_name
        key = f"{actor_type}#{actor_id}"
        holder = uuid.uuid4().hex
        lease_ms = lease_ms_for(lambda_context, settings)
        record = store.try_acquire(key, holder, lease_ms)
        if record is None:
            for delay in backoff_delays(time.monotonic() + wait_seconds):
                time.sleep(delay)
                record = store.try_acquire(key, holder, lease_ms)
                if record is not None:
                    break
            else:
                raise ActorBusyError(
                    f"actor {actor_id!r} ({actor_type}) stayed locked by another writer for "
                    f"{wait_seconds:.1f}s; retry later or raise DURABLE_SYNC_WAIT_SECONDS")
        turn = Turn(store, record, holder, function_name, settings.processed_ids_kept)
        return turn, ActorContext(turn, actor_id, actor_type, record.version, lambda_context)

    def call(self, actor_id: str, payload: Any, lambda_context: Any) -> Any:
        """A sync turn: wait (bounded) for the lease, run the handler, save, return its result."""
        turn, ctx = self._open(validate_actor_id(actor_id), lambda_context,
                               _wait_budget(lambda_context, get_settings().sync_wait_seconds))
        try:
            result = self.handler(ctx, payload)
            _check_json(result, "result of the actor handler")
            turn.commit(release=True)
            return result
        finally:
            if not turn.released:
                turn.release()

    def process_group(self, actor_id: str, messages: list[ActorMessage], lambda_context: Any,
                      on_poison: Optional[PoisonHandler] = None) -> int:
        """Apply one actor's messages in order with one load and one save.

        Returns how many leading messages are done; the rest — the first failing message and
        every later one — must be redelivered in order. Already-applied ids are skipped. A
        message failing on its last attempt goes to ``on_poison`` (the DLQ) and the group
        goes on, so one poison message never takes its successors with it.
        """
        try:
            turn, ctx = self._open(actor_id, lambda_context,
                                   _wait_budget(lambda_context, get_settings().sync_wait_seconds))
        except ActorBusyError as exc:
            log.warning("%s; %d messages will be retried", exc, len(messages))
            return 0
        done = len(messages)
        try:
            seen = set(turn.processed)
            for index, message in enumerate(messages):
                if message.id in seen:
                    continue
                ctx.begin_message(message.id)
                outbox_mark, resolves_mark = len(turn.outbox), len(turn.pending_resolves)
                try:
                    self.handler(ctx, message.payload)
                    applied = encode_state(turn.record.key, ctx.state, turn.processed)
                except Exception as exc:
                    log.exception("actor %r failed on message %s: %s", actor_id, message.id, exc)
                    ctx.state = json.loads(turn.rollback_json)
                    del turn.outbox[outbox_mark:]
                    del turn.pending_resolves[resolves_mark:]
                    if message.last_attempt and on_poison is not None and on_poison(message, exc):
                        continue
                    done = index
                    break
                turn.rollback_json = applied
                turn.mark_processed(message.id)
                seen.add(message.id)
            turn.commit(release=True)
        except DurableError as exc:
            log.error("actor %r: turn not committed (%s); all %d messages retried",
                      actor_id, exc, len(messages))
            return 0
        finally:
            if not turn.released:
                turn.release()
        return done


def _wait_budget(lambda_context: Any, configured: float) -> float:
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return configured
    return max(0.0, min(configured, remaining() / 1000 - 5.0))


def _check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"{what} is not JSON-serializable: {exc}") from None
