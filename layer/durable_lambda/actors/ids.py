"""Actor ids: what a valid id is (checked on every path that names an actor)."""
from __future__ import annotations

from typing import Any

from durable_lambda.core.envelope import MAX_ID_BYTES, check_text

#: in UTF-8 bytes: the state item's key ``"{actor_type}#{actor_id}"`` must stay within
#: DynamoDB's 2048-byte partition key (1000 emoji are 4000 bytes, not 1000 characters)
MAX_ACTOR_ID_BYTES = MAX_ID_BYTES
#: the actor type (namespace) shares the same key: 2048 - 1024 - len("#")
MAX_ACTOR_TYPE_BYTES = 2048 - MAX_ACTOR_ID_BYTES - 1


def validate_actor_id(actor_id: Any) -> str:
    """Return ``actor_id`` or raise InvalidRequestError naming the fault.

    Any non-empty string of at most 1024 UTF-8 bytes is valid (spaces, any script, emoji):
    its SQS group id is encoded when SQS would refuse it raw (``core.envelope.group_id``).
    """
    return check_text("actorId", actor_id, MAX_ACTOR_ID_BYTES)


def validate_actor_type(actor_type: Any) -> str:
    """Return ``actor_type`` or raise InvalidRequestError naming the fault."""
    return check_text("actor_type", actor_type, MAX_ACTOR_TYPE_BYTES)
