"""The SQS message envelope shared by clients, router, forwarders and handlers.

Every field is checked when an envelope is made (``Envelope(...)`` or ``from_json``), in the
unit the storage behind it counts: ids in UTF-8 bytes (DynamoDB keys are bytes), the target as
a Lambda function name. A bad field raises ``InvalidRequestError`` naming it.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.tracing import send_attributes

Kind = Literal["actor", "workflow"]
ENVELOPE_VERSION = 1
#: SQS MessageGroupId / MessageDeduplicationId: 1-128 characters, each an ASCII letter, digit
#: or punctuation mark ``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~`` (printable ASCII without space)
SQS_ID = re.compile(r"[!-~]{1,128}")
#: SQS's default (and the fabric's) maximum message size
MAX_MESSAGE_BYTES = 256 * 1024
#: actor ids, execution ids and message ids, in UTF-8 bytes: ``"{type}#{id}"`` stays within
#: DynamoDB's 2048-byte partition key, and 128 message ids fit the actor item's 400 KB
MAX_ID_BYTES = 1024
#: Lambda's Invoke FunctionName: a name, a (partial) ARN, optionally with a qualifier
_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_.:$-]{1,170}")


def check_text(name: str, value: Any, max_bytes: int = MAX_ID_BYTES) -> str:
    """``value`` if it is a non-empty string of at most ``max_bytes`` UTF-8 bytes, else
    InvalidRequestError naming ``name`` (a lone surrogate is not UTF-8 text)."""
    if not isinstance(value, str) or not value:
        raise InvalidRequestError(f"{name} is required and must be a non-empty string")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidRequestError(f"{name} is not valid UTF-8 text (lone surrogate)") from None
    if size > max_bytes:
        raise InvalidRequestError(
            f"{name} is {size} bytes in UTF-8; at most {max_bytes} bytes are allowed")
    return value


def check_function_name(name: str, value: Any) -> str:
    """``value`` if it can name a Lambda function (name, ARN or partial ARN, qualifier)."""
    if not isinstance(value, str) or not value:
        raise InvalidRequestError(f"{name} must be a non-empty string")
    if not _FUNCTION_NAME.fullmatch(value):
        raise InvalidRequestError(
            f"{name} must be a Lambda function name or ARN (1-170 characters of "
            f"A-Z a-z 0-9 - _ . : $), got {str(value)[:80]!r}")
    return value


def function_of(target: str) -> str:
    """The bare function name of a target: ``arn:…:function:NAME:alias`` and ``NAME:alias``
    both give ``NAME``."""
    tail = target.rsplit(":function:", 1)[-1]
    return tail.split(":", 1)[0]


def _check_sent_at(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
            value) or value < 0:
        raise InvalidRequestError(
            f"message field 'sentAt' must be a non-negative number (epoch ms), got "
            f"{str(value)[:40]!r}")
    return int(value)


@dataclass(frozen=True)
class Envelope:
    """One unit of work for a target function: an actor message or a workflow resume."""

    kind: Kind
    target: str
    key: str  # actor id or execution id
    payload: Any = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    sent_at: int = field(default_factory=lambda: int(time.time() * 1000))

    def __post_init__(self) -> None:
        if self.kind not in ("actor", "workflow"):
            raise InvalidRequestError(
                f"message kind must be 'actor' or 'workflow', got {self.kind!r}")
        check_function_name("message field 'target'", self.target)
        check_text(f"message field {self.key_name!r}", self.key)
        check_text("message field 'id'", self.id)
        object.__setattr__(self, "sent_at", _check_sent_at(self.sent_at))

    @property
    def key_name(self) -> str:
        """The JSON field of ``key``: ``actorId`` or ``executionId``."""
        return "actorId" if self.kind == "actor" else "executionId"

    @property
    def group_id(self) -> str:
        """SQS MessageGroupId: per actor (or execution) ordering."""
        return group_id(self.target, self.key)

    @property
    def dedup_id(self) -> str:
        """SQS MessageDeduplicationId, deterministic in the message id."""
        return hashlib.sha256(self.id.encode()).hexdigest()

    def to_json(self) -> str:
        return json.dumps({"v": ENVELOPE_VERSION, "kind": self.kind, "target": self.target,
                           self.key_name: self.key, "id": self.id, "payload": self.payload,
                           "sentAt": self.sent_at}, separators=(",", ":"))

    @classmethod
    def from_json(cls, body: Any) -> "Envelope":
        """Parse an SQS body; a malformed one raises InvalidRequestError naming the fault."""
        if not isinstance(body, str):
            raise InvalidRequestError(f"message body must be text, got {type(body).__name__}")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise InvalidRequestError(f"message body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidRequestError("message body must be a JSON object")
        kind = data.get("kind")
        if kind not in ("actor", "workflow"):
            raise InvalidRequestError(f"message kind must be 'actor' or 'workflow', got {kind!r}")
        return cls(kind=kind, target=data.get("target"),  # type: ignore[arg-type]
                   key=data.get("actorId" if kind == "actor" else "executionId"),
                   payload=data.get("payload"), id=data.get("id"),  # type: ignore[arg-type]
                   sent_at=data.get("sentAt"))  # type: ignore[arg-type]


def group_id(target: str, key: str) -> str:
    """MessageGroupId for (target, key): ``"{target}#{key}"`` when SQS accepts it as is
    (printable ASCII without space, at most 128 characters), else ``"h#" + sha256`` of it.

    Deterministic (one actor, one group, always), and ids that were valid before keep their
    group. Any valid actor id thus works, with spaces, non-ASCII or 1024 bytes.
    """
    raw = f"{target}#{key}"
    if SQS_ID.fullmatch(raw):
        return raw
    return "h#" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def check_sqs_id(name: str, value: Any) -> str:
    """``value`` if real SQS accepts it as a MessageGroupId / MessageDeduplicationId."""
    if not isinstance(value, str) or not SQS_ID.fullmatch(value):
        raise InvalidRequestError(
            f"{name} {str(value)[:40]!r} is not 1-128 printable ASCII characters without "
            "spaces, as SQS requires")
    return value


def send(envelope: Envelope, queue_url: Optional[str] = None) -> str:
    """Send ``envelope`` to the work queue (FIFO); returns the envelope id.

    FIFO queues take no per-message delay: later delivery goes through ``timers``. What real
    SQS would refuse (group id, size) is refused here, with InvalidRequestError.
    """
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    url = queue_url or get_settings().require("queue")
    body = envelope.to_json()
    size = len(body.encode())
    if size > MAX_MESSAGE_BYTES:
        raise InvalidRequestError(
            f"message {envelope.id!r} is {size} bytes; SQS accepts at most {MAX_MESSAGE_BYTES}"
            " — keep large payloads elsewhere (S3) and send a reference")
    params: dict[str, Any] = {
        "QueueUrl": url, "MessageBody": body,
        "MessageGroupId": check_sqs_id("MessageGroupId", envelope.group_id),
        "MessageDeduplicationId": envelope.dedup_id}
    params.update(send_attributes())  # the X-Ray trace header travels with the message
    aws.client("sqs").send_message(**params)
    return envelope.id
