"""A turn's messages take effect if and only if its state commits (the transactional outbox).

Real OS processes against the local AWS: a sync turn SIGSTOPped inside its handler until its
lease is taken over (a zombie), and turns killed with SIGKILL between their commit and the
delivery of their ``ctx.send`` (and right after it). The receiver must get exactly one message
per committed turn, none from a fenced one, and none twice.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from durable_lambda.actors.store import ActorStore
from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError
from durable_lambda.core.settings import reset_settings
from durable_lambda.testing.local_lambda import LambdaContext

from .conftest import World
from .turn_worker import sender

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 1.0


@pytest.fixture
def short_lease(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("DURABLE_LEASE_SECONDS", str(LEASE_SECONDS))
    reset_settings()
    world.functions.register("sender", sender)
    return world


def _start(mode: str, payload: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.actors.turn_worker", mode, json.dumps(payload)],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, f"worker failed ({process.returncode}): {err[-2000:]}"
    return json.loads(out.strip().splitlines()[-1])


def _wait_stopped(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "T":
            return
        time.sleep(0.02)
    raise AssertionError(f"worker {pid} did not stop inside its handler within {timeout}s")


def _turn_here(actor_id: str, tag: str) -> Any:
    """A sync turn of ``sender`` in this process."""
    return sender({"actorId": actor_id, "payload": {"actor": actor_id, "tag": tag},
                   "sync": True}, LambdaContext("sender"))


def _received(world: World) -> list[Any]:
    """Apply what reached the queue to counter#rx; the tags it applied, in order."""
    world.poller.drain(max_batches=50)
    return world.state("rx").get("seen", [])


def test_a_fenced_zombie_turn_sends_nothing_and_its_retry_sends_once(short_lease: World) -> None:
    world = short_lease
    zombie = _start("run", {"actor": "z", "tag": "zombie", "stop": True})
    try:
        _wait_stopped(zombie.pid)
        time.sleep(LEASE_SECONDS + 0.3)  # the stopped turn's lease runs out
        assert _turn_here("z", "successor") == 1, "the successor took the lease over"
    finally:
        os.kill(zombie.pid, signal.SIGCONT)
    assert _finish(zombie)["error"] == "FencedError", "the zombie's save was rejected"
    retry = _finish(_start("run", {"actor": "z", "tag": "zombie"}))  # the caller retries
    assert retry == {"result": 2}
    assert _received(world) == ["successor", "zombie"], \
        "one message per committed turn, none from the fenced one"
    assert ActorStore(world.fabric.table).read("sender#z").state == {"n": 2}


@pytest.mark.parametrize("mode", ["crash-before-delivery", "crash-after-delivery"])
def test_a_turn_killed_after_its_commit_has_its_message_delivered_exactly_once(
        short_lease: World, mode: str) -> None:
    world = short_lease
    crashed = _start(mode, {"actor": "k", "tag": "first"})
    crashed.communicate(timeout=60)
    assert crashed.returncode == -signal.SIGKILL
    assert ActorStore(world.fabric.table).read("sender#k").state == {"n": 1}, \
        "the killed turn had committed its state"
    time.sleep(LEASE_SECONDS + 0.3)  # the dead writer's lease runs out
    assert _turn_here("k", "second") == 2
    assert _received(world) == ["first", "second"], \
        "the next turn delivered the committed message first, exactly once"


def test_a_turn_that_fails_to_commit_has_no_effect(short_lease: World,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    world = short_lease
    real_save = ActorStore.save

    def fenced(self: ActorStore, *args: Any, **kwargs: Any) -> int:
        raise FencedError("injected: lease lost")

    monkeypatch.setattr(ActorStore, "save", fenced)
    with pytest.raises(FencedError):
        _turn_here("f", "lost")
    monkeypatch.setattr(ActorStore, "save", real_save)
    assert aws.call_counter["sqs.SendMessage"] == 0, "nothing sent before the commit"
    assert _turn_here("f", "kept") == 1
    assert _received(world) == ["kept"]


def test_effects_cost_one_write_more_and_none_without_effects(short_lease: World) -> None:
    world = short_lease
    _turn_here("c", "warm")
    aws.call_counter.clear()
    _turn_here("c", "counted")
    assert aws.call_counter["dynamodb.UpdateItem"] == 3, "lease+load, save+outbox, release+clear"
    assert aws.call_counter["sqs.SendMessage"] == 1
    aws.call_counter.clear()
    world.client.call("plain", {"by": 1})
    assert aws.call_counter["dynamodb.UpdateItem"] == 2, "no effects: lease+load, save+release"
