"""Durable workflows mirroring the official ``aws-durable-execution-sdk-python`` API.

Heavy pieces are imported lazily: ``from durable_lambda.workflows import durable_execution``.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "durable_execution": "execution", "DurableFunction": "execution",
    "DurableContext": "context", "durable_step": "context",
    "durable_with_child_context": "context",
    "StepContext": "operations.common", "WaitForConditionCheckContext": "operations.common",
    "Duration": "config", "StepConfig": "config", "StepSemantics": "config",
    "CallbackConfig": "config", "WaitForCallbackConfig": "config", "InvokeConfig": "config",
    "ChildConfig": "config", "ParallelConfig": "config", "MapConfig": "config",
    "CompletionConfig": "config", "JitterStrategy": "config",
    "WaitForConditionConfig": "config", "WaitForConditionDecision": "config",
    "RetryDecision": "retries", "RetryStrategyConfig": "retries",
    "create_retry_strategy": "retries", "RetryPresets": "retries",
    "WaitStrategyConfig": "waits", "create_wait_strategy": "waits",
    "BatchResult": "batch_result", "BatchItem": "batch_result",
    "BatchItemStatus": "batch_result", "CompletionReason": "batch_result",
    "BatchFailedError": "batch_result",
    "SerDes": "serdes", "JsonSerDes": "serdes",
    "ExecutionOptions": "engine", "run_invocation": "engine",
    "InvocationOutcome": "outcome", "OutcomeStatus": "outcome", "ResumePlan": "outcome",
    "Saga": "saga",
    "InMemoryStore": "store", "CheckpointStore": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'durable_lambda.workflows' has no attribute {name!r}")
    return getattr(importlib.import_module(f"durable_lambda.workflows.{module}"), name)
