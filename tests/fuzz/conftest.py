"""The fuzz world: the local fabric once per test (one moto server per session), a ledger
actor and the router as local functions; each example isolates itself with fresh ids and
drained queues (no reset of moto per example)."""
from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda import actor
from durable_lambda.actors.context import ActorContext
from durable_lambda.actors.store import ActorStore
from durable_lambda.core import aws
from durable_lambda.core.errors import DurableError
from durable_lambda.platform import router
from durable_lambda.testing.fabric import Fabric
from durable_lambda.testing.local_lambda import LambdaContext, LocalLambda
from tests.platform.conftest import Peek
from tests.platform.records import actor_body, record

#: message ids the ledger actor applied (in order; a duplicate shows twice)
APPLIED: list[str] = []
_examples = itertools.count()


@actor
def ledger(ctx: ActorContext, payload: Any) -> Any:
    """Never fails: records the message id and the payload's ``tag`` (when it is text)."""
    tag = payload.get("tag") if isinstance(payload, dict) else None
    ctx.state.setdefault("tags", []).append(tag if isinstance(tag, str) else None)
    APPLIED.append(ctx.message_id or "sync")
    return len(ctx.state["tags"])


class FuzzWorld:
    """Helpers shared by the fuzz tests."""

    def __init__(self, fabric: Fabric, functions: LocalLambda) -> None:
        self.fabric = fabric
        self.functions = functions
        self.peek = Peek(fabric)
        self.prefix = ""

    def begin(self) -> None:
        """Start an example: fresh id prefix, empty queues, nothing counted or applied."""
        self.prefix = f"e{next(_examples)}-"
        for url in (self.fabric.queue, self.fabric.dlq, self.fabric.parked_queue):
            self.peek.drain(url)
        APPLIED.clear()
        aws.call_counter.clear()

    def fresh(self, name: str) -> str:
        return f"{self.prefix}{name}-{uuid.uuid4().hex[:8]}"

    def healthy(self, name: str) -> tuple[dict[str, Any], str]:
        """A valid record for a fresh actor, and its tag."""
        actor_id = self.fresh(name)
        return record(actor_body(actor_id, {"tag": actor_id})), actor_id

    def unique_message_ids(self, records: list[Any]) -> None:
        """As in real SQS, no two records ever share a messageId (a drawn one gets this
        example's prefix) nor a receipt handle: the DLQ deduplicates on them for 5 minutes."""
        for r in records:
            if isinstance(r, dict):
                if isinstance(r.get("messageId"), str) and r["messageId"]:
                    r["messageId"] = self.fresh(r["messageId"][:20])
                r["receiptHandle"] = self.fresh("rh")

    def state(self, actor_id: str) -> dict[str, Any]:
        return ActorStore(self.fabric.table).read(f"counter#{actor_id}").state

    def context(self, name: str = "counter") -> LambdaContext:
        return LambdaContext(name)

    def sent(self) -> int:
        return aws.call_counter["sqs.SendMessage"]


def body_of(record_: Any) -> dict[str, Any]:
    """The record's body as a JSON object ({} when it is not one)."""
    body = record_.get("body") if isinstance(record_, dict) else None
    try:
        data = json.loads(body) if isinstance(body, str) else None
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def typed_only(call: Any, *args: Any) -> tuple[Any, DurableError | None]:
    """(result, None) or (None, the typed error); any other exception fails the test."""
    try:
        return call(*args), None
    except DurableError as exc:
        return None, exc


@pytest.fixture
def fuzz(fabric: Fabric, local_lambda: LocalLambda) -> Iterator[FuzzWorld]:
    local_lambda.register("counter", ledger)
    local_lambda.register("router", router.handler)
    yield FuzzWorld(fabric, local_lambda)  # the fabric fixture audits every SendMessage
