"""The durable fabric on a local AWS: tables, queues, bus and schedule group.

Resource shapes follow docs/contracts.md (the same as template.yaml and terraform/);
tests/infra checks that they agree.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import boto3

from durable_lambda.core import settings as settings_module

ROUTER_TIMEOUT_SECONDS = 60
VISIBILITY_TIMEOUT_SECONDS = 6 * ROUTER_TIMEOUT_SECONDS
MAX_RECEIVE_COUNT = 5

TABLE_NAMES = {"table": "actors", "locks_table": "locks", "workflow_table": "workflows"}
TABLE_KEYS: dict[str, list[tuple[str, str]]] = {
    "table": [("pk", "HASH")],
    "locks_table": [("pk", "HASH")],
    "workflow_table": [("pk", "HASH"), ("sk", "RANGE")],
}


@dataclass
class Fabric:
    """Names and URLs of one deployed fabric; ``environment()`` gives the function settings."""

    prefix: str
    endpoint_url: str
    table: str
    locks_table: str
    workflow_table: str
    queue: str
    dlq: str
    parked_queue: str
    bus_name: str
    schedule_group: str

    def environment(self) -> dict[str, str]:
        return {
            "DURABLE_TABLE": self.table, "DURABLE_LOCKS_TABLE": self.locks_table,
            "DURABLE_WORKFLOW_TABLE": self.workflow_table, "DURABLE_QUEUE": self.queue,
            "DURABLE_DLQ": self.dlq, "DURABLE_PARKED_QUEUE": self.parked_queue,
            "DURABLE_BUS_NAME": self.bus_name, "DURABLE_SCHEDULE_GROUP": self.schedule_group,
            "DURABLE_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/durable-scheduler",
            "DURABLE_TIMER_TARGET_ARN":
                "arn:aws:lambda:us-east-1:123456789012:function:durable-timer-forwarder",
            "DURABLE_ENDPOINT_URL": self.endpoint_url,
        }

    def activate(self) -> None:
        """Export this fabric's settings into os.environ and drop cached settings/clients."""
        os.environ.update(self.environment())
        settings_module.reset_settings()


def _client(service: str, endpoint_url: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint_url, region_name="us-east-1")


def _create_table(ddb: Any, name: str, keys: list[tuple[str, str]]) -> None:
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
        KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
        SSESpecification={"Enabled": True})
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "ttl"})


def _create_fifo(sqs: Any, name: str, **attributes: str) -> str:
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "false",
             "SqsManagedSseEnabled": "true", **attributes}
    return str(sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"])


def deploy_fabric(endpoint_url: str, prefix: str = "durable") -> Fabric:
    """Create every fabric resource on the local AWS and return their names."""
    ddb = _client("dynamodb", endpoint_url)
    names = {key: f"{prefix}-{TABLE_NAMES[key]}" for key in TABLE_KEYS}
    for key, schema in TABLE_KEYS.items():
        _create_table(ddb, names[key], schema)
    sqs = _client("sqs", endpoint_url)
    retention = str(14 * 24 * 3600)
    dlq = _create_fifo(sqs, f"{prefix}-dlq.fifo", MessageRetentionPeriod=retention)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    parked = _create_fifo(sqs, f"{prefix}-parked.fifo", MessageRetentionPeriod=retention)
    queue = _create_fifo(
        sqs, f"{prefix}-work.fifo", DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
        VisibilityTimeout=str(VISIBILITY_TIMEOUT_SECONDS),
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn,
                                  "maxReceiveCount": MAX_RECEIVE_COUNT}))
    bus = f"{prefix}-bus"
    _client("events", endpoint_url).create_event_bus(Name=bus)
    group = f"{prefix}-timers"
    _client("scheduler", endpoint_url).create_schedule_group(Name=group)
    return Fabric(prefix=prefix, endpoint_url=endpoint_url, table=names["table"],
                  locks_table=names["locks_table"], workflow_table=names["workflow_table"],
                  queue=queue, dlq=dlq, parked_queue=parked, bus_name=bus,
                  schedule_group=group)
