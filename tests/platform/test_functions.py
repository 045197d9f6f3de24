"""The platform functions are thin: each app.py names a layer handler, and nothing else."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from durable_lambda.platform import redriver, router
from durable_lambda.platform import signal_forwarder as signal
from durable_lambda.platform import timer_forwarder as timer

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {"router": router.handler, "timer_forwarder": timer.handler,
            "signal_forwarder": signal.handler, "dlq_redriver": redriver.handler}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_platform_function_exports_its_layer_handler(name: str) -> None:
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"platform_app_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.handler is EXPECTED[name]
    assert (ROOT / "functions" / name / "requirements.txt").is_file()


def test_the_forwarders_import_without_boto3() -> None:
    """Cold start: boto3 is imported on the first AWS call, not at import time."""
    code = ("import sys; import durable_lambda.platform.timer_forwarder, durable_lambda.platform.signal_forwarder,"
            " durable_lambda.platform.redriver, durable_lambda.core.timers, durable_lambda.platform.signals;"
            " print('boto3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"
