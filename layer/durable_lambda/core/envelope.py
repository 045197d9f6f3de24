"""The SQS message envelope shared by clients, router, forwarders and handlers."""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

from durable_lambda.core.errors import InvalidRequestError

Kind = Literal["actor", "workflow"]
ENVELOPE_VERSION = 1
_MAX_GROUP_ID = 128


@dataclass(frozen=True)
class Envelope:
    """One unit of work for a target function: an actor message or a workflow resume."""

    kind: Kind
    target: str
    key: str  # actor id or execution id
    payload: Any = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    sent_at: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def group_id(self) -> str:
        """SQS MessageGroupId: per actor (or execution) ordering."""
        return group_id(self.target, self.key)

    @property
    def dedup_id(self) -> str:
        """SQS MessageDeduplicationId, deterministic in the message id."""
        return hashlib.sha256(self.id.encode()).hexdigest()

    def to_json(self) -> str:
        key_name = "actorId" if self.kind == "actor" else "executionId"
        return json.dumps({"v": ENVELOPE_VERSION, "kind": self.kind, "target": self.target,
                           key_name: self.key, "id": self.id, "payload": self.payload,
                           "sentAt": self.sent_at}, separators=(",", ":"))

    @classmethod
    def from_json(cls, body: str) -> "Envelope":
        """Parse an SQS body; a malformed one raises InvalidRequestError naming the fault."""
        try:
            data = json.loads(body)
        except (TypeError, ValueError) as exc:
            raise InvalidRequestError(f"message body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidRequestError("message body must be a JSON object")
        kind = data.get("kind")
        if kind not in ("actor", "workflow"):
            raise InvalidRequestError(f"message kind must be 'actor' or 'workflow', got {kind!r}")
        key = data.get("actorId" if kind == "actor" else "executionId")
        target = data.get("target")
        msg_id = data.get("id")
        for name, value in (("target", target), ("id", msg_id),
                            ("actorId" if kind == "actor" else "executionId", key)):
            if not isinstance(value, str) or not value:
                raise InvalidRequestError(f"message field {name!r} must be a non-empty string")
        return cls(kind=kind, target=target, key=key, payload=data.get("payload"), id=msg_id,
                   sent_at=int(data.get("sentAt") or 0))


def group_id(target: str, key: str) -> str:
    """MessageGroupId for (target, key); hashed when longer than SQS allows."""
    raw = f"{target}#{key}"
    if len(raw) <= _MAX_GROUP_ID:
        return raw
    return "h#" + hashlib.sha256(raw.encode()).hexdigest()


def send(envelope: Envelope, queue_url: Optional[str] = None) -> str:
    """Send ``envelope`` to the work queue (FIFO); returns the envelope id.

    FIFO queues take no per-message delay: later delivery goes through ``timers``.
    """
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    url = queue_url or get_settings().require("queue")
    params: dict[str, Any] = {"QueueUrl": url, "MessageBody": envelope.to_json(),
                              "MessageGroupId": envelope.group_id,
                              "MessageDeduplicationId": envelope.dedup_id}
    aws.client("sqs").send_message(**params)
    return envelope.id
