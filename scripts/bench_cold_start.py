#!/usr/bin/env python3
"""Cold-start cost of the layer: import time of each entry point in a fresh interpreter.

Runs each import in a new process (median of --runs), as Lambda does on a cold start.
boto3 itself is imported lazily at the first AWS call and is reported separately.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

ENTRY_POINTS = [
    "durable_lambda",
    "durable_lambda.actors.handler",
    "durable_lambda.platform.router",
    "durable_lambda.workflows",
    "durable_lambda.workflows.hosting",
    "boto3",
]
PROBE = ("import time, importlib; t = time.perf_counter(); importlib.import_module({!r}); "
         "print(time.perf_counter() - t)")


def import_ms(module: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE.format(module)], check=True,
                             capture_output=True, text=True).stdout
        samples.append(float(out) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'module':34} {'import ms (median of ' + str(args.runs) + ')':>28}")
    for module in ENTRY_POINTS:
        try:
            print(f"{module:34} {import_ms(module, max(1, min(args.runs, 50))):28.1f}")
        except subprocess.CalledProcessError:
            print(f"{module:34} {'(not importable)':>28}")


if __name__ == "__main__":
    main()
