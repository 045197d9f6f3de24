"""``ExecutionHost``: who runs a ``@durable_execution`` handler's Lambda invocations.

The engine (``engine.run_invocation``) knows nothing about Lambda, SQS or timers. A host does:

* turns the Lambda event into work: a direct start (``{"input": ..., "name"?: ...}`` or a plain
  input) -> ``store.start_execution`` + run; SQS batches of ``kind="workflow"`` envelopes
  -> resume ``executionId``;
* picks the lease ``holder`` (e.g. the Lambda request id) and calls
  ``function.run(store, execution_id, holder)`` (-> ``engine.run_invocation``);
* acts on the ``InvocationOutcome``: SUSPENDED -> schedule a resume at
  ``plan.earliest_due_ms`` and start every ``plan.invokes`` child execution (idempotently:
  ``name=f"{execution_id}:{operation_id}"``, ``parent={"executionId", "operationId"}``);
  SUCCEEDED/FAILED with a ``parent`` -> complete the parent's CHAINED_INVOKE operation with
  ``store.complete_external`` and resume the parent.

HOSTING supplies the Lambda host (DynamoDBStore + SQS/Scheduler); it registers it with
``register_default_host(factory)`` (done on import of ``durable_lambda.workflows.hosting``
if that module exists) or a handler passes one: ``@durable_function(host=...)``.
The local test runner (``durable_lambda.testing.durable_runner``) drives functions itself.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Optional, Protocol, runtime_checkable

from durable_lambda.core.errors import ConfigurationError
from durable_lambda.workflows.outcome import InvocationOutcome
from durable_lambda.workflows.store import CheckpointStore

HOSTING_MODULE = "durable_lambda.workflows.hosting"


class HostedFunction(Protocol):
    """What a host needs of a durable function (``execution.DurableFunction`` is one)."""

    @property
    def name(self) -> str: ...

    def run(self, store: CheckpointStore, execution_id: str, holder: str, **options: Any
            ) -> InvocationOutcome: ...


@runtime_checkable
class ExecutionHost(Protocol):
    def handle(self, function: HostedFunction, event: Any, lambda_context: Any) -> Any:
        """Serve one Lambda invocation of ``function``; returns the Lambda response."""


_default_factory: Optional[Callable[[], ExecutionHost]] = None
_default_host: Optional[ExecutionHost] = None


def register_default_host(factory: Callable[[], ExecutionHost]) -> None:
    """Set the factory used by handlers that were not given a host (created once, lazily)."""
    global _default_factory, _default_host
    _default_factory, _default_host = factory, None


def default_host() -> ExecutionHost:
    """The registered default host; imports ``HOSTING_MODULE`` first if nothing registered."""
    global _default_host
    if _default_host is None:
        if _default_factory is None:
            try:
                importlib.import_module(HOSTING_MODULE)
            except ModuleNotFoundError as exc:
                if exc.name != HOSTING_MODULE:
                    raise
        if _default_factory is None:
            raise ConfigurationError(
                "no durable execution host: register one with "
                "durable_lambda.workflows.host.register_default_host or pass host=")
        _default_host = _default_factory()
    return _default_host
