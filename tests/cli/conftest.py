"""CLI tests run ``durable-lambda`` as a subprocess, against ``local up`` (itself a subprocess
that starts a moto server on 127.0.0.1) or against the tests' own moto server."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
T = TypeVar("T")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the test process's DURABLE_*/AWS_* settings (never real AWS)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DURABLE_", "AWS_", "_X_AMZN"))}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true"})
    env.update(extra)
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(*args: str, env: Optional[dict[str, str]] = None, stdin: Optional[str] = None,
            cwd: Optional[Path] = None, timeout: float = 120) -> Result:
    done = subprocess.run([sys.executable, "-m", "durable_lambda.cli", *args],
                          capture_output=True, text=True, env=env or clean_env(), input=stdin,
                          cwd=cwd or ROOT, timeout=timeout)
    return Result(done.returncode, done.stdout, done.stderr)


def eventually(check: Callable[[], Optional[T]], timeout: float = 45.0, what: str = "") -> T:
    """Poll ``check`` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    last: Optional[T] = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout} s: {what} (last: {last!r})")


@dataclass
class LocalUp:
    """A running ``durable-lambda local up`` subprocess."""

    process: subprocess.Popen[str]
    state_file: Path
    env: dict[str, str]
    err_path: Path

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text())

    def cli(self, *args: str, stdin: Optional[str] = None) -> Result:
        return run_cli("--local", *args, env=self.env, stdin=stdin)

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def start_local_up(tmp: Path, *extra: str, env_extra: Optional[dict[str, str]] = None
                   ) -> LocalUp:
    state_file = tmp / "local-up.json"
    env = clean_env(DURABLE_LOCAL_STATE=str(state_file), **(env_extra or {}))
    err_path = tmp / "local-up.err"
    process = subprocess.Popen(
        [sys.executable, "-m", "durable_lambda.cli", "local", "up", "--port", "0",
         "--path", str(HERE), *extra],
        stdout=subprocess.PIPE, stderr=err_path.open("w"), text=True, env=env, cwd=ROOT)
    up = LocalUp(process, state_file, env, err_path)
    deadline = time.monotonic() + 90
    while not state_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            up.stop(5) if process.poll() is None else None
            raise AssertionError(f"local up did not start: {err_path.read_text()}")
        time.sleep(0.2)
    return up


@pytest.fixture(scope="session")
def local_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUp]:
    """One ``local up`` per test session (worker) serving tests/cli/functions.py."""
    up = start_local_up(tmp_path_factory.mktemp("local-up"),
                        "-f", "durable-counter=functions:counter",
                        "-f", "durable-approval=functions:approval",
                        "-f", "durable-quick=functions:quick",
                        "-f", "durable-parent=functions:parent",
                        env_extra={"DURABLE_MAX_REDRIVES": "1"})
    try:
        yield up
    finally:
        up.stop()
