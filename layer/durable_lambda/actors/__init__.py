"""Actors: one logical instance per id, a single writer at a time (lease + fencing), state in
DynamoDB, sync calls and ordered async messages.

Public surface (imported lazily so a cold start pays only for what it uses)::

    from durable_lambda.actors import actor, ActorContext, ActorClient, WorkflowService
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "actor": "handler",
    "ActorContext": "context",
    "ActorClient": "client",
    "WorkflowService": "promises",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'durable_lambda.actors' has no attribute {name!r}")
    return getattr(import_module(f"durable_lambda.actors.{module}"), name)
