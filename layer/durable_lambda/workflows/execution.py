"""``@durable_execution``: turn ``handler(event, context: DurableContext)`` into a Lambda handler.

``durable_execution(func=None, *, boto3_client=None, plugins=None, name=None, host=None,
options=None)``: ``plugins`` are the SDK's instrumentation plugin factories (see ``plugin``);
``boto3_client`` is accepted for compatibility and unused (there is no durable-execution
service to call); ``name``/``host``/``options`` are durable-lambda's.
"""
from __future__ import annotations

import contextvars
import datetime
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

from durable_lambda.workflows.engine import (
    DEFAULT_LEASE_MS, DurableHandler, ExecutionOptions, run_invocation)
from durable_lambda.workflows.plugin_discovery import load_configured_plugins
from durable_lambda.workflows.host import ExecutionHost, default_host
from durable_lambda.workflows.model import ExecutionRecord
from durable_lambda.workflows.outcome import InvocationOutcome, OutcomeStatus
from durable_lambda.workflows.state import ExecutionState
from durable_lambda.workflows.store import CheckpointStore

if TYPE_CHECKING:
    from durable_lambda.workflows.plugin_info import DurableInstrumentationPluginFactory

_STATUS = {OutcomeStatus.SUCCEEDED: "SUCCEEDED", OutcomeStatus.FAILED: "FAILED",
           OutcomeStatus.SUSPENDED: "PENDING", OutcomeStatus.RETRY: "RETRY"}


class DurableFunction:
    """A durable handler: callable as ``(event, lambda_context)`` (delegates to its host)."""

    def __init__(self, func: DurableHandler, *, name: Optional[str] = None,
                 host: Optional[ExecutionHost] = None,
                 options: Optional[ExecutionOptions] = None,
                 plugins: Optional[list["DurableInstrumentationPluginFactory"]] = None) -> None:
        self.func = func
        self._name = name
        self.host = host
        self.options = options or ExecutionOptions()
        self.plugins = load_configured_plugins(plugins)  # + DURABLE_EXECUTION_PLUGINS
        self.__name__ = getattr(func, "__name__", "durable_function")
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    @property
    def name(self) -> str:
        """Function name executions are recorded under (AWS_LAMBDA_FUNCTION_NAME in Lambda)."""
        return self._name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or self.__name__

    def __call__(self, event: Any, lambda_context: Any = None) -> Any:
        return (self.host or default_host()).handle(self, event, lambda_context)

    def run(self, store: CheckpointStore, execution_id: str, holder: str, *,
            record: ExecutionRecord | None = None, lease_ms: int = DEFAULT_LEASE_MS,
            lambda_context: Any = None, clock: Callable[[], int] | None = None
            ) -> InvocationOutcome:
        """One engine invocation (see ``engine.run_invocation``), with this invocation's
        plugins when there are any."""
        if not self.plugins:
            return run_invocation(self.func, store, execution_id, holder, record=record,
                                  lease_ms=lease_ms, options=self.options,
                                  lambda_context=lambda_context, clock=clock)
        from durable_lambda.workflows.plugin_executor import PluginExecutor  # only with plugins
        from durable_lambda.workflows.plugin_host import end_failed_invocation
        from durable_lambda.workflows.plugin_view import ServiceView
        from durable_lambda.workflows.plugin_info import (
            DurableExecutionInvocationOutput, InvocationStatus)
        plugins = PluginExecutor(self.plugins)

        def handler(event: Any, context: Any) -> Any:
            state: ExecutionState = context.state
            state.plugins = plugins
            view = ServiceView(state)  # the operations as the service shows them
            plugins.follow_timers(view.came_due)
            plugins.on_invocation_start(
                execution_id, not state.operations(),
                datetime.datetime.fromtimestamp(state.created_ms / 1000, datetime.UTC),
                lambda_context, event, view.operations, view.updated_ids)
            return self.func(event, context)

        def invocation() -> InvocationOutcome:
            with plugins.run():
                try:
                    outcome = run_invocation(handler, store, execution_id, holder, record=record,
                                             lease_ms=lease_ms, options=self.options,
                                             lambda_context=lambda_context, clock=clock)
                except BaseException as exc:
                    end_failed_invocation(plugins, exc)
                    raise
                plugins.on_invocation_end(DurableExecutionInvocationOutput(
                    InvocationStatus(_STATUS[outcome.status]),
                    outcome.result if outcome.status is OutcomeStatus.SUCCEEDED else None,
                    outcome.error))
            return outcome
        # As the SDK: the invocation runs in a copy of the caller's context, so a ContextVar a
        # hook sets is seen by the handler and its hooks and not by the next invocation.
        return contextvars.copy_context().run(invocation)


def durable_execution(func: Optional[DurableHandler] = None, *, boto3_client: Any = None,
                      plugins: Optional[list["DurableInstrumentationPluginFactory"]] = None
                      ) -> Any:
    """The official SDK's decorator, same signature: bare (``@durable_execution``) or with
    arguments (``@durable_execution(plugins=[factory])``). ``boto3_client`` is accepted and
    unused (durable-lambda has no service to call). For durable-lambda's own options (name,
    host, execution options) use ``durable_function``."""
    del boto3_client
    return durable_function(func, plugins=plugins)


def durable_function(func: Optional[DurableHandler] = None, *,
                     plugins: Optional[list["DurableInstrumentationPluginFactory"]] = None,
                     name: Optional[str] = None, host: Optional[ExecutionHost] = None,
                     options: Optional[ExecutionOptions] = None) -> Any:
    """``durable_execution`` with durable-lambda's options: ``name`` (the function name
    executions are recorded under), ``host`` (who runs invocations), ``options``
    (``ExecutionOptions``: lease, checkpoint batching)."""
    def wrap(f: DurableHandler) -> DurableFunction:
        return DurableFunction(f, name=name, host=host, options=options, plugins=plugins)
    return wrap(func) if func is not None else wrap
