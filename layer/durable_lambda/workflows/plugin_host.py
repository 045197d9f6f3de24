"""``PluginHost``: the handler-lifetime owner of the plugin factories (the SDK's)."""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, Optional

from durable_lambda.workflows.errors import error_object_of
from durable_lambda.workflows.model import ErrorObject
from durable_lambda.workflows.plugin_executor import LOG, PluginExecutor
from durable_lambda.workflows.plugin_info import (
    DurableExecutionInvocationOutput, DurableInstrumentationPluginFactory, InvocationStatus)


def end_failed_invocation(executor: PluginExecutor, error: BaseException) -> None:
    """The invocation-end hook (RETRY, with ``error``) of an invocation that raised ``error``;
    whatever the hook raises is logged, so the invocation's own failure is what propagates."""
    try:
        executor.on_invocation_end(DurableExecutionInvocationOutput(
            InvocationStatus.RETRY, error=error_object_of(error)))
    except BaseException:  # noqa: BLE001 - the invocation's failure wins
        LOG.exception("Plugin invocation-end hook failed while the invocation was already "
                      "failing; the original failure is raised")


class PluginHost:
    """The factories of one handler; each invocation gets a fresh executor."""

    def __init__(self, plugins: Optional[list[DurableInstrumentationPluginFactory]]) -> None:
        self._plugin_factories = list(plugins or [])

    @contextlib.contextmanager
    def invocation(self) -> Iterator[PluginExecutor]:
        """One invocation's executor, inside its ``run()`` scope."""
        executor = PluginExecutor(self._plugin_factories)
        with executor.run():
            yield executor

    @property
    def handle_durable_output(self) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: ``func(event, context, executor) -> output dict`` becomes a handler whose
        invocation-end hook sees the output (``Status``, ``Result``, ``Error``), or RETRY with
        the error when ``func`` raises."""
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(func)
            def wrapper(event: Any, context: Any) -> Any:
                with self.invocation() as executor:
                    try:  # an output that is not one fails the invocation, as the SDK
                        output = func(event, context, executor)
                        error = output.get("Error")
                        completed = DurableExecutionInvocationOutput(
                            InvocationStatus(output.get("Status")), output.get("Result"),
                            ErrorObject.from_dict(error) if error else None)
                    except BaseException as exc:
                        end_failed_invocation(executor, exc)
                        raise
                    executor.on_invocation_end(completed)  # once: outside the try
                    return output
            return wrapper
        return decorator


__all__ = ["PluginHost", "end_failed_invocation"]
