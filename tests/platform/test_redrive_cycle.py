"""The redriver in the loop with real consumers: a message that keeps failing ends up parked."""
from __future__ import annotations

import json
from typing import Any

from durable_lambda import ActorClient, actor
from durable_lambda.actors.context import ActorContext
from durable_lambda.platform import redriver, router
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.sqs_poller import SqsPoller

from .conftest import Peek


def _cycle_until_parked(fabric: Fabric, peek: Peek, poller: SqsPoller,
                        max_cycles: int) -> tuple[int, list[dict[str, Any]]]:
    """Consume, redrive, repeat (bounded); returns (redrives done, parked messages)."""
    redrives = 0
    for _ in range(max_cycles):
        poller.drain(max_batches=50)
        report = redriver.redrive()
        redrives += report.redriven
        parked = peek.drain(fabric.parked_queue)
        if parked:
            return redrives, parked
    return redrives, []


def test_a_message_dead_lettered_by_the_queue_is_parked_after_max_redrives(
        fabric: Fabric, peek: Peek) -> None:
    def always_fails(event: dict[str, Any], context: Any) -> Any:
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"]]}

    peek.send_fifo(fabric.queue, json.dumps({"v": 1, "kind": "actor", "target": "t",
                                             "actorId": "a", "id": "m1", "payload": None}),
                   "t#a", "m1")
    poller = SqsPoller(fabric.queue, always_fails, endpoint_url=fabric.endpoint_url)
    redrives, parked = _cycle_until_parked(fabric, peek, poller, max_cycles=10)
    assert redrives == 3 and len(parked) == 1, "DURABLE_MAX_REDRIVES=3 redrives, then parked"
    assert parked[0]["Attributes"]["MessageGroupId"] == "t#a"
    assert parked[0]["MessageAttributes"][redriver.REDRIVES_ATTRIBUTE]["StringValue"] == "4"


@actor
def fragile(ctx: ActorContext, payload: Any) -> Any:
    """Counts messages; ``{"fail": true}`` always raises (a poison message)."""
    if payload.get("fail"):
        raise RuntimeError("poison")
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    return ctx.state["n"]


def test_a_poison_actor_message_is_parked_after_max_redrives(
        fabric: Fabric, peek: Peek, local_lambda: LocalLambda) -> None:
    local_lambda.register("fragile", fragile)
    poller = SqsPoller(fabric.queue, router.handler, endpoint_url=fabric.endpoint_url,
                       function_name="router")
    ActorClient("fragile").send("p", {"fail": True})
    ActorClient("fragile").send("p", {"ok": 1})
    redrives, parked = _cycle_until_parked(fabric, peek, poller, max_cycles=8)
    assert [json.loads(m["Body"])["payload"] for m in parked] == [{"fail": True}]
    assert redrives == 3
