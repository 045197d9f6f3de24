"""``durable-lambda init actor|workflow NAME`` — scaffold a function from the shipped templates.

Writes ``NAME/app.py`` (the handler), ``NAME/test_app.py`` (a test on the local runner: the
local fabric for an actor, the in-process durable runner for a workflow) and the snippets that
attach it: ``NAME/sam.yaml`` and ``NAME/main.tf`` (SSM references to ``--stage``, or the real
values of ``--stack``). Never overwrites a file unless ``--force``.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from durable_lambda.cli.errors import USAGE, CliError
from durable_lambda.cli.output import Output

KINDS = ("actor", "workflow")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    parser = groups.add_parser("init", parents=[common],
                               help="scaffold an actor or workflow function")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("name", help="function name (letters, digits, - and _)")
    parser.add_argument("--dir", type=Path, help="where to write (default: ./NAME)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("--architecture", default="x86_64", choices=("x86_64", "arm64"))
    parser.set_defaults(run=run, stage_default="dev")


def run(args: Any, out: Output) -> None:
    import jinja2

    from durable_lambda.cli import snippets

    if not NAME.match(args.name):
        raise CliError(f"function name {args.name!r}: use 1-64 letters, digits, - and _, "
                       "starting with a letter", USAGE)
    directory: Path = args.dir or Path(args.name)
    if args.stack:
        from durable_lambda.cli.connect import from_stack

        values = snippets.Values.from_connection(from_stack(args.stack, args.endpoint_url))
    else:
        values = snippets.Values.from_ssm(args.stage or args.stage_default)
    env = jinja2.Environment(loader=jinja2.PackageLoader("durable_lambda.cli", "templates"),
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    context = {"function_name": args.name, "directory": str(directory)}
    comment = f"{args.name} on durable-lambda ({values.source})"
    files = {
        "app.py": env.get_template(f"{args.kind}/app.py.j2").render(context),
        "test_app.py": env.get_template(f"{args.kind}/test_app.py.j2").render(context),
        "sam.yaml": snippets.render("sam", args.name, values, runtime=args.runtime,
                                    architecture=args.architecture, comment=comment,
                                    code_uri=".", complete=True),
        "main.tf": snippets.render("terraform", args.name, values, runtime=args.runtime,
                                   architecture=args.architecture, comment=comment),
    }
    existing = [name for name in files if (directory / name).exists()]
    if existing and not args.force:
        raise CliError(f"{directory} already has {', '.join(existing)}; --force overwrites",
                       USAGE)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    written = [str(directory / name) for name in files]
    warning = snippets.prefix_warning(args.name, values.prefix)
    if warning:
        out.progress(f"warning: {warning}")
    out.result({"kind": args.kind, "name": args.name, "files": written},
               human="\n".join(["created " + path for path in written]
                               + [f"next: python -m pytest {directory}"]))
