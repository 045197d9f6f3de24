"""The local runner: every example's scenario runs end to end, from Python and as a script."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from durable_lambda.testing.local_cloud import LocalCloud
from examples.actors.harness import SCENARIOS
from examples.actors.run import main, run_scenarios

ROOT = Path(__file__).resolve().parents[2]


def test_every_example_has_a_scenario() -> None:
    modules = {p.stem for p in (ROOT / "examples" / "actors").glob("*.py")}
    examples = modules - {"__init__", "harness", "scenarios", "run"}
    assert set(SCENARIOS) == examples


def test_all_scenarios_share_one_fabric_in_any_order(env: LocalCloud) -> None:
    names = sorted(SCENARIOS, reverse=True)
    results = run_scenarios(names + ["counter"], env)
    assert results["counter"]["value"] == 16, "unique ids: a second run starts afresh"
    assert results["cron"]["ticks"] == 5
    assert results["order_saga"]["outcomes"]["completes"]["status"] == "COMPLETED"


def test_unknown_example_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="unknown example.*nope.*choose from counter"):
        run_scenarios(["counter", "nope"])
    assert main(["nope"]) == 2 and "unknown example(s) nope" in capsys.readouterr().err


def test_the_script_runs_an_example_on_its_own_local_aws() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "actors" / "run.py"),
                           "counter"], capture_output=True, text=True, timeout=120,
                          cwd="/", check=False)
    assert done.returncode == 0, done.stderr
    assert '== counter' in done.stdout and '"value": 16' in done.stdout
