"""``@durable_execution``: turn ``handler(event, context: DurableContext)`` into a Lambda handler."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Optional

from durable_lambda.workflows.engine import (
    DEFAULT_LEASE_MS, DurableHandler, ExecutionOptions, run_invocation)
from durable_lambda.workflows.host import ExecutionHost, default_host
from durable_lambda.workflows.model import ExecutionRecord
from durable_lambda.workflows.outcome import InvocationOutcome
from durable_lambda.workflows.store import CheckpointStore


class DurableFunction:
    """A durable handler: callable as ``(event, lambda_context)`` (delegates to its host)."""

    def __init__(self, func: DurableHandler, *, name: Optional[str] = None,
                 host: Optional[ExecutionHost] = None,
                 options: Optional[ExecutionOptions] = None) -> None:
        self.func = func
        self._name = name
        self.host = host
        self.options = options or ExecutionOptions()
        self.__name__ = getattr(func, "__name__", "durable_function")
        self.__doc__ = func.__doc__

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
        """One engine invocation (see ``engine.run_invocation``)."""
        return run_invocation(self.func, store, execution_id, holder, record=record,
                              lease_ms=lease_ms, options=self.options,
                              lambda_context=lambda_context, clock=clock)


def durable_execution(func: Optional[DurableHandler] = None, *, name: Optional[str] = None,
                      host: Optional[ExecutionHost] = None,
                      options: Optional[ExecutionOptions] = None) -> Any:
    """Decorator, bare (``@durable_execution``) or with arguments (``@durable_execution(host=h)``)."""
    def wrap(f: DurableHandler) -> DurableFunction:
        return DurableFunction(f, name=name, host=host, options=options)
    return wrap(func) if func is not None else wrap
