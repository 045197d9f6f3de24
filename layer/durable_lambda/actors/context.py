"""``ActorContext``: what an actor handler sees during one turn."""
from __future__ import annotations

import hashlib
import time
from typing import Any, Optional

from durable_lambda.actors.turn import Turn
from durable_lambda.core.envelope import Envelope


class ActorContext:
    """One actor's state and effects for the current turn.

    ``state`` is a mutable dict saved when the turn ends; ``save()`` persists it earlier.
    ``send`` and ``resolve`` are effects committed with the state, so a retried message never
    doubles them (sends carry deterministic ids; resolves share the state's transaction).
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
        """Persist the state now (fenced) and keep the lease; returns the new version."""
        self.version = self._turn.save_now()
        return self.version

    def resolve(self, workflow_id: str, result: Any) -> None:
        """Resolve a promise workflow atomically with this turn's state save."""
        self._turn.pending_resolves.append((workflow_id, result))

    def send(self, actor_id: str, payload: Any = None, target: Optional[str] = None) -> str:
        """Queue an async message to another actor (default: same function), sent before save.

        The message id is derived from this turn's message id, so a retried turn re-sends the
        same id and the receiver applies it once.
        """
        envelope = self._effect_envelope(actor_id, payload, target)
        self._turn.outbox.append((envelope, None))
        return envelope.id

    def set_timer(self, delay_seconds: float, payload: Any = None,
                  actor_id: Optional[str] = None) -> str:
        """Deliver ``payload`` to this actor (or ``actor_id``) as a message after a delay.

        Scheduled through EventBridge Scheduler (sent at once when due within a second)
        before the state is saved, with a deterministic id: a retried turn does not create a
        second timer.
        """
        if delay_seconds < 0:
            raise ValueError("delay_seconds must be >= 0")
        envelope = self._effect_envelope(actor_id or self.actor_id, payload, None)
        self._turn.outbox.append((envelope, time.time() + delay_seconds))
        return envelope.id

    def _effect_envelope(self, actor_id: str, payload: Any, target: Optional[str]) -> Envelope:
        self._effects += 1
        # a message's effects are named after the message; a sync call's after its turn
        origin = self.message_id or f"turn:{self._turn.holder}"
        seed = f"{self.actor_type}#{self.actor_id}#{origin}#{self._effects}"
        return Envelope(kind="actor", target=target or self._turn.function_name, key=actor_id,
                        payload=payload, id=hashlib.sha256(seed.encode()).hexdigest()[:32])
