"""Running actor turns: lease, load, apply messages in order, save with fencing, release."""
from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

from durable_lambda.actors.applied import HORIZON_MS, StaleMessageError, was_archived
from durable_lambda.actors.context import ActorContext
from durable_lambda.actors.ids import validate_actor_id
from durable_lambda.actors.store import ActorStore, encode_state
from durable_lambda.actors.turn import Turn
from durable_lambda.actors.waiting import acquire
from durable_lambda.core import metrics
from durable_lambda.core.errors import ActorBusyError, DurableError, SerializationError
from durable_lambda.core.logging import set_log_context
from durable_lambda.core.settings import DurableSettings, get_settings
from durable_lambda.core.startup import SYNC_WAIT_MARGIN_SECONDS

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
    """One async message for an actor; ``last_attempt`` when SQS will not deliver it again.

    ``sent_at`` is the envelope's sentAt (epoch ms; 0 when unknown): it tells whether an id
    absent from the recent ones may have been archived (``actors.applied``)."""

    id: str
    payload: Any
    last_attempt: bool = False
    sent_at: int = 0


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
        record = acquire(store, key, holder, lease_ms_for(lambda_context, settings),
                         wait_seconds, f"actor {actor_id!r} ({actor_type})")
        turn = Turn(store, record, holder, function_name, settings.processed_ids_kept)
        turn.deliver_left_over()  # effects an earlier writer committed but did not deliver
        return turn, ActorContext(turn, actor_id, actor_type, record.version, lambda_context)

    def call(self, actor_id: str, payload: Any, lambda_context: Any) -> Any:
        """A sync turn: wait (bounded) for the lease, run the handler, save, return its result."""
        set_log_context(actorId=actor_id, messageId=None)
        turn, ctx = self._open(validate_actor_id(actor_id), lambda_context,
                               _wait_budget(lambda_context, get_settings().sync_wait_seconds))
        try:
            result = self.handler(ctx, payload)
            _check_json(result, "result of the actor handler")
            turn.commit(release=True)
            metrics.flush(Turns=1, TurnLatency=metrics.ms_since(turn.started))
            return result
        finally:
            if not turn.released:
                turn.release()

    def process_group(self, actor_id: str, messages: list[ActorMessage], lambda_context: Any,
                      on_poison: Optional[PoisonHandler] = None) -> int:
        """Apply one actor's messages in order with one load and one save.

        Returns how many leading messages are done; the rest — the first failing message and
        every later one — must be redelivered in order. Already-applied ids are skipped (however
        late they come back: ``actors.applied``). A message failing on its last attempt, or
        too old to tell whether it was applied, goes to ``on_poison`` (the DLQ) and the group
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
            for index, message in enumerate(messages):
                try:
                    if _already_applied(turn, message):
                        metrics.add(DuplicatesSkipped=1)
                        continue
                except StaleMessageError as exc:
                    log.error("actor %r: message %s refused: %s", actor_id, message.id, exc)
                    if on_poison is not None and on_poison(message, exc):
                        continue
                    done = index
                    break
                ctx.begin_message(message.id)
                set_log_context(messageId=message.id)
                effects_mark, resolves_mark = len(turn.effects), len(turn.pending_resolves)
                try:
                    self.handler(ctx, message.payload)
                    applied = encode_state(turn.record.key, ctx.state)
                except Exception as exc:
                    log.exception("actor %r failed on message %s: %s", actor_id, message.id, exc)
                    ctx.state = json.loads(turn.rollback_json)
                    del turn.effects[effects_mark:]
                    del turn.pending_resolves[resolves_mark:]
                    if message.last_attempt and on_poison is not None and on_poison(message, exc):
                        continue
                    done = index
                    break
                turn.rollback_json = applied
                turn.mark_processed(message.id, message.sent_at)
                metrics.add(MessagesApplied=1)
            turn.commit(release=True)
            metrics.flush(Turns=1, TurnLatency=metrics.ms_since(turn.started))
        except DurableError as exc:
            log.error("actor %r: turn not committed (%s); all %d messages retried",
                      actor_id, exc, len(messages))
            return 0
        finally:
            if not turn.released:
                turn.release()
        return done


def _already_applied(turn: Turn, message: ActorMessage) -> bool:
    """True when ``message`` was applied before (recent ids, else its archive when it may be
    there); StaleMessageError when that can no longer be told."""
    applied = turn.applied
    if applied.recent(message.id):
        return True
    if not applied.must_look_up(message.id, message.sent_at):
        return False
    versions = applied.archives_for(message.sent_at)
    if was_archived(turn.store.table, turn.record.key, versions, message.id):
        return True
    if applied.forgotten(message.sent_at, int(time.time() * 1000)):
        raise StaleMessageError(
            f"message {message.id!r} (sentAt {message.sent_at}) is older than what actor "
            f"{turn.record.key!r} remembers of applied messages ({HORIZON_MS // 86_400_000} "
            "days, or its archive limit); it is not applied, to never apply it twice")
    return False


def _wait_budget(lambda_context: Any, configured: float) -> float:
    """How long a sync turn may wait for the lease: the configured wait, cut so the turn still
    has ``SYNC_WAIT_MARGIN_SECONDS`` of the invocation left (the start-up check's margin)."""
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return configured
    return max(0.0, min(configured, remaining() / 1000 - SYNC_WAIT_MARGIN_SECONDS))


def _check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"{what} is not JSON-serializable: {exc}") from None
