"""``durable-lambda workflow start|status|history|list|stop`` — durable executions.

``start`` = 1 PutItem (1 TransactWriteItems with ``--name``) + 1 SendMessage; ``status`` =
1 GetItem; ``history`` = 1 Query per MB of the execution; ``list`` = a bounded Scan;
``stop`` = 1 GetItem + 1 UpdateItem (+ the retention sweep).
"""
from __future__ import annotations

import argparse
import time
from typing import Any

from durable_lambda.cli.args import command_group, connected, json_arg
from durable_lambda.cli.errors import FAILED, CliError
from durable_lambda.cli.output import Output, iso_ms, timeline

STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED")


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, "workflow", "start, inspect and stop durable executions")

    start = commands.add_parser("start", parents=[common], help="start an execution")
    start.add_argument("function", help="the @durable_execution function's name")
    start.add_argument("input", nargs="?", help="JSON input (or @file, - for stdin)")
    start.add_argument("--name", help="execution name: starting the same name again is a no-op")
    start.add_argument("--wait", type=float, metavar="SECONDS", nargs="?", const=60.0,
                       help="wait for the result (default 60 s when given without a value)")
    start.set_defaults(run=run_start)

    status = commands.add_parser("status", parents=[common], help="status and result")
    status.add_argument("execution_id")
    status.set_defaults(run=run_status)

    history = commands.add_parser("history", parents=[common],
                                  help="the execution's events as a timeline")
    history.add_argument("execution_id")
    history.set_defaults(run=run_history)

    listing = commands.add_parser("list", parents=[common],
                                  help="executions, newest first (scans the workflow table)")
    listing.add_argument("--function", help="only this function's executions")
    listing.add_argument("--status", choices=STATUSES, type=str.upper)
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(run=run_list)

    stop = commands.add_parser("stop", parents=[common], help="stop a RUNNING execution")
    stop.add_argument("execution_id")
    stop.add_argument("--reason", default="stopped by an operator",
                      help="recorded as the execution's error message")
    stop.set_defaults(run=run_stop)


def _info(execution_id: str) -> dict[str, Any]:
    from durable_lambda.workflows.client import get_execution

    info = get_execution(execution_id)
    return {"executionId": info.execution_id, "function": info.function_name,
            "name": info.name, "status": info.status.value, "result": info.result,
            "error": info.error.to_dict() if info.error else None}


def run_start(args: Any, out: Output) -> int:
    connected(args)
    from durable_lambda.workflows.client import start_execution

    execution_id = start_execution(args.function, json_arg(args.input, "input"), name=args.name)
    if args.wait is None:
        out.result({"executionId": execution_id, "status": "RUNNING"},
                   human=f"started {execution_id}")
        return 0
    out.progress(f"started {execution_id}; waiting up to {args.wait:g} s")
    deadline = time.monotonic() + args.wait
    info = _info(execution_id)
    last_report = time.monotonic()
    while info["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        info = _info(execution_id)
        if time.monotonic() - last_report >= 5:
            out.progress(f"  still RUNNING after {args.wait - (deadline - time.monotonic()):.0f} s")
            last_report = time.monotonic()
    _print_info(info, out)
    if info["status"] == "RUNNING":
        out.progress(f"still RUNNING after {args.wait:g} s (not an error of the execution)")
    return 0 if info["status"] == "SUCCEEDED" else FAILED


def _print_info(info: dict[str, Any], out: Output) -> None:
    if out.json_mode:
        out.result(info)
        return
    out.fields({k: v for k, v in info.items() if v is not None})


def run_status(args: Any, out: Output) -> int:
    connected(args)
    info = _info(args.execution_id)
    _print_info(info, out)
    return FAILED if info["status"] in ("FAILED", "TIMED_OUT", "STOPPED") else 0


def run_history(args: Any, out: Output) -> None:
    connected(args)
    from durable_lambda.workflows.client import get_execution_history

    events = get_execution_history(args.execution_id)
    if out.json_mode:
        out.result({"executionId": args.execution_id, "events": events})
    else:
        out.result(None, human=timeline(events))


def run_list(args: Any, out: Output) -> None:
    connected(args)
    from durable_lambda.cli.executions import list_executions

    if args.limit < 1:
        raise CliError("--limit must be at least 1", 2)
    found, more = list_executions(args.function, args.status, args.limit)
    rows = [{**e.to_dict(), "created": iso_ms(e.created_ms), "ended": iso_ms(e.end_ms)}
            for e in found]
    out.table(rows, ["executionId", "function", "name", "status", "created", "ended"],
              empty="(no executions)", extra={"truncated": more})
    if more and not out.json_mode:
        out.progress(f"showing {len(rows)}; more exist (--limit, --function, --status)")


def run_stop(args: Any, out: Output) -> None:
    connected(args)
    from durable_lambda.cli.executions import stop_execution

    stopped = stop_execution(args.execution_id, args.reason)
    out.result(stopped, human=f"stopped {args.execution_id}")
