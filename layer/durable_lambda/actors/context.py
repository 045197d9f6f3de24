"""``ActorContext``: what an actor handler sees during one turn."""
from __future__ import annotations

import hashlib
import math
import time
from typing import Any, Optional

from durable_lambda.actors import outbox
from durable_lambda.actors.turn import Turn
from durable_lambda.core.envelope import Envelope
from durable_lambda.core.errors import InvalidRequestError


class ActorContext:
    """One actor's state and effects for the current turn.

    ``state`` is a mutable dict saved when the turn ends; ``save()`` persists it earlier.
    ``send``, ``set_timer`` and ``resolve`` are effects committed with the state: they take
    effect if and only if the state commits, and a retried message never doubles them (sends
    carry deterministic ids; resolves share the state's transaction).
    """

    def __init__(self, turn: Turn, actor_id: str, actor_type: str, version: int,
                 lambda_context: Any) -> None:
        self._turn = turn
        self.actor_id = actor_id
        self.actor_type = actor_type
        self.version = version
        self.lambda_context = lambda_context
        #: id of the message being handled (None for a sync call)
        self.message_id: Optional[str] = None
        self._effects = 0

    @property
    def state(self) -> dict[str, Any]:
        """The actor's state (a JSON-able dict), saved when the turn ends."""
        return self._turn.state

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        self._turn.state = value

    def begin_message(self, message_id: str) -> None:
        """Start handling ``message_id``: its effects are numbered from zero, so their ids
        depend only on the message, never on which batch it arrived in."""
        self.message_id = message_id
        self._effects = 0

    def save(self) -> int:
        """Persist the state now (fenced) and keep the lease; returns the new version.
        Effects queued so far are committed and delivered with it."""
        self.version = self._turn.save_now()
        return self.version

    def resolve(self, workflow_id: str, result: Any) -> None:
        """Resolve a promise workflow atomically with this turn's state save."""
        outbox.check_json(result, f"result of ctx.resolve({workflow_id!r})")
        self._turn.pending_resolves.append((workflow_id, result))

    def send(self, actor_id: str, payload: Any = None, target: Optional[str] = None) -> str:
        """Queue an async message to another actor (default: same function); it is written
        with the state and sent once the state has committed.

        The message id is derived from this turn's message id (a sync turn: from the state
        version it read), so a retried turn re-sends the same id and the receiver applies it
        once. A payload that is not JSON raises ``SerializationError`` here.
        """
        envelope = self._effect_envelope(actor_id, payload, target, None)
        self._turn.effects.append(outbox.encode(envelope, None, f"ctx.send to {actor_id!r}"))
        return envelope.id

    def set_timer(self, delay_seconds: float, payload: Any = None,
                  actor_id: Optional[str] = None) -> str:
        """Deliver ``payload`` to this actor (or ``actor_id``) as a message after a delay.

        Scheduled through EventBridge Scheduler (sent at once when due within a second)
        once the state has committed, with a deterministic id: a retried turn does not create
        a second timer. A payload that is not JSON raises ``SerializationError`` here, a bad
        delay ``InvalidRequestError``.
        """
        if isinstance(delay_seconds, bool) or not isinstance(delay_seconds, (int, float)) \
                or not math.isfinite(delay_seconds) or delay_seconds < 0:
            raise InvalidRequestError(
                f"delay_seconds must be a finite number >= 0, got {delay_seconds!r}")
        fire_at = time.time() + delay_seconds
        target_actor = actor_id or self.actor_id
        envelope = self._effect_envelope(target_actor, payload, None, fire_at)
        self._turn.effects.append(
            outbox.encode(envelope, fire_at, f"ctx.set_timer for {target_actor!r}"))
        return envelope.id

    def _effect_envelope(self, actor_id: str, payload: Any, target: Optional[str],
                         fire_at: Optional[float]) -> Envelope:
        self._effects += 1
        # a message's effects are named after the message; a sync turn's after the version
        # it read, so only the turn that commits that version ever delivers them
        origin = self.message_id or f"v{self._turn.read_version}"
        seed = f"{self.actor_type}#{self.actor_id}#{origin}#{self._effects}"
        extra = {} if fire_at is None else {"sent_at": int(fire_at * 1000)}
        return Envelope(kind="actor", target=target or self._turn.function_name, key=actor_id,
                        payload=payload, id=hashlib.sha256(seed.encode()).hexdigest()[:32],
                        **extra)
