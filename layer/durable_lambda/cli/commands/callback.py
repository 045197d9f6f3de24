"""``durable-lambda callback succeed|fail|heartbeat`` — complete a durable execution's callback.

Directly (``workflows.callbacks.complete_callback``: BatchGetItem + TransactWriteItems +
1 SendMessage to resume the execution), or ``--via-bus`` as an EventBridge ``WorkflowCallback``
event (1 PutEvents; the signal forwarder completes it), the way other services do.
"""
from __future__ import annotations

import argparse
from typing import Any, Optional

from durable_lambda.cli.args import command_group, connected, text_arg
from durable_lambda.cli.output import Output


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, "callback", "complete, fail or heartbeat a callback")

    succeed = commands.add_parser("succeed", parents=[common], help="complete with a result")
    succeed.add_argument("callback_id")
    succeed.add_argument("result", nargs="?", default="",
                         help="the serialized result, passed as is (e.g. JSON text; @file, -)")
    fail = commands.add_parser("fail", parents=[common], help="fail the callback")
    fail.add_argument("callback_id")
    fail.add_argument("--error-type", default="CallbackError")
    fail.add_argument("--error-message", default="")
    fail.add_argument("--error-data", help="serialized error data (optional)")
    heartbeat = commands.add_parser("heartbeat", parents=[common],
                                    help="push the callback's heartbeat deadline")
    heartbeat.add_argument("callback_id")
    for sub, action in ((succeed, "succeed"), (fail, "fail"), (heartbeat, "heartbeat")):
        sub.add_argument("--via-bus", action="store_true",
                         help="publish a WorkflowCallback event instead of writing directly")
        sub.set_defaults(run=run, action=action)


def run(args: Any, out: Output) -> None:
    connected(args)
    result: Optional[str] = text_arg(args.result) if args.action == "succeed" else None
    error: Optional[dict[str, Any]] = None
    if args.action == "fail":
        error = {"ErrorType": args.error_type, "ErrorMessage": args.error_message}
        if args.error_data is not None:
            error["ErrorData"] = args.error_data
    heartbeat = args.action == "heartbeat"
    if args.via_bus:
        from durable_lambda.platform.signals import send_callback_result

        send_callback_result(args.callback_id, result=result, error=error, heartbeat=heartbeat)
        outcome = {"callbackId": args.callback_id, "action": args.action, "published": True}
        out.result(outcome, human=f"{args.action}: WorkflowCallback event published")
        return
    from durable_lambda.workflows.callbacks import complete_callback

    changed = complete_callback(args.callback_id, result=result, error=error,
                                heartbeat=heartbeat)
    outcome = {"callbackId": args.callback_id, "action": args.action, "changed": changed}
    if heartbeat:
        human = "heartbeat recorded"
    else:
        human = (f"callback {args.action}ed; the execution resumes" if changed
                 else "the callback was already finished (nothing changed); resume re-sent")
    out.result(outcome, human=human)
