"""Calling actors from anywhere: sync calls through Lambda, async sends through SQS FIFO."""
from __future__ import annotations

import json
from typing import Any, Optional

from durable_lambda.actors.ids import validate_actor_id
from durable_lambda.core.envelope import Envelope, send
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.invoke import invoke_function


def _check_payload(payload: Any) -> None:
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"payload is not JSON-serializable: {exc}") from None


class ActorClient:
    """Client for the actors of one Lambda function (the function decorated with ``@actor``)."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def call(self, actor_id: str, payload: Any = None) -> Any:
        """Sync call: run one turn and return the handler's result (one Lambda invoke).

        A failure inside the actor raises ``RemoteActorError`` with the remote error type,
        e.g. ``ActorBusyError`` or ``StateTooLargeError``.
        """
        validate_actor_id(actor_id)
        _check_payload(payload)
        return invoke_function(self.function_name,
                               {"actorId": actor_id, "payload": payload, "sync": True})

    def send(self, actor_id: str, payload: Any = None, message_id: Optional[str] = None) -> str:
        """Async call: enqueue to the FIFO queue (ordered per actor); returns the message id.

        Give ``message_id`` to make retries of the send idempotent (the actor applies a
        message id once).
        """
        validate_actor_id(actor_id)
        _check_payload(payload)
        envelope = Envelope(kind="actor", target=self.function_name, key=actor_id,
                            payload=payload, **({"id": message_id} if message_id else {}))
        return send(envelope)
