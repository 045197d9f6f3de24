"""``durable-lambda actor call|send|state|history``.

``call`` is one Lambda Invoke (a sync turn); ``send`` one SendMessage (through the router);
``state`` and ``history`` one strongly consistent GetItem on the actor state table each.
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Any

from durable_lambda.cli.args import command_group, connected, json_arg
from durable_lambda.cli.errors import NOT_FOUND, CliError
from durable_lambda.cli.output import Output, age, iso_ms


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, "actor", "call, message and inspect actors")

    call = commands.add_parser("call", parents=[common], help="sync call: one turn, its result")
    _target(call)
    call.add_argument("payload", nargs="?", help="JSON payload (or @file, - for stdin)")
    call.set_defaults(run=run_call)

    send = commands.add_parser("send", parents=[common],
                               help="async message through the FIFO queue")
    _target(send)
    send.add_argument("payload", nargs="?", help="JSON payload (or @file, - for stdin)")
    send.add_argument("--id", dest="message_id", help="message id (idempotent re-sends)")
    send.set_defaults(run=run_send)

    for name, run, text in (("state", run_state, "the committed state, version and lease"),
                            ("history", run_history,
                             "the messages applied most recently (ids kept for deduplication)")):
        sub = commands.add_parser(name, parents=[common], help=text)
        _target(sub)
        sub.add_argument("--actor-type",
                         help="the actor type the function uses (default: the function name, "
                              "as @actor does without actor_type=/DURABLE_ACTOR_TYPE)")
        sub.set_defaults(run=run)


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", help="the @actor function's name")
    parser.add_argument("actor_id", help="the actor id")


def run_call(args: Any, out: Output) -> None:
    connected(args)
    from durable_lambda.actors.client import ActorClient

    payload = json_arg(args.payload, "payload")
    out.result(ActorClient(args.function).call(args.actor_id, payload))


def run_send(args: Any, out: Output) -> None:
    connected(args)
    from durable_lambda.actors.client import ActorClient

    payload = json_arg(args.payload, "payload")
    message_id = ActorClient(args.function).send(args.actor_id, payload, args.message_id)
    out.result({"messageId": message_id}, human=f"sent {message_id}")


def read_item(args: Any) -> dict[str, Any]:
    """The actor's item as stored (one strongly consistent GetItem)."""
    connected(args)
    from durable_lambda.actors.ids import validate_actor_id
    from durable_lambda.core import aws
    from durable_lambda.core.settings import get_settings

    validate_actor_id(args.actor_id)
    key = f"{args.actor_type or args.function}#{args.actor_id}"
    item = aws.client("dynamodb").get_item(TableName=get_settings().require("table"),
                                           Key={"pk": {"S": key}}, ConsistentRead=True)
    if "Item" not in item:
        raise CliError(f"actor {args.actor_id!r} of {args.actor_type or args.function!r} has "
                       "no state yet (never called, or another --actor-type)", NOT_FOUND)
    return item["Item"]


def _number(item: dict[str, Any], name: str) -> float:
    return float(item.get(name, {}).get("N", 0))


def _strings(item: dict[str, Any], name: str) -> list[str]:
    return [v.get("S", "") for v in item.get(name, {}).get("L", [])]


def run_state(args: Any, out: Output) -> None:
    item = read_item(args)
    state = json.loads(item["state"]["S"]) if "state" in item else {}
    now_ms = time.time() * 1000
    expires = _number(item, "lease_expires_ms")
    lease = None
    if "lease_holder" in item and expires > now_ms:
        lease = {"holder": item["lease_holder"]["S"], "expiresAt": iso_ms(expires)}
    value = {"actorId": args.actor_id, "key": item["pk"]["S"],
             "version": int(_number(item, "version")), "lease": lease,
             "undeliveredEffects": len(item.get("outbox", {}).get("L", [])),
             "turnMs": _number(item, "turn_ms") or None, "state": state}
    if out.json_mode:
        out.result(value)
        return
    summary = {k: v for k, v in value.items() if k != "state"}
    summary["lease"] = f"held by {lease['holder']} until {lease['expiresAt']}" if lease else "free"
    out.fields(summary)
    out.result(state)


def run_history(args: Any, out: Output) -> None:
    item = read_item(args)
    ids = _strings(item, "processed")
    sent = [int(v.get("N", 0)) for v in item.get("processed_at", {}).get("L", [])]
    sent += [0] * (len(ids) - len(sent))
    rows = [{"#": n, "messageId": mid, "sentAt": iso_ms(at), "age": age(at)}
            for n, (mid, at) in enumerate(zip(ids, sent), 1)]
    out.table(rows, ["#", "messageId", "sentAt", "age"], empty="(no message applied yet)",
              extra={"actorId": args.actor_id, "version": int(_number(item, "version"))})
    if not out.json_mode:
        out.progress(f"version {int(_number(item, 'version'))}; the {len(ids)} most recent "
                     "applied message ids, oldest first (older ones are archived)")
