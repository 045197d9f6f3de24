"""Instrumentation plugins (the official SDK's ``plugin`` module).

``@durable_execution(plugins=[factory])``: for every invocation each factory's
``create_plugin(InvocationStartInfo)`` builds one ``DurableInstrumentationPlugin`` that serves
only that invocation. Its hooks are called synchronously on the thread the SDK names:

- ``on_invocation_start`` / ``on_invocation_end``: before the handler runs / after it returned
  (status SUCCEEDED, FAILED, PENDING — suspended — or RETRY when the invocation itself failed);
- ``on_operation_start``: before an operation's START is checkpointed, or when a prior
  non-terminal operation is replayed (``is_replayed``);
- ``on_user_function_start`` / ``on_user_function_end``: around a step function, a
  child-context body and a wait_for_condition check;
- ``on_operation_end``: when an operation reaches a terminal status in this invocation, before
  it returns to user code (once per operation; an operation completed from outside while the
  execution was suspended is reported when the resumed invocation reaches it);
- ``on_operation_change``: after a checkpoint was written, with the operations whose status
  changed since the previous call.

A hook that raises is logged and ignored (``KeyboardInterrupt``, ``SystemExit``,
``GeneratorExit`` propagate); a factory that raises or returns something that is not a plugin is
skipped for that invocation.
"""
from __future__ import annotations

from durable_lambda.workflows.model import (  # noqa: F401 (the SDK's plugin module has them)
    ErrorObject, Operation, OperationStatus, OperationUpdate)
from durable_lambda.workflows.plugin_executor import (  # noqa: F401 (re-exported)
    PluginExecutor, PluginHost)
from durable_lambda.workflows.plugin_info import (  # noqa: F401 (re-exported)
    DurableExecutionInvocationOutput, DurableInstrumentationPlugin,
    DurableInstrumentationPluginFactory, InvocationEndInfo, InvocationInfo, InvocationStartInfo,
    InvocationStatus, OperationChangeInfo, OperationEndInfo, OperationInfo, OperationStartInfo,
    OperationType, PropagationInput, PropagationMetadata, UserFunctionEndInfo,
    UserFunctionOutcome, UserFunctionStartInfo)

__all__ = [
    "DurableInstrumentationPlugin", "DurableInstrumentationPluginFactory", "InvocationEndInfo",
    "InvocationInfo", "InvocationStartInfo", "InvocationStatus", "OperationChangeInfo",
    "OperationEndInfo", "OperationInfo", "OperationStartInfo", "OperationType", "PluginExecutor",
    "PluginHost", "PropagationInput", "PropagationMetadata", "UserFunctionEndInfo",
    "UserFunctionOutcome", "UserFunctionStartInfo",
]
