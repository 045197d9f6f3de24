"""The plugin hooks the engine calls, as no-ops: the executor of invocations without plugins.

``PluginExecutor`` (``plugin_executor``) overrides them; it and the plugin info types are only
imported when a function is given plugins, so a plugin-free cold start does not pay for them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Optional

from durable_lambda.workflows.model import (
    Operation, OperationStatus, OperationType, OperationUpdate)


class NoPlugins:
    """Every hook does nothing; ``has_plugins`` is False."""

    @property
    def has_plugins(self) -> bool:
        return False

    def before_update(self, update: OperationUpdate, previous: Optional[Operation],
                      now_ms: int) -> None:
        """``ExecutionState.enqueue``, before applying ``update``."""

    def after_update(self, operation: Operation) -> None:
        """``ExecutionState.enqueue``, once the update is applied."""

    def on_replay(self, operation: Operation, now_ms: int) -> None:
        """Replay reached a recorded operation."""

    def on_checkpoint(self, execution_arn: str, operations: Mapping[str, Operation]) -> None:
        """A checkpoint was written."""

    def on_timers_due(self, now_ms: int) -> None:
        """A map/parallel resumes branches whose timer came due while others ran."""

    def wrap_user_function(self, func: Callable[..., Any], ref: Any,
                           operation_type: OperationType, sub_type: str,
                           is_replay_children: bool = False, attempt: Optional[int] = None
                           ) -> Callable[..., Any]:
        """``func``, with the user-function hooks around it when there are plugins."""
        return func

    def child_context_ended(self, ref: Any, sub_type: str, status: OperationStatus,
                            error: Any = None, is_replayed: bool = False) -> None:
        """A child context ended without a new terminal checkpoint."""


#: the hooks of invocations without plugins
NO_PLUGINS = NoPlugins()
