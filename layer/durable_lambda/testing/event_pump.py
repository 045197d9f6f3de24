"""Local EventBridge delivery: the durable bus's signal rule, pumped into the signal forwarder.

moto evaluates bus rules and delivers matching events to SQS targets, but never invokes a
Lambda target. So locally the rule (source ``durable-lambda``, detail-types ``ActorSignal`` and
``WorkflowCallback`` — the same pattern as the deployed rule) targets a standard SQS queue, and
``EventPump`` polls that queue into the signal forwarder handler with the local event-source
mapping (``SqsPoller``); each record body is the EventBridge event exactly as a Lambda target
would receive it, and the forwarder accepts such SQS batches. In AWS the rule invokes the
forwarder directly, so this queue's calls are not counted in ``aws.call_counter``.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional

import boto3

from durable_lambda.core import aws
from durable_lambda.core.settings import get_settings
from durable_lambda.platform import signal_forwarder as signal_forwarder
from durable_lambda.platform.signals import ACTOR_SIGNAL, SOURCE, WORKFLOW_CALLBACK
from durable_lambda.testing.sqs_poller import SqsPoller

Handler = Callable[[Any, Any], Any]
#: the event pattern of the rule that routes signals to the forwarder (template.yaml's too)
SIGNAL_EVENT_PATTERN = {"source": [SOURCE], "detail-type": [ACTOR_SIGNAL, WORKFLOW_CALLBACK]}


class EventPump:
    """Route ``bus_name`` (default ``DURABLE_BUS_NAME``) signals into ``handler`` locally."""

    def __init__(self, bus_name: Optional[str] = None,
                 handler: Handler = signal_forwarder.handler,
                 endpoint_url: Optional[str] = None, name: str = "durable-signals-local") -> None:
        settings = get_settings()
        self.bus_name = bus_name or settings.require("bus_name")
        endpoint = endpoint_url or settings.endpoint_url
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=settings.region)
        events = boto3.client("events", endpoint_url=endpoint, region_name=settings.region)
        self.queue_url = str(sqs.create_queue(QueueName=name)["QueueUrl"])
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=[
            "QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=name, EventBusName=self.bus_name, State="ENABLED",
                        EventPattern=json.dumps(SIGNAL_EVENT_PATTERN))
        events.put_targets(Rule=name, EventBusName=self.bus_name,
                           Targets=[{"Id": "signal-forwarder", "Arn": queue_arn}])
        self.poller = SqsPoller(self.queue_url, handler, endpoint_url=endpoint,
                                function_name="durable-signal-forwarder",
                                retry_visibility_seconds=0)
        # emulation only: in AWS the rule invokes the forwarder without an SQS hop
        self.poller._sqs.meta.events.unregister("before-call.*.*", aws.count_call)

    def pump(self) -> int:
        """Deliver one batch of pending events; returns how many were handled."""
        return self.poller.poll_once()

    def drain(self, max_batches: int = 100) -> int:
        """Deliver until the rule's queue stays empty (bounded)."""
        return self.poller.drain(max_batches=max_batches, timeout_seconds=60.0)
