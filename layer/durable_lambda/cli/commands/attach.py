"""``durable-lambda attach FUNCTION --stack NAME [--format sam|terraform]``.

Prints what an existing function needs to use the fabric — the layer, every setting, the
policy, JSON logs — with the deployed stack's real values (1 DescribeStacks; or ``--stage``:
the SSM parameters). Warns when the name does not start with the stack's UserFunctionPrefix
(the router would not be allowed to invoke it).
"""
from __future__ import annotations

import argparse
from typing import Any

from durable_lambda.cli.errors import USAGE, CliError
from durable_lambda.cli.output import Output


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    from durable_lambda.cli.snippets import DEFAULT_MEMORY, DEFAULT_TIMEOUT, FORMATS

    parser = groups.add_parser("attach", parents=[common],
                               help="print the SAM/Terraform snippet attaching a function")
    parser.add_argument("function", help="the function's name")
    parser.add_argument("--format", choices=FORMATS, default="sam")
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("--architecture", default="x86_64", choices=("x86_64", "arm64"))
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                        help=f"seconds (default {DEFAULT_TIMEOUT}; sync calls need "
                             "DURABLE_SYNC_WAIT_SECONDS + 5)")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY)
    parser.set_defaults(run=run)


def run(args: Any, out: Output) -> None:
    from durable_lambda.cli import snippets
    from durable_lambda.cli.connect import connect

    if not (args.stack or args.stage or args.ssm_path or args.local):
        raise CliError("attach needs the deployed fabric: --stack NAME (or --stage STAGE)",
                       USAGE)
    if args.timeout < 15:
        out.progress(f"warning: a {args.timeout} s timeout leaves sync calls no time to wait "
                     "for a busy actor (DURABLE_SYNC_WAIT_SECONDS + 5 s is needed)")
    values = snippets.Values.from_connection(connect(args))
    warning = snippets.prefix_warning(args.function, values.prefix)
    if warning:
        out.progress(f"warning: {warning}")
    no_destination = snippets.destination_warning(values)
    if no_destination:
        out.progress(f"warning: {no_destination}")
    text = snippets.render(args.format, args.function, values, runtime=args.runtime,
                           architecture=args.architecture, timeout=args.timeout,
                           memory=args.memory,
                           comment=f"{args.function} on durable-lambda ({values.source})")
    out.result({"format": args.format, "function": args.function, "snippet": text,
                "warning": warning}, human=text)
