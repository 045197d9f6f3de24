"""The ``durable-lambda`` command: argument parsing, dispatch, errors and exit codes.

Each command group is a module of ``durable_lambda.cli.commands`` with ``register(parsers,
common)``; its handlers import boto3 and the runtime only when they run, so ``--help`` and
usage errors answer at once. Exit codes: ``durable_lambda.cli.errors``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import import_module
from typing import Any, Optional

from durable_lambda.cli.errors import INTERRUPTED, OK, USAGE, CliError, classify
from durable_lambda.cli.output import Output

GROUPS = ("init", "attach", "actor", "workflow", "callback", "dlq", "local")
_MODULES = {"init": "scaffold"}


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options accepted before or after the command (``suppress``: the per-command copy,
    which leaves a value given before the command alone)."""
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument("--json", action="store_true", default=default(False),
                        help="print one JSON document (for scripts)")
    where = parser.add_argument_group("fabric (default: the DURABLE_* environment)")
    where.add_argument("--local", action="store_true", default=default(False),
                       help="the running `durable-lambda local up`")
    where.add_argument("--stack", metavar="NAME", default=default(None),
                       help="a deployed stack: settings from its CloudFormation outputs")
    where.add_argument("--stage", metavar="STAGE", default=default(None),
                       help="settings from SSM parameters under /durable-lambda/STAGE/")
    where.add_argument("--ssm-path", metavar="PATH", default=default(None),
                       help="settings from SSM parameters under PATH")
    where.add_argument("--endpoint-url", metavar="URL", default=default(None),
                       help="another AWS endpoint (the local AWS); also DURABLE_ENDPOINT_URL")
    where.add_argument("--region", metavar="REGION", default=default(None),
                       help="AWS region (default: the AWS_REGION / profile's)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="durable-lambda",
        description="Operate durable-lambda: scaffold and attach functions, call actors, "
                    "inspect and drive durable executions, complete callbacks, redrive the "
                    "DLQ, run the fabric locally. docs/operating.md has the reference.",
        epilog="exit codes: 0 ok, 1 failed, 2 usage, 3 configuration, 4 not found, "
               "5 AWS error, 130 interrupted")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    groups = parser.add_subparsers(dest="group", metavar="COMMAND")
    for group in GROUPS:
        module = import_module(f"durable_lambda.cli.commands.{_MODULES.get(group, group)}")
        module.register(groups, common)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        (getattr(args, "group_parser", None) or parser).print_help(sys.stderr)
        return USAGE
    out = Output(json_mode=args.json)
    _runtime_logs()
    try:
        code = run(args, out)
        return OK if code is None else int(code)
    except KeyboardInterrupt:
        out.progress("interrupted")
        return INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every failure is reported with its exit code
        if os.environ.get("DURABLE_CLI_DEBUG"):
            raise
        error: CliError = classify(exc)
        out.progress(f"error: {error}")
        if out.json_mode:
            out.out.write(json.dumps({"error": str(error), "exitCode": error.code}) + "\n")
        return error.code


def _runtime_logs() -> None:
    """The runtime's own log lines (it logs what the commands report anyway): JSON on stderr
    at DURABLE_LOG_LEVEL when that is set, else none below CRITICAL."""
    from durable_lambda.core.logging import configure_logging

    level = os.environ.get("DURABLE_LOG_LEVEL")
    configure_logging(stream=sys.stderr, level=level or "CRITICAL", lambda_json=False)


if __name__ == "__main__":
    raise SystemExit(main())
