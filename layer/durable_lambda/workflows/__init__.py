"""Durable workflows: the official ``aws-durable-execution-sdk-python`` (3.0.0) API.

A program written for the SDK runs with its imports changed from
``aws_durable_execution_sdk_python[.X]`` to ``durable_lambda.workflows[.X]``: the package
exports the SDK's top-level names, and the modules ``config``, ``retries``, ``waits``,
``exceptions``, ``types``, ``serdes``, ``plugin``, ``logger``, ``identifier``, ``context`` and
``execution`` carry the names of the SDK modules of the same names. The public names of those
modules are importable from here too. Everything is imported lazily:
``from durable_lambda.workflows import durable_execution`` loads only what it needs.
"""
from __future__ import annotations

import importlib
from typing import Any

#: the official SDK version whose API this package mirrors
__version__ = "3.0.0"


def _names(module: str, names: str) -> dict[str, str]:
    return {name: module for name in names.split()}


_EXPORTS = {
    **_names("execution", "durable_execution durable_function DurableFunction"),
    **_names("context", "DurableContext ExecutionContext durable_step durable_with_child_context "
                        "durable_parallel_branch durable_wait_for_callback"),
    **_names("types", "StepContext WaitForCallbackContext WaitForConditionCheckContext "
                      "OperationContext LoggerInterface LambdaContext DurableExecutionArn "
                      "SummaryGenerator"),
    **_names("config", "Duration StepConfig StepSemantics CallbackConfig WaitForCallbackConfig "
                       "InvokeConfig ChildConfig ParallelConfig MapConfig CompletionConfig "
                       "JitterStrategy NestingType BatchItemStatus CompletionOutcome "
                       "CompletionDecision CompletionItemStatus CompletionStatus ParallelBranch "
                       "complete_batch continue_batch"),
    **_names("waits", "WaitForConditionConfig WaitForConditionDecision WaitStrategyConfig "
                      "create_wait_strategy"),
    **_names("retries", "RetryDecision RetryStrategyConfig create_retry_strategy RetryPresets "
                        "LinearRetryStrategyConfig create_linear_retry_strategy "
                        "WithRetryConfig with_retry"),
    **_names("exceptions", "DurableExecutionsError DurableOperationError ExecutionError "
                           "InvocationError UnrecoverableError TerminationReason StepError "
                           "InvokeError ChildContextError WaitForConditionError CallbackError "
                           "CallbackExternalError CallbackTimeoutError CallbackSubmitterError "
                           "SerDesError RetryableSerDesError StepInterruptedError "
                           "NonDeterministicExecutionError ValidationError PluginLoadError "
                           "InvalidStateError SuspendExecution"),
    **_names("errors", "StepFailedError PayloadTooLargeError ExecutionNotFoundError "
                       "CallbackNotFoundError"),
    **_names("serdes", "SerDes SerDesContext JsonSerDes ExtendedTypeSerDes PassThroughSerDes"),
    **_names("plugin", "DurableInstrumentationPlugin DurableInstrumentationPluginFactory "
                       "InvocationStatus InvocationInfo InvocationStartInfo InvocationEndInfo "
                       "OperationInfo OperationStartInfo OperationEndInfo OperationChangeInfo "
                       "UserFunctionOutcome UserFunctionStartInfo UserFunctionEndInfo "
                       "PropagationInput PropagationMetadata"),
    **_names("batch_result", "BatchResult BatchItem CompletionReason BatchFailedError "
                             "BatchCompletionError"),
    **_names("engine", "ExecutionOptions run_invocation"),
    **_names("outcome", "InvocationOutcome OutcomeStatus ResumePlan"),
    **_names("saga", "Saga"),
    **_names("store", "InMemoryStore CheckpointStore"),
}
__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'durable_lambda.workflows' has no attribute {name!r}")
    return getattr(importlib.import_module(f"durable_lambda.workflows.{module}"), name)
