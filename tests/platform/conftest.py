"""Helpers for platform tests: read queues and schedules of the local fabric directly."""
from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from durable_lambda.testing.fabric import Fabric


class Peek:
    """Direct (uncounted) access to the fabric's queues and schedule group."""

    def __init__(self, fabric: Fabric) -> None:
        self.fabric = fabric
        self.sqs = boto3.client("sqs", endpoint_url=fabric.endpoint_url, region_name="us-east-1")
        self.scheduler = boto3.client("scheduler", endpoint_url=fabric.endpoint_url,
                                      region_name="us-east-1")

    def drain(self, queue_url: str, limit: int = 100) -> list[dict[str, Any]]:
        """Receive and delete every visible message (bounded), in FIFO order per group."""
        out: list[dict[str, Any]] = []
        for _ in range(limit):
            messages = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"],
                MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                break
            out += messages
            self.sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages)])
        return out

    def bodies(self, queue_url: str) -> list[dict[str, Any]]:
        return [json.loads(m["Body"]) for m in self.drain(queue_url)]

    def schedules(self) -> list[str]:
        return [s["Name"] for s in self.scheduler.list_schedules(
            GroupName=self.fabric.schedule_group)["Schedules"]]

    def schedule(self, name: str) -> dict[str, Any]:
        return self.scheduler.get_schedule(Name=name, GroupName=self.fabric.schedule_group)

    def send_fifo(self, queue_url: str, body: str, group: str, dedup: str,
                  attributes: dict[str, Any] | None = None) -> None:
        params: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": body,
                                  "MessageGroupId": group, "MessageDeduplicationId": dedup}
        if attributes:
            params["MessageAttributes"] = attributes
        self.sqs.send_message(**params)


@pytest.fixture
def peek(fabric: Fabric) -> Peek:
    return Peek(fabric)

