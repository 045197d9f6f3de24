#!/usr/bin/env python3
"""Run actor examples locally, end to end: ``python examples/actors/run.py [name ...]``.

Starts a moto server on 127.0.0.1, deploys the fabric, registers each example's functions
and the router as local Lambda functions, drives the work queue, prints what happened.
Names: see ``SCENARIOS`` (default: all). Nothing reaches real AWS.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

if __package__ in (None, ""):  # run as a script: make ``examples`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "examples.actors"

from durable_lambda.testing.local_cloud import LocalCloud  # noqa: E402

from .harness import SCENARIOS, local_cloud  # noqa: E402
from .scenarios import (run_circuit_breaker_scenario, run_counter_scenario,  # noqa: E402
                        run_cron_scenario, run_leaderboard_scenario, run_order_saga_scenario,
                        run_rate_limiter_scenario)

__all__ = ["SCENARIOS", "main", "run_scenarios", "run_circuit_breaker_scenario",
           "run_counter_scenario", "run_cron_scenario", "run_leaderboard_scenario",
           "run_order_saga_scenario", "run_rate_limiter_scenario"]


def run_scenarios(names: list[str],
                  env: Optional[LocalCloud] = None) -> dict[str, dict[str, Any]]:
    """Run the named scenarios (on ``env``, or on a fresh local cloud); results by name."""
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        raise ValueError(f"unknown example(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(SCENARIOS)}")
    if env is None:
        with local_cloud() as fresh:
            return run_scenarios(names, fresh)
    return {name: SCENARIOS[name](env) for name in names}


def main(argv: Optional[list[str]] = None) -> int:
    """Run the examples named in ``argv`` (default: all) and print their results."""
    names = list(argv if argv is not None else sys.argv[1:]) or list(SCENARIOS)
    try:
        results = run_scenarios(names)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    for name, result in results.items():
        print(f"== {name}\n{json.dumps(result, indent=2)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
