"""``durable-lambda dlq list|redrive|parked`` — the dead-letter and parking queues.

``redrive`` runs the DLQ redriver in batches (in this process with your credentials, holding
the same ``dlq-redriver`` lease as the deployed one, or ``--via-function`` by invoking the
deployed redriver), with a line of progress per batch. ``parked`` lists the parked queue;
``--requeue`` moves parked messages back to the work queue once their cause is fixed,
``--drop`` deletes them. See docs/operating.md, "Runbook: a parked message".
"""
from __future__ import annotations

import argparse
import time
from typing import Any

from durable_lambda.cli.args import command_group, connected
from durable_lambda.cli.errors import FAILED, USAGE, CliError
from durable_lambda.cli.output import Output, age

#: messages per redriver run (each run takes the lease: 2 UpdateItem)
REDRIVE_BATCH = 50


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, "dlq", "dead-lettered and parked messages")

    listing = commands.add_parser("list", parents=[common], help="peek at the DLQ")
    listing.add_argument("--max", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(run=run_list, queue="dlq")

    redrive = commands.add_parser("redrive", parents=[common],
                                  help="send DLQ messages back to the work queue (or park them)")
    redrive.add_argument("--max", type=int, default=1000,
                         help="at most this many messages (default 1000)")
    redrive.add_argument("--via-function", action="store_true",
                         help="invoke the deployed DLQ redriver instead of running it here")
    redrive.set_defaults(run=run_redrive)

    parked = commands.add_parser("parked", parents=[common],
                                 help="peek at, requeue or drop parked messages")
    parked.add_argument("--max", type=int, default=50, help="at most this many (default 50)")
    action = parked.add_mutually_exclusive_group()
    action.add_argument("--requeue", nargs="*", metavar="MESSAGE_ID",
                        help="move these parked messages (all peeked ones when no id is given) "
                             "to the work queue, redrive count reset")
    action.add_argument("--drop", nargs="+", metavar="MESSAGE_ID",
                        help="delete these parked messages for good")
    parked.set_defaults(run=run_parked, queue="parked_queue")


def _sqs_and_url(setting: str) -> tuple[Any, str]:
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    return aws.client("sqs"), get_settings().require(setting)


def _check_max(value: int) -> int:
    if value < 1:
        raise CliError("--max must be at least 1", USAGE)
    return value


def _rows(messages: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for m in messages:
        row = m.to_dict()
        row["age"] = age(m.sent_ms)
        row["why"] = row["parkedReason"] or row["error"]
        rows.append(row)
    return rows


def run_list(args: Any, out: Output) -> None:
    connected(args)
    from durable_lambda.cli.queues import depth, peek

    sqs, url = _sqs_and_url(args.queue)
    total = depth(sqs, url)
    messages, _ = peek(sqs, url, _check_max(args.max)) if total else ([], [])
    out.table(_rows(messages), ["messageId", "group", "age", "redrives", "why", "body"],
              empty="(empty)", extra={"approximateDepth": total})
    if messages and not out.json_mode and total > len(messages):
        out.progress(f"showing {len(messages)} of ~{total} (a FIFO peek shows the head of "
                     "each message group)")


def run_redrive(args: Any, out: Output) -> int:
    connection = connected(args)
    from durable_lambda.cli.queues import depth

    limit = _check_max(args.max)
    sqs, url = _sqs_and_url("dlq")
    total = depth(sqs, url)
    out.progress(f"DLQ holds ~{total} messages; redriving up to {limit}")
    totals = {"received": 0, "redriven": 0, "parked": 0, "failed": 0, "runs": 0}
    stopped = "empty"
    started = time.monotonic()
    while totals["received"] < limit:
        batch = min(REDRIVE_BATCH, limit - totals["received"])
        report = _run_redriver(connection, batch, args.via_function)
        totals["runs"] += 1
        for key in ("received", "redriven", "parked", "failed"):
            totals[key] += int(report.get(key, 0))
        stopped = str(report.get("stopped"))
        out.progress(f"  {totals['received']}/{min(limit, max(total, totals['received']))}: "
                     f"redriven {totals['redriven']}, parked {totals['parked']}, "
                     f"failed {totals['failed']} ({time.monotonic() - started:.1f} s)")
        if stopped != "max_messages" or not report.get("received"):
            break
    if stopped == "busy":
        raise CliError("another redrive holds the dlq-redriver lease; try again shortly", FAILED)
    result = {**totals, "stopped": stopped}
    out.result(result, human=f"redriven {totals['redriven']}, parked {totals['parked']}, "
                             f"failed {totals['failed']} (stopped: {stopped})")
    return FAILED if totals["failed"] else 0


def _run_redriver(connection: Any, batch: int, via_function: bool) -> dict[str, Any]:
    if via_function:
        from durable_lambda.core.invoke import invoke_function

        name = connection.require("the DLQ redriver function", connection.redriver_name)
        return dict(invoke_function(name, {"maxMessages": batch}) or {})
    from durable_lambda.platform import redriver

    return redriver.handler({"maxMessages": batch}, None)


def run_parked(args: Any, out: Output) -> int:
    connected(args)
    from durable_lambda.cli.queues import delete, depth, make_visible, peek, requeue

    sqs, url = _sqs_and_url("parked_queue")
    limit = _check_max(args.max)
    if args.requeue is None and args.drop is None:
        total = depth(sqs, url)
        messages, _ = peek(sqs, url, limit) if total else ([], [])
        out.table(_rows(messages), ["messageId", "group", "age", "redrives", "why", "body"],
                  empty="(no parked messages)", extra={"approximateDepth": total})
        return 0
    wanted = set(args.requeue or args.drop or [])
    _, raw = peek(sqs, url, limit, release=False)
    chosen = [m for m in raw if not wanted or m["MessageId"] in wanted]
    make_visible(sqs, url, [m for m in raw if m not in chosen])
    missing = wanted - {m["MessageId"] for m in chosen}
    if args.drop is not None:
        gone = delete(sqs, url, chosen)
        out.result({"dropped": gone, "notFound": sorted(missing)},
                   human=f"dropped {gone}" + (f"; not found: {', '.join(sorted(missing))}"
                                              if missing else ""))
        return FAILED if missing else 0
    queue = _sqs_and_url("queue")[1]
    moved, failed = requeue(sqs, url, queue, chosen,
                            lambda n, of: out.progress(f"  requeued {n}/{of}"))
    out.result({"requeued": moved, "failed": failed, "notFound": sorted(missing)},
               human=f"requeued {moved} to the work queue, {failed} failed"
                     + (f"; not found: {', '.join(sorted(missing))}" if missing else ""))
    return FAILED if failed or missing else 0

