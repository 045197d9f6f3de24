"""``durable-lambda local up`` — the fabric on a local AWS, for development.

Starts a moto server, deploys the fabric (tables, queues, bus, schedule group), loads your
functions (``--function NAME=module:attribute``, repeatable: ``@actor`` handlers, durable
functions, any Lambda handler), and runs what AWS would run: the router on the work queue
(SQS poller), EventBridge Scheduler (timers, waits, retries: on the real clock) and the bus's
signal rule. One endpoint on 127.0.0.1 serves both AWS APIs and Lambda Invoke of your
functions (``durable_lambda.cli.local_proxy``). Prints the settings to export, records them
for ``durable-lambda --local ...``, and stops cleanly on Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

from durable_lambda.cli.args import command_group
from durable_lambda.cli.errors import USAGE, CliError
from durable_lambda.cli.output import Output

DEFAULT_PORT = 4599
#: seconds between pump rounds when nothing moved
IDLE_SLEEP = 0.2


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, "local", "run the fabric on a local AWS")
    up = commands.add_parser("up", parents=[common], help="start it (Ctrl-C stops it)")
    up.add_argument("--port", type=int, default=DEFAULT_PORT,
                    help=f"endpoint port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)")
    up.add_argument("--function", "-f", action="append", default=[], metavar="NAME=MODULE:ATTR",
                    help="serve this handler as Lambda function NAME (repeatable)")
    up.add_argument("--path", action="append", default=[], type=Path, metavar="DIR",
                    help="put DIR on sys.path first, to import your modules (default: .)")
    up.add_argument("--prefix", default="durable", help="resource name prefix (default durable)")
    up.add_argument("--metrics", action="store_true", help="print EMF metric lines")
    up.add_argument("--log-level", default=None,
                    help="level of durable-lambda's JSON logs on stderr (default WARNING)")
    up.add_argument("--for-seconds", type=float, default=None, help=argparse.SUPPRESS)
    up.set_defaults(run=run_up)


def load_function(spec: str, paths: list[Path]) -> tuple[str, Any]:
    """``NAME=module:attr`` (or ``module:attr``: named after attr) -> (name, handler)."""
    name, _, target = spec.rpartition("=")
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise CliError(f"--function {spec!r}: expected NAME=module:attribute", USAGE)
    for path in reversed(paths or [Path(".")]):
        if str(path.resolve()) not in sys.path:
            sys.path.insert(0, str(path.resolve()))
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise CliError(f"--function {spec!r}: cannot load {target}: {exc}", USAGE) from None
    if not callable(handler):
        raise CliError(f"--function {spec!r}: {target} is not callable", USAGE)
    return name or attribute, handler


def _named(name: str, handler: Any) -> Any:
    """A durable function recorded under ``name`` (the Lambda function name it is served as)."""
    from durable_lambda.workflows.execution import DurableFunction

    if not isinstance(handler, DurableFunction) or handler.name == name:
        return handler
    return DurableFunction(handler.func, name=name, host=handler.host, options=handler.options,
                           plugins=handler.plugins)


class Pumps:
    """What AWS runs by itself, in one background thread: signals, due timers, the queue."""

    def __init__(self, cloud: Any) -> None:
        self.cloud = cloud
        self.stop = threading.Event()
        self.moved = 0
        self.errors = 0
        self.thread = threading.Thread(target=self._loop, name="local-pumps", daemon=True)

    def _loop(self) -> None:
        cloud = self.cloud
        while not self.stop.is_set():
            try:
                moved = (cloud.events.drain() + cloud.scheduler.fire_due()
                         + cloud.poller.drain(idle_polls=1, max_batches=50))
                cloud.functions.wait_background(timeout=1.0)
            except Exception:  # noqa: BLE001 - keep pumping, like the services do
                self.errors += 1
                moved = 0
            self.moved += moved
            if not moved:
                self.stop.wait(IDLE_SLEEP)


def run_up(args: Any, out: Output) -> int:
    from durable_lambda.cli.connect import state_file
    from durable_lambda.cli.local_proxy import LocalFront
    from durable_lambda.core import logging as dlog

    handlers = [load_function(spec, args.path) for spec in args.function]
    if args.metrics:
        os.environ["DURABLE_METRICS"] = "true"
    dlog.configure_logging(stream=sys.stderr, level=args.log_level or "WARNING",
                           lambda_json=False)
    steps = 4
    out.progress(f"local up [1/{steps}]: starting the local AWS (moto)")
    from durable_lambda.testing.local_aws import start_local_aws

    server = start_local_aws()
    front: Optional[LocalFront] = None
    cloud = None
    pumps: Optional[Pumps] = None
    try:
        try:
            front = LocalFront(args.port, server.endpoint_url, None).start()
        except OSError as exc:
            raise CliError(f"port {args.port} on 127.0.0.1: {exc.strerror} (another local up? "
                           "--port 0 picks a free one)", USAGE) from None
        endpoint = front.endpoint
        out.progress(f"local up [2/{steps}]: deploying the fabric (prefix {args.prefix})")
        cloud = _cloud(server, endpoint, args.prefix)
        front.functions = cloud.functions
        out.progress(f"local up [3/{steps}]: serving functions: "
                     + (", ".join(name for name, _ in handlers) or "(none: --function)"))
        for name, handler in handlers:
            cloud.register(name, _named(name, handler))
        pumps = Pumps(cloud)
        pumps.thread.start()
        environment = {**cloud.fabric.environment(), "DURABLE_ENDPOINT_URL": endpoint}
        state = {"pid": os.getpid(), "endpoint": endpoint, "environment": environment,
                 "functions": [name for name, _ in handlers], "router": "durable-router",
                 "redriver": "durable-dlq-redriver", "started": time.time()}
        path = state_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=2))
        out.progress(f"local up [4/{steps}]: pumps running (router on the work queue, "
                     "scheduler, event bus); Ctrl-C stops")
        _announce(out, endpoint, environment, state, path)
        _wait(args.for_seconds)
        return 0
    finally:
        out.progress("local up: stopping")
        if pumps is not None:
            pumps.stop.set()
            pumps.thread.join(30)
        if front is not None:
            front.stop()
        if cloud is not None:
            cloud.stop()
        else:
            server.stop()
        _forget_state()
        out.progress("local up: stopped")


def _cloud(server: Any, endpoint: str, prefix: str) -> Any:
    """The fabric deployed through the front endpoint (queue URLs carry its stable port)."""
    from durable_lambda.platform import redriver
    from durable_lambda.testing.local_aws import LocalAws
    from durable_lambda.testing.local_cloud import LocalCloud
    from durable_lambda.testing.scheduler_pump import SchedulerPump

    cloud = LocalCloud.start(server=LocalAws(endpoint), prefix=prefix)
    cloud.aws = server  # stop() stops the real server
    cloud.owns_server = True
    cloud.scheduler = SchedulerPump(now=time.time, endpoint_url=endpoint)  # the real clock
    cloud.register("durable-dlq-redriver", redriver.handler)
    return cloud


def _announce(out: Output, endpoint: str, environment: dict[str, str], state: dict[str, Any],
              path: Path) -> None:
    from durable_lambda.testing.local_aws import LOCAL_ACCESS_KEY, LOCAL_REGION

    exports = {**environment, "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
               "AWS_SECRET_ACCESS_KEY": LOCAL_ACCESS_KEY, "AWS_REGION": LOCAL_REGION}
    if out.json_mode:  # one line: a script reads it while the process keeps running
        out.out.write(json.dumps({"endpoint": endpoint, "environment": exports,
                                  "stateFile": str(path), "functions": state["functions"]}) + "\n")
        out.out.flush()
        return
    lines = [f"endpoint: {endpoint}", "export these to use it from your code and tests:"]
    lines += [f"  export {k}={v}" for k, v in exports.items()]
    lines += ["or run commands against it: durable-lambda --local actor call <function> <id>"]
    out.result(None, human="\n".join(lines))


def _wait(for_seconds: Optional[float]) -> None:
    """Until SIGINT/SIGTERM (or ``for_seconds``, for tests)."""
    done = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        done.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        deadline = None if for_seconds is None else time.monotonic() + for_seconds
        while not done.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            done.wait(0.5)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _forget_state() -> None:
    from durable_lambda.cli.connect import state_file

    path = state_file()
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass
