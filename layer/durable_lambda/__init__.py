"""durable-lambda: stateful actors and durable workflows for ordinary AWS Lambda functions.

Public API (imported lazily so a cold start pays only for what it uses)::

    from durable_lambda import actor, ActorClient, WorkflowService
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "actor": "durable_lambda.actor_handler",
    "ActorContext": "durable_lambda.actor_context",
    "ActorClient": "durable_lambda.client",
    "WorkflowService": "durable_lambda.workflow_service",
    "DurableSettings": "durable_lambda.settings",
    "get_settings": "durable_lambda.settings",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'durable_lambda' has no attribute {name!r}")
    return getattr(import_module(module), name)
