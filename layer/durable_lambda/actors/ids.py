"""Actor ids: what a valid id is (checked on every path that names an actor)."""
from __future__ import annotations

from typing import Any

from durable_lambda.core.errors import InvalidRequestError

MAX_ACTOR_ID_LENGTH = 1024


def validate_actor_id(actor_id: Any) -> str:
    """Return ``actor_id`` or raise InvalidRequestError naming the fault."""
    if not isinstance(actor_id, str) or not actor_id:
        raise InvalidRequestError("actorId is required and must be a non-empty string")
    if len(actor_id) > MAX_ACTOR_ID_LENGTH:
        raise InvalidRequestError(f"actorId is longer than {MAX_ACTOR_ID_LENGTH} characters")
    return actor_id
