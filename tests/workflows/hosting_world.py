"""The local fabric with durable functions behind the router (helpers for test_hosting_*)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Optional

from durable_lambda.platform import router
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.sqs_poller import SqsPoller
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.execution import DurableFunction
from durable_lambda.workflows.hosting import LambdaHost
from durable_lambda.workflows.model import ExecutionRecord, ExecutionStatus


def dynamodb_store(request: Any) -> DynamoDBStore:
    """Store factory for the contract tests (tests/workflows/test_store_contract.py)."""
    request.getfixturevalue("fabric")
    return DynamoDBStore()


def scheduler_pump() -> Optional[Any]:
    """PLATFORM's SchedulerPump when deployed (timers go through Scheduler then), else None."""
    try:
        from durable_lambda.testing.scheduler_pump import SchedulerPump
    except ImportError:
        return None
    return SchedulerPump


class World:
    """Router on the work queue, durable functions registered as local Lambda functions."""

    def __init__(self, fabric: Fabric, functions: LocalLambda,
                 clock: Optional[Callable[[], float]] = None) -> None:
        """``clock`` (epoch seconds, e.g. a ManualClock) drives both the executions' time and
        the Scheduler pump, for time skipping; leases keep wall time."""
        self.fabric = fabric
        self.functions = functions
        self.store = DynamoDBStore(clock=(lambda: int(clock() * 1000)) if clock else None)
        self.host = LambdaHost(self.store, busy_wait_seconds=0.2)
        functions.register("durable-router", router.handler)
        self.poller = SqsPoller(fabric.queue, router.handler, endpoint_url=fabric.endpoint_url,
                                function_name="durable-router", retry_visibility_seconds=0)
        pump_class = scheduler_pump()
        self.scheduler = pump_class(**({"now": clock} if clock else {})) if pump_class else None

    def deploy(self, *durable_functions: DurableFunction) -> None:
        for function in durable_functions:
            function.host = self.host
            self.functions.register(function.name, function)

    def pump(self) -> int:
        """One round of what AWS does: fire due schedules, deliver one queue batch."""
        fired = self.scheduler.fire_due() if self.scheduler is not None else 0
        return fired + self.poller.poll_once()

    def run_until(self, done: Callable[[], bool], timeout: float = 20.0) -> None:
        """Pump until ``done()`` (bounded in time); fails the test on timeout."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not reached within {timeout}s")
            if not self.pump():
                self.functions.wait_background(0.05)
                time.sleep(0.05)

    def finished(self, execution_id: str) -> Callable[[], bool]:
        return lambda: self.store.describe(execution_id).status is not ExecutionStatus.RUNNING

    def record(self, execution_id: str) -> ExecutionRecord:
        return self.store.get(execution_id)

    def queue_depth(self, queue: Optional[str] = None) -> int:
        """Messages in ``queue`` (default: the work queue; or ``fabric.dlq``, ...), in flight and
        delayed ones included."""
        import boto3
        sqs = boto3.client("sqs", endpoint_url=self.fabric.endpoint_url, region_name="us-east-1")
        attrs = sqs.get_queue_attributes(QueueUrl=queue or self.fabric.queue, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        return sum(int(v) for v in attrs.values())
