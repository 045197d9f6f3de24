"""A sync actor turn run in its own OS process, for fault injection from tests.

    python -m tests.actors.turn_worker MODE '{"actor": "s", "tag": "t1", ...}'

The ``sender`` actor counts its turns and ``ctx.send``s ``{"tag": ...}`` to the ``counter``
actor ``rx``. With ``"stop": true`` in the payload it SIGSTOPs itself inside the handler (a
zombie: its lease runs out while it is stopped). MODE picks a crash (SIGKILL, i.e. kill -9):
- ``run``: no crash;
- ``crash-before-delivery``: dies on its first SQS send (after the commit when effects are
  delivered after it; before it when they are sent first);
- ``crash-after-delivery``: dies right after its first SQS send returned.

Prints ``{"result": ...}`` or ``{"error": "<DurableError type>"}`` on stdout.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from durable_lambda import actor
from durable_lambda.core import envelope
from durable_lambda.core.errors import DurableError
from durable_lambda.testing.local_lambda import LambdaContext


@actor(actor_type="sender")
def sender(ctx: Any, payload: Any) -> Any:
    """One turn: count it, send ``tag`` to counter#rx, optionally stop inside the handler."""
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    ctx.send(payload.get("to", "rx"), {"tag": payload["tag"]}, target="counter")
    if payload.get("stop"):
        os.kill(os.getpid(), signal.SIGSTOP)
    return ctx.state["n"]


def _install_crash(mode: str) -> None:
    real_send = envelope.send

    def crash_before(*args: Any, **kwargs: Any) -> str:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    def crash_after(*args: Any, **kwargs: Any) -> str:
        real_send(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    if mode == "crash-before-delivery":
        envelope.send = crash_before  # type: ignore[assignment]
    elif mode == "crash-after-delivery":
        envelope.send = crash_after  # type: ignore[assignment]
    elif mode != "run":
        raise SystemExit(f"unknown mode {mode!r}")


def main() -> None:
    mode, payload = sys.argv[1], json.loads(sys.argv[2])
    _install_crash(mode)
    event = {"actorId": payload["actor"], "payload": payload, "sync": True}
    try:
        print(json.dumps({"result": sender(event, LambdaContext("sender"))}), flush=True)
    except DurableError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}), flush=True)


if __name__ == "__main__":
    main()
