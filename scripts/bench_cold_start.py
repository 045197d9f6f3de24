#!/usr/bin/env python3
"""Cold start: time until each entry point is ready for its first AWS call, next to the
official durable execution SDK (``aws_durable_execution_sdk_python``) with its boto3 client.

Every sample is a fresh interpreter, as a Lambda cold start is. In it, from one clock:

* ``import``   — import the handler module the way Lambda does (decorating the handler);
* ``settings`` — load the settings (pydantic-settings; the SDK has none);
* ``client``   — create the boto3 client that the entry point's first call uses;
* ``ready``    — the sum: the handler can make its first AWS call (the issue's measure);
* ``1st req``  — run the first invocation until its first HTTP request is about to leave
  (the request is never sent: the sample ends there), so an import deferred from module
  load to the first call still counts here;
* ``+client``  — then create the client of a second service that a first invocation often
  needs too (an actor's SQS sends, a workflow's Scheduler timer; the SDK has none);
* ``iqr``      — the interquartile range of ``ready`` over the samples: on a shared machine a
  difference between two medians well under it is noise.

The candidates are interleaved (A, B, C, A, B, C, … in a rotating order), so machine load
hits them alike; the table gives medians of ``--runs`` samples. The machine this runs on is
usually shared: read medians side by side, not as absolute Lambda figures (Lambda adds its
own runtime start, and its CPU share depends on the memory size).

``--no-pyc`` runs what the layer ships (``durable_lambda`` + pydantic-settings and its
dependencies; for the SDK, its package) from a copy without bytecode, with bytecode writes
off: what Lambda does with a layer zip that has no ``__pycache__`` (``/opt`` is read-only).
``--importtime`` adds, per entry point, the modules that cost most (``python -X importtime``).
``--compare DIR`` runs each durable-lambda entry point a second time from another layer tree
(another revision), interleaved with the rest: a before/after table from one run.

    python scripts/bench_cold_start.py --runs 15
    python scripts/bench_cold_start.py --runs 9 --only actor,sdk --importtime 12
    python scripts/bench_cold_start.py --runs 9 --compare /tmp/rev/layer   # before/after

Every sample runs with the interpreter that runs this script: for a Lambda runtime's Python,
run it from a venv of that version holding requirements.txt and the SDK, e.g.
``python3.12 -m venv /tmp/py312 && /tmp/py312/bin/pip install -r requirements.txt
aws-durable-execution-sdk-python==3.0.0 && /tmp/py312/bin/python scripts/bench_cold_start.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layer"
PHASES = ("import", "settings", "client", "ready", "1st req", "+client")
#: the packages of the layer zip besides durable_lambda (scripts/build_layer.py)
LAYER_PACKAGES = ("pydantic", "pydantic_core", "pydantic_settings", "typing_extensions",
                  "annotated_types", "typing_inspection", "dotenv")
SDK_PACKAGES = ("aws_durable_execution_sdk_python",)
FUNCTION = "durable-bench-fn"
#: a Lambda-like environment; every endpoint is a closed local port, and each sample ends
#: before its first request leaves anyway
ENVIRONMENT = {
    "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "ASIABENCH", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench", "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "DURABLE_TABLE": "durable-actors", "DURABLE_LOCKS_TABLE": "durable-locks",
    "DURABLE_WORKFLOW_TABLE": "durable-workflows",
    "DURABLE_QUEUE": "http://127.0.0.1:9/000000000000/durable-work.fifo",
    "DURABLE_DLQ": "http://127.0.0.1:9/000000000000/durable-dlq.fifo",
    "DURABLE_PARKED_QUEUE": "http://127.0.0.1:9/000000000000/durable-parked.fifo",
    "DURABLE_BUS_NAME": "durable-bus", "DURABLE_SCHEDULE_GROUP": "durable",
    "DURABLE_METRICS": "false",
}

# The sample: {entry} imports and decorates, {settings} loads settings, {client} creates the
# first client, {invoke} runs the first invocation. The first HTTP request ends the sample.
CHILD = '''\
import json, os, sys, time
EVENT = json.loads(os.environ["BENCH_EVENT"])
class Context:
    function_name = {function!r}
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:{function}"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000001"
    log_group_name = log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 60000
def mark():
    marks.append((time.perf_counter(), time.process_time()))
marks = []
mark()
{entry}
mark()
{settings}
mark()
{client}
mark()
import botocore.httpsession
def _first_request(self, request):
    mark()
    {client2}
    mark()
    print(json.dumps([[(b[i] - a[i]) * 1000 for a, b in zip(marks, marks[1:])]
                      for i in (0, 1)]), flush=True)
    os._exit(0)
botocore.httpsession.URLLib3Session.send = _first_request
try:
    {invoke}
except BaseException as exc:
    print(json.dumps({{"error": f"{{type(exc).__name__}}: {{exc}}"[:300]}}), flush=True)
    os._exit(3)
print(json.dumps({{"error": "the first invocation made no AWS request"}}), flush=True)
os._exit(3)
'''

USER_ACTOR = '''\
from durable_lambda import actor
@actor
def handler(ctx, payload):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    return ctx.state["n"]'''
USER_WORKFLOW = '''\
from durable_lambda.workflows import DurableContext, durable_execution
@durable_execution
def handler(event, context: DurableContext):
    return context.step(lambda _: sum(event["amounts"]), name="total")'''
USER_SDK = '''\
from aws_durable_execution_sdk_python import DurableContext, durable_execution
@durable_execution
def handler(event, context: DurableContext):
    return context.step(lambda _: sum(event["amounts"]), name="total")'''
OUR_SETTINGS = "from durable_lambda.core.settings import get_settings; get_settings()"


def _platform(function: str) -> str:
    """Import a platform function as Lambda does: its app.py, from its own directory."""
    return (f"sys.path.insert(0, {str(ROOT / 'functions' / function)!r}); "
            f"import importlib; handler = importlib.import_module('app').handler")


def _our_client(service: str) -> str:
    return f"from durable_lambda.core.aws import client; client({service!r})"


def _sqs_event(body: dict) -> dict:
    return {"Records": [{
        "messageId": "m-1", "receiptHandle": "r-1", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g",
                       "MessageDeduplicationId": "d", "SentTimestamp": "1700000000000"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:durable-work.fifo",
        "awsRegion": "us-east-1"}]}


ACTOR_ENVELOPE = {"v": 1, "kind": "actor", "target": "durable-counter", "actorId": "user-1",
                  "id": "msg-1", "payload": {"n": 1}, "sentAt": 1700000000000}


@dataclass(frozen=True)
class Candidate:
    name: str
    entry: str
    settings: str
    client: str
    event: object
    layer: Optional[Path] = None  # another durable_lambda tree (--compare)
    client2: str = "pass"  # the client of another service the first invocation may need

    def script(self) -> str:
        return CHILD.format(function=FUNCTION, entry=self.entry, settings=self.settings,
                            client=self.client, client2=self.client2,
                            invoke="handler(EVENT, Context())")


CANDIDATES = [
    Candidate("sdk", USER_SDK, "pass",
              "from aws_durable_execution_sdk_python.lambda_service import LambdaClient; "
              "LambdaClient.initialize_client()",
              {"DurableExecutionArn": "arn:aws:lambda:us-east-1:000000000000:function:"
                                      f"{FUNCTION}:1/durable-execution/bench/e1",
               "CheckpointToken": "token-1",
               "InitialExecutionState": {"Operations": [{
                   "Id": "e1", "Type": "EXECUTION", "Status": "STARTED",
                   "StartTimestamp": 1700000000000,
                   "ExecutionDetails": {"InputPayload": json.dumps({"amounts": [3, 4]})}}]}}),
    Candidate("actor", USER_ACTOR, OUR_SETTINGS, _our_client("dynamodb"),
              {"actorId": "user-1", "payload": {}}, client2=_our_client("sqs")),
    Candidate("workflow", USER_WORKFLOW + "\nfrom durable_lambda.workflows.host import "
              "default_host\ndefault_host()", OUR_SETTINGS, _our_client("dynamodb"),
              {"input": {"amounts": [3, 4]}, "name": "order-1"}, client2=_our_client("scheduler")),
    Candidate("router", _platform("router"), OUR_SETTINGS,
              _our_client("lambda"), _sqs_event(ACTOR_ENVELOPE), client2=_our_client("sqs")),
    Candidate("timer_forwarder", _platform("timer_forwarder"), OUR_SETTINGS,
              _our_client("sqs"), {"envelope": ACTOR_ENVELOPE}),
    Candidate("signal_forwarder", _platform("signal_forwarder"), OUR_SETTINGS,
              _our_client("sqs"),
              {"id": "ev-1", "detail-type": "ActorSignal", "source": "app",
               "detail": {"target": "durable-counter", "actorId": "user-1", "payload": {}}}),
    Candidate("redriver", _platform("dlq_redriver"), OUR_SETTINGS,
              _our_client("dynamodb"), {}, client2=_our_client("sqs")),
]


def shipped_copy(target: Path) -> Path:
    """What the layer (and the SDK) ship, without bytecode: the packages from this venv."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for name in set(LAYER_PACKAGES + SDK_PACKAGES):
        source = site / name if (site / name).exists() else site / f"{name}.py"
        if source.is_dir():
            shutil.copytree(source, target / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target / source.name)
    shutil.copytree(LAYER / "durable_lambda", target / "durable_lambda",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "testing"))
    return target


def environment(candidate: Candidate, shipped: Optional[Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "DURABLE_", "PYTHON", "BOTO"))}
    env.update(ENVIRONMENT)
    env["BENCH_EVENT"] = json.dumps(candidate.event)
    paths = [str(candidate.layer)] if candidate.layer else []
    env["PYTHONPATH"] = os.pathsep.join(paths + [str(shipped or LAYER)])
    if shipped:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


Sample = list[list[float]]  # [wall phases, cpu phases], each (import, settings, client, 1st)


def sample(candidate: Candidate, shipped: Optional[Path]) -> Sample:
    """One cold start: the phase times in ms, wall clock and CPU."""
    proc = subprocess.run([sys.executable, "-c", candidate.script()], capture_output=True,
                          text=True, env=environment(candidate, shipped),
                          cwd=tempfile.gettempdir(), timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(("[", "{"))]
    result = json.loads(lines[-1]) if lines else {"error": proc.stderr.strip()[-300:]}
    if isinstance(result, dict):
        raise RuntimeError(f"{candidate.name}: {result['error']}")
    return result


def run(candidates: list[Candidate], runs: int, shipped: Optional[Path]
        ) -> dict[str, list[Sample]]:
    """Samples per candidate, interleaved, the order rotating each round."""
    samples: dict[str, list[Sample]] = defaultdict(list)
    for round_ in range(runs):
        shift = round_ % len(candidates)
        for candidate in candidates[shift:] + candidates[:shift]:
            samples[candidate.name].append(sample(candidate, shipped))
    return samples


def medians(runs: list[Sample], clock: int) -> list[float]:
    """Median per column (import, settings, client, ready, 1st req, +client) of one clock."""
    phases = [r[clock] for r in runs]
    columns = [[p[i] for p in phases] for i in range(3)]
    columns += [[sum(p[:3]) for p in phases], [sum(p[:4]) for p in phases],
                [p[4] for p in phases]]
    return [statistics.median(c) for c in columns]


def spread(runs: list[Sample]) -> float:
    """Interquartile range of wall-clock ``ready``: how far apart two samples of one entry
    point typically are (a difference between medians well under it is noise)."""
    ready = sorted(sum(r[0][:3]) for r in runs)
    if len(ready) < 4:
        return float("nan")
    q1, _, q3 = statistics.quantiles(ready, n=4)
    return q3 - q1


def table(samples: dict[str, list[Sample]], baseline: str = "sdk") -> str:
    """Wall-clock phases, then the CPU time to ready and to the first request, the spread of
    ready (its interquartile range); the last column is ready (wall) against the baseline's."""
    rows = {name: (medians(runs, 0), medians(runs, 1), spread(runs))
            for name, runs in samples.items()}
    base = rows.get(baseline)
    lines = [f"{'entry point':18}" + "".join(f"{p:>9}" for p in PHASES)
             + f"{'cpu ready':>11}{'cpu 1st':>9}{'iqr':>7}" + (f"{'vs sdk':>9}" if base else "")]
    for name, (wall, cpu, iqr) in rows.items():
        line = (f"{name:18}" + "".join(f"{v:9.1f}" for v in wall)
                + f"{cpu[3]:11.1f}{cpu[4]:9.1f}{iqr:7.0f}")
        if base:
            line += f"{wall[3] - base[0][3]:+9.1f}"
        lines.append(line)
    return "\n".join(lines)


def importtime(candidate: Candidate, shipped: Optional[Path], top: int) -> str:
    """The costliest imports of one cold start (self time, and grouped by top package)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", candidate.script()],
                          capture_output=True, text=True, env=environment(candidate, shipped),
                          cwd=tempfile.gettempdir(), timeout=120)
    own: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            parts = line.split("|")
            module = parts[2].strip()
            own[module] = own.get(module, 0) + int(parts[0].split(":")[1])
    packages: dict[str, int] = defaultdict(int)
    for module, us in own.items():
        packages[module.split(".")[0]] += us
    by_module = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    by_package = sorted(packages.items(), key=lambda kv: -kv[1])[:top]
    out = [f"-- {candidate.name}: {len(own)} modules, {sum(own.values()) / 1000:.0f} ms of imports"]
    out += [f"   {m:52} {us / 1000:7.1f} ms   {p:28} {pu / 1000:7.1f} ms"
            for (m, us), (p, pu) in zip(by_module, by_package + [("", 0)] * top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="samples per candidate (1-100)")
    parser.add_argument("--only", help="comma-separated candidates: "
                        + ",".join(c.name for c in CANDIDATES))
    parser.add_argument("--no-pyc", action="store_true",
                        help="the shipped packages without bytecode (a layer zip without .pyc)")
    parser.add_argument("--importtime", type=int, default=0, metavar="TOP",
                        help="also list the TOP costliest imports of each entry point")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also run every durable-lambda entry point from the layer tree DIR "
                             "(e.g. `git archive REV layer | tar -x -C /tmp/rev`, then "
                             "DIR=/tmp/rev/layer), interleaved, as NAME@rev")
    args = parser.parse_args()
    chosen = [c for c in CANDIDATES if not args.only or c.name in args.only.split(",")]
    if args.compare:
        chosen += [replace(c, name=f"{c.name}@rev", layer=args.compare.resolve())
                   for c in chosen if c.name != "sdk"]
    runs = max(1, min(args.runs, 100))
    with tempfile.TemporaryDirectory(prefix="durable-cold-") as tmp:
        shipped = shipped_copy(Path(tmp)) if args.no_pyc else None
        samples = run(chosen, runs, shipped)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"time to ready-for-first-call, ms: medians of {runs} fresh interpreters per "
              f"entry point, interleaved ({'no bytecode' if shipped else 'with bytecode'}; "
              f"Python {sys.version.split()[0]}; load average {load:.1f} on {os.cpu_count()} "
              "CPUs: a shared machine, compare side by side)")
        print(table(samples))
        for candidate in chosen if args.importtime else []:
            print(importtime(candidate, shipped, args.importtime))


if __name__ == "__main__":
    main()
