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

import copy
import datetime
import functools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional, Protocol

from durable_lambda.workflows.errors import error_object_of
from durable_lambda.workflows.model import (  # noqa: F401 (the SDK's plugin module has them)
    ErrorObject, Operation, OperationStatus, OperationUpdate)

LOG = logging.getLogger(__name__)
_CONTROL = (KeyboardInterrupt, SystemExit, GeneratorExit)
_TERMINAL = frozenset({OperationStatus.SUCCEEDED, OperationStatus.FAILED,
                       OperationStatus.TIMED_OUT, OperationStatus.CANCELLED,
                       OperationStatus.STOPPED})


class InvocationStatus(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"
    RETRY = "RETRY"


class OperationType(Enum):
    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


def _time(ms: Optional[int]) -> Optional[datetime.datetime]:
    return None if ms is None else datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class OperationInfo:
    operation_id: str
    operation_type: OperationType
    sub_type: Optional[str]
    name: Optional[str]
    parent_id: Optional[str]
    start_time: Optional[datetime.datetime]
    is_replayed: bool
    status: OperationStatus
    end_time: Optional[datetime.datetime] = field(default=None, kw_only=True)
    result: Optional[str] = field(default=None, kw_only=True)
    error: Optional[ErrorObject] = field(default=None, kw_only=True)
    attempt: Optional[int] = field(default=None, kw_only=True)

    @staticmethod
    def from_operation(operation: Operation, *, is_replayed: bool = False) -> "OperationInfo":
        return OperationInfo(**_fields(operation), is_replayed=is_replayed)


def _fields(op: Operation) -> dict[str, Any]:
    return dict(operation_id=op.id, operation_type=OperationType(op.type.value),
                sub_type=op.sub_type, name=op.name, parent_id=op.parent_id,
                start_time=_time(op.start_ms), status=op.status, end_time=_time(op.end_ms),
                result=op.result, error=op.error,
                attempt=op.attempt if op.type.value == "STEP" else None)


@dataclass(frozen=True)
class OperationStartInfo(OperationInfo):
    pass


@dataclass(frozen=True)
class OperationEndInfo(OperationInfo):
    pass


@dataclass(frozen=True)
class OperationChangeInfo:
    execution_arn: Optional[str]
    updated_operations: dict[str, OperationInfo]
    operations: dict[str, OperationInfo]


class UserFunctionOutcome(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    INCOMPLETE = "INCOMPLETE"

    @classmethod
    def from_error(cls, error: Optional[ErrorObject]) -> "UserFunctionOutcome":
        return cls.SUCCEEDED if error is None else cls.FAILED


@dataclass(frozen=True)
class UserFunctionStartInfo(OperationInfo):
    is_replay_children: bool = False


@dataclass(frozen=True)
class UserFunctionEndInfo(OperationInfo):
    is_replay_children: bool
    outcome: UserFunctionOutcome

    @classmethod
    def from_start_info(cls, start_info: UserFunctionStartInfo, error: Optional[ErrorObject], *,
                        outcome: Optional[UserFunctionOutcome] = None) -> "UserFunctionEndInfo":
        s = start_info
        return cls(operation_id=s.operation_id, operation_type=s.operation_type,
                   sub_type=s.sub_type, name=s.name, parent_id=s.parent_id,
                   start_time=s.start_time, is_replayed=s.is_replayed, status=s.status,
                   is_replay_children=s.is_replay_children, attempt=s.attempt,
                   outcome=outcome or UserFunctionOutcome.from_error(error), end_time=_now(),
                   error=error)


_HIDDEN = dict(kw_only=True, repr=False, compare=False, hash=False)


@dataclass(frozen=True)
class InvocationInfo:
    request_id: Optional[str]
    execution_arn: Optional[str]
    is_first_invocation: bool
    execution_start_time: Optional[datetime.datetime] = None
    execution_input: Any = field(default=None, **_HIDDEN)  # type: ignore[call-overload]
    operations: dict[str, OperationInfo] = field(default_factory=dict,
                                                 **_HIDDEN)  # type: ignore[call-overload]


@dataclass(frozen=True)
class InvocationStartInfo(InvocationInfo):
    updated_operations: dict[str, OperationInfo] = field(default_factory=dict,
                                                         **_HIDDEN)  # type: ignore[call-overload]


@dataclass(frozen=True)
class InvocationEndInfo(InvocationInfo):
    status: InvocationStatus = field(kw_only=True)
    error: Optional[ErrorObject] = None
    execution_result: Optional[str] = field(default=None, **_HIDDEN)  # type: ignore[call-overload]


@dataclass(frozen=True)
class PropagationInput:
    execution_arn: str
    operation_id: str
    target_function_name: str
    parent_operation_id: Optional[str] = None


@dataclass(frozen=True)
class PropagationMetadata:
    x_amzn_trace_id: Optional[str] = None


class DurableInstrumentationPlugin:
    """Base class of plugins: override the hooks you need (see the module docstring)."""

    def provide_propagation_metadata(self, info: PropagationInput) -> Optional[PropagationMetadata]:
        return None

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        pass

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        pass

    def on_operation_start(self, info: OperationStartInfo) -> None:
        pass

    def on_operation_end(self, info: OperationEndInfo) -> None:
        pass

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        pass

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        pass

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        pass


class DurableInstrumentationPluginFactory(Protocol):
    """Builds one plugin instance per invocation."""

    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin: ...


_DISPATCH = {
    InvocationStartInfo: "on_invocation_start", InvocationEndInfo: "on_invocation_end",
    OperationStartInfo: "on_operation_start", OperationEndInfo: "on_operation_end",
    OperationChangeInfo: "on_operation_change", UserFunctionStartInfo: "on_user_function_start",
    UserFunctionEndInfo: "on_user_function_end",
}


def _contained(what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except _CONTROL:
        raise
    except BaseException:  # noqa: BLE001 - a plugin must not fail the execution
        LOG.exception("%s exception ignored", what)
        return None


class PluginExecutor:
    """The plugins of one invocation and the bookkeeping that calls each hook once."""

    def __init__(self, factories: Optional[list[DurableInstrumentationPluginFactory]]) -> None:
        self._factories = list(factories or [])
        self._plugins: list[DurableInstrumentationPlugin] = []
        self._start: Optional[InvocationStartInfo] = None
        self._lock = threading.Lock()
        self._started: set[str] = set()  # operation ids whose start hook ran
        self._ended: set[str] = set()
        self._reported: dict[str, OperationStatus] = {}  # status last given to change hooks
        self._updated: frozenset[str] = frozenset()

    @property
    def has_plugins(self) -> bool:
        return bool(self._factories)

    # -- dispatch ----------------------------------------------------------------------------
    def execute_plugins(self, info: Any) -> None:
        method = _DISPATCH[type(info)]
        for plugin in self._plugins:
            _contained(f"Plugin {type(plugin).__name__}",
                       functools.partial(getattr(plugin, method), info))

    def _once(self, seen: set[str], operation_id: str) -> bool:
        with self._lock:
            if operation_id in seen:
                return False
            seen.add(operation_id)
            return True

    # -- invocation ----------------------------------------------------------------------------
    def on_invocation_start(self, execution_arn: str, is_first_invocation: bool,
                            execution_start_time: Optional[datetime.datetime],
                            request_id: Optional[str], execution_input: Any,
                            operations: Mapping[str, Operation],
                            updated_operation_ids: frozenset[str] = frozenset()) -> None:
        """Build this invocation's plugins from its start info, then call their start hook."""
        if not self.has_plugins:
            return
        infos = _infos(operations)
        self._updated = frozenset(updated_operation_ids)
        self._reported = {op.id: op.status for op in operations.values()}
        self._start = InvocationStartInfo(
            request_id=request_id, execution_arn=execution_arn,
            is_first_invocation=is_first_invocation, execution_start_time=execution_start_time,
            execution_input=_contained("Copying the execution input",
                                       lambda: copy.deepcopy(execution_input)),
            operations=infos,
            updated_operations={i: infos[i] for i in self._updated if i in infos})
        for factory in self._factories:
            plugin = _contained(f"Plugin factory {type(factory).__name__}",
                                functools.partial(factory.create_plugin, self._start))
            if isinstance(plugin, DurableInstrumentationPlugin):
                self._plugins.append(plugin)
            else:
                LOG.error("Plugin factory %s returned %r, not a DurableInstrumentationPlugin; "
                          "plugin ignored", type(factory).__name__, type(plugin).__name__)
        self.execute_plugins(self._start)

    def on_invocation_end(self, status: InvocationStatus, error: Optional[ErrorObject],
                          execution_result: Optional[str],
                          operations: Mapping[str, Operation]) -> None:
        start = self._start
        if start is None:
            return
        self._start = None
        self.execute_plugins(InvocationEndInfo(
            request_id=start.request_id, execution_arn=start.execution_arn,
            is_first_invocation=start.is_first_invocation,
            execution_start_time=start.execution_start_time,
            execution_input=start.execution_input, operations=_infos(operations),
            status=status, error=error, execution_result=execution_result))

    # -- operations ----------------------------------------------------------------------------
    def before_update(self, update: OperationUpdate, previous: Optional[Operation],
                      now_ms: int) -> None:
        """Called before an update is applied: a START runs the start hook."""
        if update.action.value != "START" or not self._once(self._started, update.id):
            return
        self.execute_plugins(OperationStartInfo(
            operation_id=update.id, operation_type=OperationType(update.type.value),
            sub_type=update.sub_type, name=update.name, parent_id=update.parent_id,
            start_time=_time(previous.start_ms if previous else now_ms),
            is_replayed=previous is not None, status=OperationStatus.STARTED))

    def after_update(self, operation: Operation) -> None:
        """Called once an update is applied: a terminal operation runs the end hook."""
        if operation.status in _TERMINAL and self._once(self._ended, operation.id):
            self.execute_plugins(OperationEndInfo(**_fields(operation), is_replayed=False))

    def on_replay(self, operation: Operation, now_ms: int) -> None:
        """Called when replay reaches a recorded operation: a non-terminal one runs the start
        hook (``is_replayed``) unless it is ready to run again (its START runs it then); one
        completed from outside since the last invocation runs the end hook."""
        if operation.status in _TERMINAL:
            if operation.id in self._updated:
                self.after_update(operation)
            return
        ready = operation.status is OperationStatus.READY or (
            operation.status is OperationStatus.PENDING
            and (operation.next_attempt_ms or 0) <= now_ms)
        if not ready and self._once(self._started, operation.id):
            self.execute_plugins(OperationStartInfo(**_fields(operation), is_replayed=True))

    def on_child_context_end(self, operation: Operation) -> None:
        """A child context whose body re-ran on replay (no new terminal checkpoint)."""
        self.execute_plugins(OperationEndInfo(**_fields(operation), is_replayed=True))

    def on_checkpoint(self, execution_arn: str, operations: Mapping[str, Operation]) -> None:
        """Called after a checkpoint was written: the change hook, if any status changed."""
        with self._lock:
            changed = {i: op for i, op in operations.items()
                       if self._reported.get(i) is not op.status}
            self._reported.update({i: op.status for i, op in changed.items()})
        if changed:
            self.execute_plugins(OperationChangeInfo(
                execution_arn, _infos(changed), _infos(operations)))

    def wrap_user_function(self, func: Callable[..., Any], operation_id: str,
                           operation_type: str, sub_type: Optional[str], name: Optional[str],
                           parent_id: Optional[str], is_replay_children: bool = False,
                           attempt: Optional[int] = None) -> Callable[..., Any]:
        """``func`` with the user-function start and end hooks around it."""
        if not self.has_plugins:
            return func

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = UserFunctionStartInfo(
                operation_id=operation_id, operation_type=OperationType(operation_type),
                sub_type=sub_type, name=name, parent_id=parent_id, start_time=_now(),
                is_replayed=False, status=OperationStatus.STARTED,
                is_replay_children=is_replay_children, attempt=attempt)
            self.execute_plugins(start)
            outcome, error = UserFunctionOutcome.INCOMPLETE, None
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                outcome, error = UserFunctionOutcome.FAILED, error_object_of(exc)
                raise
            else:
                outcome = UserFunctionOutcome.SUCCEEDED
                return result
            finally:
                self.execute_plugins(UserFunctionEndInfo.from_start_info(start, error,
                                                                         outcome=outcome))
        return wrapper


def _infos(operations: Mapping[str, Operation]) -> dict[str, OperationInfo]:
    return {i: OperationInfo.from_operation(op) for i, op in operations.items()}


#: the executor of invocations without plugins (every hook is a no-op)
NO_PLUGINS = PluginExecutor(None)


class PluginHost:
    """The factories of one handler; ``invocation()`` gives each invocation its executor."""

    def __init__(self, plugins: Optional[list[DurableInstrumentationPluginFactory]]) -> None:
        self._plugin_factories = list(plugins or [])

    def invocation(self) -> PluginExecutor:
        return PluginExecutor(self._plugin_factories)
