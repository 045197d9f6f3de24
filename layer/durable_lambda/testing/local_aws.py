"""Start and control a moto server on 127.0.0.1 — the local AWS for tests and the demo."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import Optional

LOCAL_ACCESS_KEY = "testing"
LOCAL_REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalAws:
    """A running moto server bound to loopback."""

    endpoint_url: str
    process: Optional[subprocess.Popen[bytes]] = None

    def reset(self) -> None:
        """Forget every resource (POST /moto-api/reset): keeps tests independent and moto fast."""
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=30).read()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> "LocalAws":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def configure_environment(endpoint_url: str) -> None:
    """Point boto3 and durable-lambda at the local AWS (dummy credentials, never real AWS)."""
    os.environ.update({
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": LOCAL_ACCESS_KEY,
        "AWS_SESSION_TOKEN": LOCAL_ACCESS_KEY, "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION, "DURABLE_ENDPOINT_URL": endpoint_url,
    })
    os.environ.pop("AWS_PROFILE", None)


def start_local_aws(port: Optional[int] = None, timeout: float = 30.0) -> LocalAws:
    """Start ``moto_server`` on 127.0.0.1 and wait until it answers."""
    port = port or _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "durable_lambda.testing.serial_moto", "-H", "127.0.0.1",
         "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with code {process.returncode}")
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).read()
            return LocalAws(endpoint, process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto server did not answer on {endpoint} within {timeout}s")
