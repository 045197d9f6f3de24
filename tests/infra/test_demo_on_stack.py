"""The fabric deployed from template.yaml carries real work: actors and a durable workflow run
through the stack's own tables, queues and bus, configured only from the stack's outputs."""
from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from durable_lambda import ActorClient, actor
from durable_lambda.core.settings import reset_settings
from durable_lambda.platform import router
from durable_lambda.testing.event_pump import EventPump
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.scheduler_pump import ManualClock, SchedulerPump
from durable_lambda.testing.sqs_poller import SqsPoller
from durable_lambda.workflows import DurableContext, Duration, durable_function
from durable_lambda.workflows.callbacks import complete_callback
from durable_lambda.workflows.client import get_execution, start_execution
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.hosting import LambdaHost

from .conftest import Stack


@actor
def tally(ctx: Any, payload: Any) -> Any:
    ctx.state["n"] = ctx.state.get("n", 0) + payload
    return ctx.state["n"]


@durable_function(name="durable-cfn-approve")
def approve_then_wait(event: Any, ctx: DurableContext) -> Any:
    doubled = ctx.step(lambda _: event * 2, name="double")
    callback = ctx.create_callback("approval")
    verdict = callback.result()
    ctx.wait(Duration.from_hours(2), name="cool-off")
    return {"doubled": doubled, "verdict": verdict}


@pytest.fixture
def stack_settings(cfn_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Configure the runtime exactly as a user function is: from UserFunctionEnvironment."""
    environment = json.loads(cfn_stack.outputs["UserFunctionEnvironment"])
    for name, value in {**environment, "DURABLE_ENDPOINT_URL": cfn_stack.endpoint_url}.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    scheduler = boto3.client("scheduler", endpoint_url=cfn_stack.endpoint_url,
                             region_name="us-east-1")
    # moto's CloudFormation does not create AWS::Scheduler::ScheduleGroup (tests/infra notes it)
    scheduler.create_schedule_group(Name=environment["DURABLE_SCHEDULE_GROUP"])
    yield environment
    reset_settings()


def test_actors_and_a_durable_workflow_run_on_the_deployed_stack(
        cfn_stack: Stack, stack_settings: dict[str, str]) -> None:
    assert stack_settings["DURABLE_TABLE"].startswith(cfn_stack.prefix)
    functions = LocalLambda().install()
    try:
        clock = ManualClock()
        approve_then_wait.host = LambdaHost(DynamoDBStore(clock=lambda: int(clock() * 1000)))
        for name, handler in (("durable-cfn-tally", tally), ("durable-cfn-router", router.handler),
                              ("durable-cfn-approve", approve_then_wait)):
            functions.register(name, handler)
        poller = SqsPoller(stack_settings["DURABLE_QUEUE"], router.handler,
                           endpoint_url=cfn_stack.endpoint_url)
        scheduler = SchedulerPump(now=clock, endpoint_url=cfn_stack.endpoint_url)
        events = EventPump(endpoint_url=cfn_stack.endpoint_url)

        tallies = ActorClient("durable-cfn-tally")
        assert tallies.call("t", 2) == 2
        for _ in range(3):
            tallies.send("t", 1)
        poller.drain()
        assert tallies.call("t", 0) == 5

        execution_id = start_execution("durable-cfn-approve", 21)
        poller.drain()
        pending = [op for op in DynamoDBStore().get(execution_id).operations if op.callback_id]
        assert len(pending) == 1
        complete_callback(pending[0].callback_id, result="yes")  # raw: no serdes on the callback (SDK parity)
        for _ in range(10):
            events.drain()
            clock.advance(3600)
            scheduler.fire_due()
            poller.drain()
            if get_execution(execution_id).done:
                break
        info = get_execution(execution_id)
        assert info.status.value == "SUCCEEDED"
        assert info.result == {"doubled": 42, "verdict": "yes"}
    finally:
        functions.wait_background()
        functions.uninstall()
