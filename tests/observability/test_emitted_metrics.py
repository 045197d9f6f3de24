"""Each metric comes from the event it names: lease contention, fencing, the redriver and
durable executions (checkpoints, resumes, callback timeouts), on the local AWS."""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from durable_lambda.actors.runtime import ActorRuntime
from durable_lambda.actors.store import ActorStore
from durable_lambda.core import logging as dlog
from durable_lambda.core import metrics
from durable_lambda.core.errors import ActorBusyError, FencedError
from durable_lambda.core.settings import reset_settings
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_aws import LocalAws

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"


@pytest.fixture(autouse=True)
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DURABLE_METRICS", "true")
    reset_settings()
    dlog.reset_logging()
    yield
    metrics.discard()
    dlog.reset_logging()


def emf(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [dict(line) for line in dlog.parse_lines(capsys.readouterr().out) if "_aws" in line]


def total(lines: list[dict[str, Any]], name: str) -> float:
    return sum(line.get(name, 0) for line in lines)


def test_busy_actor_and_fenced_save(fabric: Fabric, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DURABLE_LEASE_SECONDS", "1")
    monkeypatch.setenv("DURABLE_SYNC_WAIT_SECONDS", "0.3")
    reset_settings()
    store = ActorStore(fabric.table)
    store.enter("t#busy", "another-writer", 60_000)
    runtime = ActorRuntime(lambda ctx, payload: None, actor_type="t")
    with pytest.raises(ActorBusyError):
        runtime.call("busy", {}, None)
    [busy] = emf(capsys)
    assert busy["ActorBusy"] == 1 and busy["LeaseWaits"] == 1 and busy["actorId"] == "busy"

    def zombie(ctx: Any, payload: Any) -> Any:  # outlives its 1 s lease; another writer takes over
        time.sleep(1.3)
        taken = store.try_acquire("t#zombie", "thief", 60_000)
        assert not hasattr(taken, "serving"), "the thief should have taken the expired lease"
        ctx.state["n"] = 1

    with pytest.raises(FencedError):
        ActorRuntime(zombie, actor_type="t").call("zombie", {}, None)
    lines = emf(capsys)
    assert total(lines, "FencedSaves") == 1 and total(lines, "Turns") == 0


def test_redriver_counts_redrives_and_parks_and_keeps_trace(
        fabric: Fabric, capsys: pytest.CaptureFixture[str]) -> None:
    from durable_lambda.core.envelope import Envelope
    from durable_lambda.platform.redriver import redrive

    sqs = boto3.client("sqs", endpoint_url=fabric.endpoint_url, region_name="us-east-1")
    good = Envelope(kind="actor", target="counter", key="a", payload={})
    for body, group in ((good.to_json(), good.group_id), ("not json", "bad")):
        sqs.send_message(QueueUrl=fabric.dlq, MessageBody=body, MessageGroupId=group,
                         MessageDeduplicationId=uuid.uuid4().hex, MessageSystemAttributes={
                             "AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}})
    report = redrive(10)
    assert (report.redriven, report.parked) == (1, 1)
    [line] = [m for m in emf(capsys) if "Redrives" in m or "MessagesParked" in m]
    assert (line["Redrives"], line["MessagesParked"]) == (1, 1)
    for url in (fabric.queue, fabric.parked_queue):
        [message] = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
        assert message["Attributes"]["AWSTraceHeader"] == TRACE


@pytest.fixture
def cloud(local_aws: LocalAws) -> Iterator[Any]:
    from durable_lambda.testing.local_cloud import LocalCloud

    saved = dict(os.environ)
    started = LocalCloud.start(server=local_aws, prefix=f"obs{uuid.uuid4().hex[:6]}")
    try:
        yield started
    finally:
        started.stop()
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()


def test_durable_execution_checkpoints_resumes_and_callback_timeout(
        cloud: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from durable_lambda.workflows import CallbackConfig, DurableContext, Duration
    from durable_lambda.workflows import durable_execution
    from durable_lambda.workflows.client import get_execution, start_execution

    @durable_execution
    def obs_flow(event: Any, ctx: DurableContext) -> Any:
        ctx.step(lambda _: "x" * 1000, name="big")
        ctx.wait(Duration.from_seconds(60), name="pause")
        try:
            return ctx.create_callback("answer", CallbackConfig(timeout=30)).result()
        except Exception as exc:  # noqa: BLE001 - the timeout is the point
            return f"timed out: {type(exc).__name__}"

    cloud.register_durable(obs_flow)
    execution_id = start_execution(obs_flow.name, {})
    cloud.run_until_idle()
    cloud.advance(61)
    cloud.advance(31)
    info = get_execution(execution_id)
    assert info.status.value == "SUCCEEDED" and str(info.result).startswith("timed out")
    lines = emf(capsys)
    assert total(lines, "Checkpoints") >= 2 and total(lines, "CheckpointBytes") > 1000
    assert total(lines, "Resumes") >= 3  # start, after the wait, after the timeout
    assert total(lines, "CallbacksTimedOut") == 1
    assert {line.get("executionId") for line in lines if "Resumes" in line} == {execution_id}
