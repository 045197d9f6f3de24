"""SnapStart safety: what an entry point's import leaves in a snapshot, and the restore hooks.

Lambda SnapStart resumes every new environment of a published version from one snapshot taken
after init. Whatever init fixed — an AWS client and its connections, an id, a clock reading, a
random seed, a thread — would be shared by all of them. Importing an entry point (and
decorating a handler) must fix none of these; per-invocation ids are made per call; the
runtime hook after a restore drops cached clients and reseeds ``random``.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from durable_lambda.core import aws, snapstart
from durable_lambda.core.settings import reset_settings

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "ASIATEST", "AWS_SECRET_ACCESS_KEY": "x",
    "AWS_SESSION_TOKEN": "x", "AWS_LAMBDA_FUNCTION_NAME": "durable-snap",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true",
    "DURABLE_TABLE": "t", "DURABLE_LOCKS_TABLE": "l", "DURABLE_WORKFLOW_TABLE": "w",
    "DURABLE_QUEUE": "http://127.0.0.1:9/0/q.fifo", "DURABLE_DLQ": "http://127.0.0.1:9/0/d.fifo",
}

# Init as Lambda runs it for each kind of function: import the handler module (decorating the
# user's handler), then report what init left behind.
INIT = r'''
import datetime, importlib, json, os, socket, sys, threading, uuid
from durable_lambda import actor, ActorClient

@actor
def counter(ctx, payload):
    return None

from durable_lambda.workflows import DurableContext, durable_execution

@durable_execution
def workflow(event, context: DurableContext):
    return None

from durable_lambda.workflows.host import default_host
default_host()
for name in ("router", "timer_forwarder", "signal_forwarder", "redriver"):
    importlib.import_module(f"durable_lambda.platform.{name}")
ActorClient("durable-counter")
PRIMITIVE = (str, bytes, int, float, bool, type(None), uuid.UUID, datetime.date)

def plain(value, depth=0):
    """A comparable picture of a value made of primitives (None for anything else)."""
    if isinstance(value, PRIMITIVE):
        return repr(value)
    if depth < 3 and isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if depth < 3 and isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if depth < 3 and isinstance(value, dict):
        return {repr(k): plain(v, depth + 1) for k, v in value.items()}
    if depth < 2 and type(value).__module__.startswith("durable_lambda"):
        return {k: plain(v, depth + 1) for k, v in sorted(vars(value).items())} \
            if hasattr(value, "__dict__") else None
    return None

state = {}
for name, module in sorted(sys.modules.items()):
    if name.startswith("durable_lambda"):
        for key, value in sorted(vars(module).items()):
            if not key.startswith("__"):
                state[f"{name}.{key}"] = plain(value)
fds = os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []
sockets = sum(os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
              for fd in fds if os.path.exists(f"/proc/self/fd/{fd}"))
from durable_lambda.core import aws
print(json.dumps({
    "state": state,
    "threads": [t.name for t in threading.enumerate()],
    "sockets": sockets,
    "clients": len(aws._clients),
    "sdk_modules": sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")),
}))
'''


def run_init(extra_env: dict[str, str], script: str = INIT) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DURABLE_"))}
    env.update(LAMBDA_ENV)
    env.update(extra_env)
    env["PYTHONPATH"] = os.pathsep.join(
        [extra_env.get("PYTHONPATH", ""), str(ROOT / "layer")]).strip(os.pathsep)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=str(ROOT), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_init_creates_no_client_connection_or_thread() -> None:
    report = run_init({})
    assert report["sdk_modules"] == [], "init imported boto3/botocore: a client is lazy"
    assert report["clients"] == 0
    assert report["sockets"] == 0
    assert report["threads"] == ["MainThread"]


def test_init_fixes_no_id_clock_or_random_value() -> None:
    """Two inits, in processes that differ in pid, clock and hash seed, leave the very same
    module state: nothing unique was captured (a uuid, time.time(), a random draw…)."""
    first = run_init({"PYTHONHASHSEED": "1"})["state"]
    second = run_init({"PYTHONHASHSEED": "2"})["state"]
    assert len(first) > 100  # the picture does cover the modules
    differing = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    assert differing == [], f"init-time values that differ per process: {differing[:10]}"


def test_hooks_register_in_the_lambda_runtime_and_restore_resets(tmp_path: Path) -> None:
    """With ``snapshot_restore_py`` importable (the Lambda Python runtime), importing an entry
    point registers both hooks once; before_snapshot imports client code without making a
    client; after_restore drops a client made during init."""
    (tmp_path / "snapshot_restore_py.py").write_text(
        "before, after = [], []\n"
        "def register_before_snapshot(f, *a, **k): before.append(f)\n"
        "def register_after_restore(f, *a, **k): after.append(f)\n")
    script = INIT.replace("print(json.dumps({", r'''
import snapshot_restore_py as hooks
registered = (len(hooks.before), len(hooks.after))
for hook in reversed(hooks.before):
    hook()
made_by_prewarm = len(aws._clients)
aws.client("dynamodb")                      # init code made a client…
for hook in hooks.after:
    hook()                                  # …the restore forgets it
print(json.dumps({"registered": registered, "made_by_prewarm": made_by_prewarm,
                  "after_restore": len(aws._clients),
                  "botocore": "botocore.client" in sys.modules,''')
    report = run_init({"PYTHONPATH": str(tmp_path)}, script)
    assert report["registered"] == [1, 1]
    assert report["botocore"] and report["made_by_prewarm"] == 0
    assert report["after_restore"] == 0


@pytest.fixture
def fake_hooks(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    hooks = types.SimpleNamespace(before=[], after=[])
    hooks.register_before_snapshot = hooks.before.append
    hooks.register_after_restore = hooks.after.append
    monkeypatch.setitem(sys.modules, snapstart.HOOKS_MODULE, hooks)
    monkeypatch.setattr(snapstart, "_installed", False)
    monkeypatch.setattr(snapstart, "_resets", [])
    return hooks


def test_install_is_idempotent(fake_hooks: types.SimpleNamespace) -> None:
    assert snapstart.install(aws.reset_clients)
    assert snapstart.install(aws.reset_clients)
    assert (len(fake_hooks.before), len(fake_hooks.after)) == (1, 1)
    assert snapstart._resets == [aws.reset_clients]


def test_no_hooks_outside_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, snapstart.HOOKS_MODULE, None)  # import fails
    monkeypatch.setattr(snapstart, "_installed", False)
    assert snapstart.install() is False


def test_after_restore_reseeds_random_and_drops_clients(
        fake_hooks: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    reset_settings()
    snapstart.install(aws.reset_clients)
    aws.client("sqs")
    random.seed(1234)            # the state a snapshot would carry…
    snapshot_state = random.getstate()
    expected = random.random()
    random.setstate(snapshot_state)
    for hook in fake_hooks.after:
        hook()
    assert random.random() != expected  # …is not replayed by every restored environment
    assert aws._clients == {} and aws._session is None
    reset_settings()


class _Stop(BaseException):
    """Ends an invocation at the lease, before any AWS call."""


def test_actor_holder_is_made_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.actors import handler as actor_handler
    from durable_lambda.actors import runtime

    monkeypatch.setenv("DURABLE_TABLE", "t")
    reset_settings()
    holders: list[str] = []

    def acquire(store: Any, key: str, holder: str, *args: Any) -> Any:
        holders.append(holder)
        raise _Stop

    monkeypatch.setattr(runtime, "acquire", acquire)
    fn = actor_handler.actor(lambda ctx, payload: None)
    context = types.SimpleNamespace(function_name="durable-snap", aws_request_id="r-1",
                                    get_remaining_time_in_millis=lambda: 60_000)
    for _ in range(2):
        with pytest.raises(_Stop):
            fn({"actorId": "a-1", "payload": None}, context)
    assert len(set(holders)) == 2
    reset_settings()


def test_workflow_holder_is_made_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.workflows.hosting import LambdaHost

    holders: list[str] = []

    def acquire(self: Any, execution_id: str, holder: str, lease_ms: int) -> Any:
        holders.append(holder)
        raise _Stop

    monkeypatch.setattr(LambdaHost, "_acquire", acquire)
    context = types.SimpleNamespace(aws_request_id="r-1", get_remaining_time_in_millis=lambda: 60_000)
    host = LambdaHost()
    for _ in range(2):
        with pytest.raises(_Stop):
            host.run(types.SimpleNamespace(name="durable-wf"), "exec-1", context)
    assert len(set(holders)) == 2 and all(h.startswith("r-1:") for h in holders)


def test_message_ids_and_times_are_made_per_message() -> None:
    import time

    from durable_lambda.core.envelope import Envelope

    before = int(time.time() * 1000)
    first, second = (Envelope(kind="actor", target="durable-x", key="a") for _ in range(2))
    assert first.id != second.id
    assert first.sent_at >= before
