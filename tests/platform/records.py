"""Test helpers: Lambda SQS records built by hand, and an audit of every SendMessage the
runtime makes against the real SQS rules (moto does not check them)."""
from __future__ import annotations

import json
import re
import uuid
from typing import Any, Optional

from durable_lambda.core import aws

#: real SQS: MessageGroupId / MessageDeduplicationId are 1-128 printable ASCII, no space
SQS_ID = re.compile(r"[!-~]{1,128}")
#: real SQS: message attribute names
ATTRIBUTE_NAME = re.compile(r"(?!\.)(?!.*\.\.)(?!(?i:aws\.|amazon\.))[A-Za-z0-9_.-]{1,256}(?<!\.)")
#: characters SQS accepts in a message body (XML 1.0)
BODY_TEXT = re.compile("[\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
MAX_BODY_BYTES = 256 * 1024


def actor_body(actor_id: Any, payload: Any = None, target: str = "counter",
               id: Optional[str] = None, **fields: Any) -> str:
    """An actor envelope's JSON text (``fields`` override or add keys)."""
    body = {"v": 1, "kind": "actor", "target": target, "actorId": actor_id,
            "id": id or uuid.uuid4().hex, "payload": payload, "sentAt": 1}
    body.update(fields)
    return json.dumps(body)


def workflow_body(execution_id: str, target: str = "counter", **fields: Any) -> str:
    body = {"v": 1, "kind": "workflow", "target": target, "executionId": execution_id,
            "id": uuid.uuid4().hex, "payload": {"reason": "wake"}, "sentAt": 1}
    body.update(fields)
    return json.dumps(body)


def record(body: Any, group: Optional[str] = None, message_id: Optional[str] = None,
           receive_count: Any = "1", **overrides: Any) -> dict[str, Any]:
    """A Lambda SQS record as the event source mapping delivers it (FIFO attributes)."""
    attributes: dict[str, Any] = {"ApproximateReceiveCount": receive_count,
                                  "SentTimestamp": "1", "MessageDeduplicationId": "d"}
    if group is None and isinstance(body, str):
        try:
            data = json.loads(body)
            group = f"{data['target']}#{data.get('actorId') or data.get('executionId')}"
        except (ValueError, KeyError, TypeError):
            group = "g"
    if group is not None:
        attributes["MessageGroupId"] = group
    out = {"messageId": message_id or str(uuid.uuid4()), "receiptHandle": "rh", "body": body,
           "attributes": attributes, "messageAttributes": {}, "md5OfBody": "",
           "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q.fifo",
           "awsRegion": "us-east-1"}
    out.update(overrides)
    return out


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def failures(response: Any) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def send_violations(params: dict[str, Any]) -> list[str]:
    """What real SQS would reject in one SendMessage request (empty when valid)."""
    found = []
    for name in ("MessageGroupId", "MessageDeduplicationId"):
        value = params.get(name)
        if value is not None and not SQS_ID.fullmatch(str(value)):
            found.append(f"{name} {value!r}")
    body = params.get("MessageBody")
    if not isinstance(body, str) or not body or not BODY_TEXT.fullmatch(body):
        found.append(f"MessageBody {str(body)[:60]!r} (empty or characters SQS refuses)")
    elif len(body.encode()) > MAX_BODY_BYTES:
        found.append(f"MessageBody of {len(body.encode())} bytes")
    attributes = params.get("MessageAttributes") or {}
    if len(attributes) > 10:
        found.append(f"{len(attributes)} message attributes (SQS allows 10)")
    found += [f"attribute name {n!r}" for n in attributes if not ATTRIBUTE_NAME.fullmatch(n)]
    return found


class SendAudit:
    """Records every SendMessage of the runtime's SQS client that real SQS would refuse."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def check(self, params: dict[str, Any], **_: Any) -> None:
        self.violations += send_violations(params)

    def install(self) -> "SendAudit":
        aws.client("sqs").meta.events.register(
            "provide-client-params.sqs.SendMessage", self.check, unique_id="sqs-send-audit")
        return self

    def uninstall(self) -> None:
        aws.client("sqs").meta.events.unregister(
            "provide-client-params.sqs.SendMessage", unique_id="sqs-send-audit")
