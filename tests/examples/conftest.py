"""Fixtures for the example tests: a fresh local cloud (fabric + router) per test."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from durable_lambda import ActorClient
from durable_lambda.core.settings import reset_settings
from durable_lambda.testing.local_aws import LocalAws
from durable_lambda.testing.local_cloud import LocalCloud
from durable_lambda.testing.scheduler_pump import ManualClock
from examples.actors import circuit_breaker, rate_limiter
from examples.actors.harness import local_cloud, manual_clock


@pytest.fixture
def env(local_aws: LocalAws) -> Iterator[LocalCloud]:
    """An empty local AWS with the fabric deployed, local Lambda installed, router wired."""
    local_aws.reset()
    with local_cloud(local_aws) as cloud:
        yield cloud
    reset_settings()


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """The time the clock-driven examples (rate limiter, circuit breaker) see; moves on
    only when a test advances it."""
    with manual_clock(rate_limiter, circuit_breaker) as fake:
        yield fake


def deploy(env: LocalCloud, function_name: str, handler: Any) -> ActorClient:
    """Register ``handler`` as local function ``function_name``; its client."""
    env.register(function_name, handler)
    return ActorClient(function_name)


def dead_letters(env: LocalCloud) -> list[dict[str, Any]]:
    """Messages that reached the dead-letter queue."""
    sqs = boto3.client("sqs", endpoint_url=env.fabric.endpoint_url, region_name="us-east-1")
    return sqs.receive_message(QueueUrl=env.fabric.dlq, MaxNumberOfMessages=10).get(
        "Messages", [])


def redeliver(env: LocalCloud, target: str, actor_id: str, message_id: str,
              payload: Any) -> None:
    """Put a message on the work queue again past SQS deduplication (as after the 5-minute
    dedup window, or a producer that re-sent it): only the actor's processed ids stop it."""
    from durable_lambda.core.envelope import Envelope
    envelope = Envelope(kind="actor", target=target, key=actor_id, payload=payload,
                        id=message_id)
    sqs = boto3.client("sqs", endpoint_url=env.fabric.endpoint_url, region_name="us-east-1")
    sqs.send_message(QueueUrl=env.fabric.queue, MessageBody=envelope.to_json(),
                     MessageGroupId=envelope.group_id,
                     MessageDeduplicationId=f"redelivery-{envelope.dedup_id[:40]}")
