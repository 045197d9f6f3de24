"""durable-lambda: stateful actors and durable workflows for ordinary AWS Lambda functions.

Public API (imported lazily so a cold start pays only for what it uses)::

    from durable_lambda import actor, ActorClient, WorkflowService, ActorBusyError

The package is laid out by part: ``actors/`` (the actor runtime), ``workflows/`` (durable
executions), ``platform/`` (the platform functions' logic), ``core/`` (settings, AWS clients,
errors, envelope, SQS batches) and ``testing/`` (the local AWS, dev only).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "actor": "durable_lambda.actors.handler",
    "ActorContext": "durable_lambda.actors.context",
    "ActorClient": "durable_lambda.actors.client",
    "WorkflowService": "durable_lambda.actors.promises",
    "DurableSettings": "durable_lambda.core.settings",
    "get_settings": "durable_lambda.core.settings",
    **{name: "durable_lambda.core.errors" for name in (
        "DurableError", "ConfigurationError", "InvalidRequestError", "StateTooLargeError",
        "ActorBusyError", "FencedError", "RemoteActorError", "WorkflowAlreadyResolvedError",
        "WorkflowNotFoundError", "WorkflowTimeoutError", "SerializationError")},
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'durable_lambda' has no attribute {name!r}")
    return getattr(import_module(module), name)
