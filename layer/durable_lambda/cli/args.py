"""Argument helpers shared by the commands: JSON values from the command line, files or stdin."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

from durable_lambda.cli.errors import USAGE, CliError


def text_arg(value: Optional[str]) -> Optional[str]:
    """``-`` reads stdin, ``@path`` reads a file, anything else is the text itself."""
    if value is None:
        return None
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text()
        except OSError as exc:
            raise CliError(f"cannot read {value[1:]}: {exc.strerror}", USAGE) from None
    return value


def json_arg(value: Optional[str], what: str, default: Any = None) -> Any:
    """A JSON value given as text, ``@file`` or ``-`` (stdin); CliError naming ``what``."""
    text = text_arg(value)
    if text is None:
        return default
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"{what} is not valid JSON ({exc}); quote it, e.g. '{{\"by\": 2}}'",
                       USAGE) from None


def command_group(groups: Any, name: str, help: str) -> Any:
    """A command group (``durable-lambda NAME ACTION``): returns its sub-command parsers; the
    group's own help is printed when no action is given."""
    parser = groups.add_parser(name, help=help)
    parser.set_defaults(group_parser=parser)
    return parser.add_subparsers(dest="command", metavar="ACTION")


def connected(args: Any) -> Any:
    """Resolve and activate the fabric for a command (``connect.connect``)."""
    from durable_lambda.cli.connect import connect

    return connect(args)
