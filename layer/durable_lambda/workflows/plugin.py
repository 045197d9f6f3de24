"""Instrumentation plugins (the official SDK's ``plugin`` module).

``@durable_execution(plugins=[factory])``: for every invocation each factory's
``create_plugin(InvocationStartInfo)`` builds one ``DurableInstrumentationPlugin`` that serves
only that invocation. Every hook is a synchronous call, to the plugins in registration order,
on the thread the SDK names:

- ``on_invocation_start`` / ``on_invocation_end``: the handler's thread, before the handler runs
  / after it returned and every other hook of the invocation ran (status SUCCEEDED, FAILED,
  PENDING — suspended — or RETRY when the invocation itself failed);
- ``on_operation_start``: before an operation's START is checkpointed, or when a prior
  non-terminal operation is replayed (``is_replayed``);
- ``on_user_function_start`` / ``on_user_function_end``: around a step function, a
  child-context body and a wait_for_condition check;
- ``on_operation_end``: when an operation reaches a terminal status in this invocation, before
  it returns to user code (once per operation; an operation completed from outside while the
  execution was suspended is reported when the resumed invocation reaches it);
- ``on_operation_change``: on the invocation's ``plugin-change`` thread (``plugin_change``),
  after checkpoints were written, with the operations whose status changed since the previous
  call (several checkpoints may merge into one call); all delivered before
  ``on_invocation_end``.

A hook that raises is logged and ignored; ``KeyboardInterrupt``, ``SystemExit`` and
``GeneratorExit`` (also inside an exception group) propagate, after every plugin got the
invocation-end hook when that one raised them. A factory that raises or returns something that
is not a plugin is skipped for that invocation. The invocation runs in a copy of the caller's
``contextvars`` context. Registration (``plugin_discovery``, ``plugin_registration``) honours
a factory's ``exclusive_group`` and ``on_registration_result`` as the SDK.
"""
from __future__ import annotations

from durable_lambda.workflows.model import (  # noqa: F401 (the SDK's plugin module has them)
    ErrorObject, Operation, OperationStatus, OperationUpdate)
from durable_lambda.workflows.plugin_executor import PluginExecutor  # noqa: F401
from durable_lambda.workflows.plugin_host import PluginHost  # noqa: F401 (re-exported)
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
