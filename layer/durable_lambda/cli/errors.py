"""CLI errors and exit codes: every failure names what is wrong and exits with its code."""
from __future__ import annotations

from typing import Any

OK = 0
#: the operation ran and failed: a remote function error, an execution that FAILED
FAILED = 1
#: bad command line (argparse's own code)
USAGE = 2
#: settings or stack missing/invalid, no credentials, local AWS not running
CONFIGURATION = 3
#: the actor, execution, callback or stack does not exist
NOT_FOUND = 4
#: AWS (or the local AWS) refused or could not be reached
SERVICE = 5
#: Ctrl-C
INTERRUPTED = 130


class CliError(Exception):
    """A failure to report as ``error: <message>`` with exit code ``code``."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def classify(exc: BaseException) -> CliError:
    """The CliError for an exception raised by durable-lambda, boto3 or the network."""
    if isinstance(exc, CliError):
        return exc
    name = type(exc).__name__
    from durable_lambda.core.errors import (
        ConfigurationError, InvalidRequestError, RemoteActorError, WorkflowNotFoundError)

    if isinstance(exc, ConfigurationError):
        return CliError(str(exc), CONFIGURATION)
    if isinstance(exc, InvalidRequestError):
        return CliError(str(exc), USAGE)
    if isinstance(exc, RemoteActorError):
        if exc.error_type == "ResourceNotFoundException":
            return CliError(f"no such function: {exc.error_message}", NOT_FOUND)
        return CliError(f"the function failed: {exc}", FAILED)
    if isinstance(exc, WorkflowNotFoundError) or name in (
            "ExecutionNotFoundError", "CallbackNotFoundError"):
        return CliError(str(exc), NOT_FOUND)
    if name in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError"):
        return CliError(f"AWS credentials/region: {exc} (or use --local)", CONFIGURATION)
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                "ConnectionClosedError"):
        return CliError(f"cannot reach AWS: {exc}", SERVICE)
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = response["Error"].get("Code", "")
        message = response["Error"].get("Message", "")
        if code in ("ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue",
                    "QueueDoesNotExist", "ParameterNotFound"):
            return CliError(f"{code}: {message}", NOT_FOUND)
        if code in ("ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException",
                    "InvalidClientTokenId", "AccessDenied", "AccessDeniedException"):
            return CliError(f"{code}: {message}", CONFIGURATION)
        return CliError(f"{code}: {message}", SERVICE)
    return CliError(f"{name}: {exc}", FAILED)
