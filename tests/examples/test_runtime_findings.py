"""Regression tests for runtime bugs the examples ran into (effect ids of sends/timers)."""
from __future__ import annotations

from typing import Any

import pytest

from durable_lambda import ActorClient, actor
from durable_lambda.testing.local_cloud import LocalCloud
from examples.actors import counter


@actor(actor_type="notifier")
def notifier(ctx: Any, payload: Any) -> str:
    """Forwards each sync request to the counter without changing its own state."""
    return ctx.send("total", {"op": "add", "by": 1}, target="examples-counter")


def test_sync_turns_without_state_change_send_each_message(env: LocalCloud) -> None:
    env.register("examples-counter", counter.handler)
    env.register("notifier", notifier)
    ids = [ActorClient("notifier").call("n", {}) for _ in range(3)]
    env.run_until_idle()
    assert len(set(ids)) == 3, f"three calls, three messages: {ids}"
    assert ActorClient("examples-counter").call("total", {"op": "get"}) == 3


@actor(actor_type="forwarder")
def forwarder(ctx: Any, payload: Any) -> None:
    """Forwards each async message to the counter (one send per message)."""
    ctx.send("total", {"op": "add", "by": 1}, target="examples-counter")


def test_effect_ids_do_not_depend_on_batch_composition(
        env: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.actors.store import ActorStore
    from durable_lambda.core.errors import FencedError

    env.register("examples-counter", counter.handler)
    env.register("forwarder", forwarder)
    for i in range(2):
        ActorClient("forwarder").send("f", {"n": i})
    real_save, failed = ActorStore.save, []

    def save_fails_once(self: ActorStore, *args: Any, **kwargs: Any) -> int:
        if not failed and args[0].key.startswith("forwarder#"):
            failed.append(True)  # the sends went out, then the save is lost
            raise FencedError("injected: save lost after the sends")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(ActorStore, "save", save_fails_once)
    assert env.poller.poll_once() == 2 and failed, "both messages in one turn; save failed"
    env.poller.batch_size = 1  # SQS redelivers them in separate batches
    env.run_until_idle()
    assert ActorClient("examples-counter").call("total", {"op": "get"}) == 2
