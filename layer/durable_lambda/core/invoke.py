"""Invoke another Lambda function (router -> target, client -> actor) with typed errors.

Locally, ``durable_lambda.testing.local_lambda.LocalLambda`` installs an in-process invoker.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import RemoteActorError

#: (function_name, payload, asynchronous) -> response payload; None means "use AWS Lambda".
Invoker = Callable[[str, Any, bool], Any]
_override: Optional[Invoker] = None


def set_invoker(invoker: Optional[Invoker]) -> None:
    """Route invocations to ``invoker`` (local runs) or back to AWS Lambda (None)."""
    global _override
    _override = invoker


def invoke_function(function_name: str, payload: Any, asynchronous: bool = False) -> Any:
    """Invoke ``function_name``; return its result or raise RemoteActorError with its type."""
    if _override is not None:
        return _override(function_name, payload, asynchronous)
    response = aws.client("lambda").invoke(
        FunctionName=function_name,
        InvocationType="Event" if asynchronous else "RequestResponse",
        Payload=json.dumps(payload).encode())
    if asynchronous:
        return None
    body = response["Payload"].read()
    result = json.loads(body) if body else None
    if response.get("FunctionError"):
        result = result if isinstance(result, dict) else {}
        raise RemoteActorError(str(result.get("errorType", "Unhandled")),
                               str(result.get("errorMessage", "")))
    return result
