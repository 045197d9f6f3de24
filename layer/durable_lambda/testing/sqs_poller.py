"""A local SQS event-source mapping: polls a queue and calls a handler like Lambda does.

Batches of up to ``batch_size`` records in the Lambda SQS event shape; records named in the
handler's ``batchItemFailures`` (or all records when it raises) stay on the queue; the rest
are deleted. Failed records come back after the queue's visibility timeout, as with Lambda,
when ``retry_visibility_seconds`` is None; tests set it to 0 to retry at once. The queue's redrive policy moves
a message that keeps failing to the dead-letter queue, as in AWS.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import boto3

from durable_lambda.core import aws
from durable_lambda.testing.local_lambda import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


def to_lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """Convert an SQS ReceiveMessage entry into a Lambda SQS event record."""
    return {
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"], "attributes": message.get("Attributes", {}),
        "messageAttributes": {name: {"stringValue": a.get("StringValue"),
                                     "binaryValue": a.get("BinaryValue"),
                                     "stringListValues": [], "binaryListValues": [],
                                     "dataType": a["DataType"]}
                              for name, a in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1",
    }


@dataclass
class SqsPoller:
    """Drive ``handler`` from ``queue_url`` (bounded loops; see ``drain``)."""

    queue_url: str
    handler: Handler
    endpoint_url: Optional[str] = None
    function_name: str = "local-function"
    batch_size: int = 10
    retry_visibility_seconds: Optional[int] = 0
    batches: int = field(default=0, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: Optional[threading.Thread] = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._sqs = boto3.client("sqs", endpoint_url=self.endpoint_url, region_name="us-east-1")
        # the event source mapping's own SQS calls are billed too: count them
        self._sqs.meta.events.register("before-call.*.*", aws.count_call)
        self._arn = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch and run the handler on it; returns the number of records."""
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds, AttributeNames=["All"],
            MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        self.batches += 1
        records = [to_lambda_record(m, self._arn) for m in messages]
        failed = self._run_handler(records)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start:start + 10])])
        retry = [m for m in messages if m["MessageId"] in failed]
        if retry and self.retry_visibility_seconds is not None:
            self._sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"],
                 "VisibilityTimeout": self.retry_visibility_seconds}
                for i, m in enumerate(retry)])
        return len(messages)

    def _run_handler(self, records: list[dict[str, Any]]) -> set[str]:
        try:
            response = self.handler({"Records": records}, LambdaContext(self.function_name))
        except Exception:
            return {r["messageId"] for r in records}
        failures = (response or {}).get("batchItemFailures", []) if isinstance(
            response, dict) else []
        return {f["itemIdentifier"] for f in failures}

    def drain(self, max_batches: int = 1000, idle_polls: int = 2,
              timeout_seconds: float = 120.0) -> int:
        """Poll until the queue stays empty for ``idle_polls`` polls; bounded in count and time."""
        deadline = time.monotonic() + timeout_seconds
        handled = idle = 0
        for _ in range(max_batches):
            if time.monotonic() > deadline:
                break
            count = self.poll_once()
            handled += count
            idle = 0 if count else idle + 1
            if idle >= idle_polls:
                break
        return handled

    def start(self, poll_interval: float = 0.05) -> "SqsPoller":
        """Poll in a background thread until ``stop()``."""
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    if not self.poll_once():
                        self._stop.wait(poll_interval)
                except Exception:  # keep polling like an event source mapping
                    self._stop.wait(poll_interval)
        self._thread = threading.Thread(target=loop, name="sqs-poller", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(30)
