"""The local event-source mapping behaves like Lambda's: batches, partial failures, redrive."""
from __future__ import annotations

from typing import Any

import boto3

from durable_lambda.testing.fabric import MAX_RECEIVE_COUNT, Fabric
from durable_lambda.testing.sqs_poller import SqsPoller


def _send(fabric: Fabric, bodies: list[str], group: str = "g") -> None:
    sqs = boto3.client("sqs", endpoint_url=fabric.endpoint_url, region_name="us-east-1")
    for i, body in enumerate(bodies):
        sqs.send_message(QueueUrl=fabric.queue, MessageBody=body, MessageGroupId=group,
                         MessageDeduplicationId=f"{group}-{i}")


def test_partial_failures_are_retried_and_successes_deleted(fabric: Fabric) -> None:
    seen: list[list[str]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        bodies = [r["body"] for r in event["Records"]]
        seen.append(bodies)
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "b" and len(seen) == 1]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    _send(fabric, ["a", "b"])
    poller = SqsPoller(fabric.queue, handler, endpoint_url=fabric.endpoint_url, batch_size=10)
    assert poller.drain() == 3
    assert seen == [["a", "b"], ["b"]]


def test_failed_records_wait_for_the_visibility_timeout_when_asked(fabric: Fabric) -> None:
    _send(fabric, ["x"])
    poller = SqsPoller(fabric.queue, lambda e, c: {"batchItemFailures": [
        {"itemIdentifier": r["messageId"]} for r in e["Records"]]},
        endpoint_url=fabric.endpoint_url, retry_visibility_seconds=None)
    assert poller.drain() == 1, "invisible until the queue's visibility timeout, like Lambda"


def test_a_message_failing_every_time_is_redriven_to_the_dlq(fabric: Fabric) -> None:
    _send(fabric, ["poison"])

    def always_fails(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("boom")

    poller = SqsPoller(fabric.queue, always_fails, endpoint_url=fabric.endpoint_url)
    assert poller.drain(max_batches=20) == MAX_RECEIVE_COUNT
    sqs = boto3.client("sqs", endpoint_url=fabric.endpoint_url, region_name="us-east-1")
    dead = sqs.receive_message(QueueUrl=fabric.dlq)["Messages"]
    assert [m["Body"] for m in dead] == ["poison"]
