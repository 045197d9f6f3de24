"""``PluginExecutor``: one invocation's plugins and the bookkeeping that calls each hook once, on
the thread the SDK names (see ``plugin``). Checkpoints are synchronous here, so an end hook a
checkpoint records is claimed by the thread that wrote it, before the operation returns; change
notifications go to the invocation's plugin change thread (``plugin_change``)."""
from __future__ import annotations

import contextlib
import copy
import functools
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, Optional

from durable_lambda.workflows.errors import error_object_of
from durable_lambda.workflows.identifier import OperationIdentifier
from durable_lambda.workflows.model import (
    ErrorObject, Operation, OperationStatus, OperationUpdate)
from durable_lambda.workflows.model import OperationType as ModelOperationType
from durable_lambda.workflows.plugin_change import ChangeDispatcher
from durable_lambda.workflows.plugin_hooks import NoPlugins
from durable_lambda.workflows.plugin_info import (
    TERMINAL, DurableExecutionInvocationOutput, DurableInstrumentationPlugin,
    DurableInstrumentationPluginFactory, InvocationEndInfo, InvocationStartInfo,
    OperationChangeInfo, OperationEndInfo, OperationInfo, OperationStartInfo, OperationType,
    PropagationInput, PropagationMetadata, UserFunctionEndInfo, UserFunctionOutcome,
    UserFunctionStartInfo, infos_of, now, operation_fields, time_of)
from durable_lambda.workflows.plugin_contain import LOG
from durable_lambda.workflows.plugin_contain import contain as _contain
from durable_lambda.workflows.plugin_contain import contained as _contained
from durable_lambda.workflows.plugin_view import completed_by_service

_DISPATCH = {
    InvocationStartInfo: "on_invocation_start", InvocationEndInfo: "on_invocation_end",
    OperationStartInfo: "on_operation_start", OperationEndInfo: "on_operation_end",
    OperationChangeInfo: "on_operation_change", UserFunctionStartInfo: "on_user_function_start",
    UserFunctionEndInfo: "on_user_function_end",
}


class _Claim:
    """The end hooks a thread took (``run()`` runs them)."""

    def __init__(self, executor: "PluginExecutor", infos: list[OperationEndInfo]) -> None:
        self._executor, self.to_run = executor, infos

    def run(self) -> None:
        for info in self.to_run:
            self._executor.execute_plugins(info)


class PluginExecutor(NoPlugins):
    """One invocation's plugin instances, built by ``on_invocation_start``; single use."""

    def __init__(self, plugins: Optional[list[DurableInstrumentationPluginFactory]]) -> None:
        self._plugin_factories = list(plugins or [])
        self._plugins: list[DurableInstrumentationPlugin] = []
        self._started: list[DurableInstrumentationPlugin] = []  # got on_invocation_start
        self._invocation_status: Optional[InvocationStartInfo] = None
        self._operations_provider: Optional[Callable[[], Mapping[str, Operation]]] = None
        self._came_due: Optional[Callable[[int], None]] = None  # see follow_timers
        self._run_entered = False
        self._end_hooks: dict[str, OperationEndInfo] = {}  # recorded, not yet run
        self._ended: set[str] = set()
        self._started_ops: set[str] = set()  # got a start hook in this invocation
        self._updated: frozenset[str] = frozenset()
        self._reported: dict[str, OperationStatus] = {}
        self.claim_lock = threading.Lock()
        self._dispatcher: Optional[ChangeDispatcher] = None
        self._dispatcher_lock = threading.Lock()

    @property
    def has_plugins(self) -> bool:
        return bool(self._plugin_factories)

    @contextlib.contextmanager
    def run(self) -> Iterator[None]:
        """This executor's one invocation scope (``RuntimeError`` if entered twice)."""
        if self._run_entered:
            raise RuntimeError("PluginExecutor.run() is single-use: this executor has already "
                               "served an invocation. Build one executor per invocation.")
        self._run_entered = True
        try:
            yield
        finally:
            self._finish_hooks()
            self._plugins, self._started, self._invocation_status = [], [], None

    def execute_plugins(self, info: Any, *, finish_fan_out: bool = False) -> None:
        """Dispatch one hook to the plugins that got ``on_invocation_start`` (that one: to
        every plugin, in order), failures contained. A thread-control exception stops the
        fan-out, except for the invocation-end hook and ``finish_fan_out``: then every plugin
        gets the hook and the first such exception is raised afterwards."""
        if not self._plugin_factories:
            return
        method = _DISPATCH[type(info)]
        starting = isinstance(info, InvocationStartInfo)
        ending = finish_fan_out or isinstance(info, InvocationEndInfo)
        held: Optional[BaseException] = None
        for plugin in list(self._plugins if starting else self._started):
            if starting:
                self._started.append(plugin)  # before the hook: a failed start still ends
            try:
                _contained(f"Plugin {type(plugin).__name__}",
                           functools.partial(getattr(plugin, method), info))
            except BaseException as control:  # noqa: BLE001 - thread control only
                if not ending:
                    raise
                held = held or control
        if held is not None:
            raise held

    def provide_propagation_metadata(self, info: PropagationInput) -> PropagationMetadata:
        """The first non-blank ``x_amzn_trace_id`` a plugin provides for a new invoke."""
        for plugin in self._plugins:
            metadata = _contained(f"Plugin {type(plugin).__name__} propagation metadata",
                                  functools.partial(plugin.provide_propagation_metadata, info))
            value = getattr(metadata, "x_amzn_trace_id", None)
            if isinstance(value, str) and value.strip():
                return PropagationMetadata(x_amzn_trace_id=value)
        return PropagationMetadata()

    # -- invocation --------------------------------------------------------------------------
    def on_invocation_start(self, execution_arn: str, is_first_invocation: bool,
                            execution_start_time: Any, lambda_context: Any,
                            execution_input: Any = None,
                            operations_provider: Optional[Callable[[], Mapping[str, Operation]]]
                            = None, updated_operation_ids: Optional[Sequence[str]] = None
                            ) -> None:
        """Build this invocation's plugins from its start info, then call their start hook."""
        if not self.has_plugins:
            return
        self._operations_provider = operations_provider
        operations = dict(operations_provider() if operations_provider else {})
        infos = infos_of(operations)
        self._updated = frozenset(updated_operation_ids or ())
        self._reported = {op.id: op.status for op in operations.values()}
        self._invocation_status = InvocationStartInfo(
            request_id=getattr(lambda_context, "aws_request_id", None),
            execution_arn=execution_arn, is_first_invocation=is_first_invocation,
            execution_start_time=execution_start_time,
            execution_input=_contained("Copying the execution input",
                                       lambda: copy.deepcopy(execution_input)),
            operations=infos,
            updated_operations={i: infos[i] for i in updated_operation_ids or () if i in infos})
        self._create_plugins(self._invocation_status)
        self.execute_plugins(self._invocation_status)

    def _create_plugins(self, info: InvocationStartInfo) -> None:
        """One plugin per factory; a factory that raises or returns no plugin is skipped."""
        for factory in self._plugin_factories:
            name = factory.__qualname__ if isinstance(factory, type) else type(
                factory).__qualname__
            try:
                plugin = factory.create_plugin(info)
            except BaseException as error:  # noqa: BLE001 - a factory must not fail it
                control = _contain(error, f"Plugin factory {name}")
                if control is not None:
                    raise control from None
                continue
            if isinstance(plugin, DurableInstrumentationPlugin):
                self._plugins.append(plugin)
            elif plugin is None:
                LOG.error("Plugin factory %s returned None; plugin ignored", name)
            else:
                LOG.error("Plugin factory %s returned %s, which is not a "
                          "DurableInstrumentationPlugin; plugin ignored", name,
                          type(plugin).__qualname__)

    def on_invocation_end(self, output: DurableExecutionInvocationOutput) -> None:
        """Run the end hooks no thread ran and the pending change notification, then the
        invocation-end hook (once); a thread-control exception of the former is raised after
        it."""
        start = self._invocation_status
        if start is None:
            return
        held: Optional[BaseException] = None
        try:
            self._finish_hooks()
        except BaseException as control:  # noqa: BLE001 - thread control only, held
            held = control
        self._invocation_status = None
        operations = self._operations_provider() if self._operations_provider else None
        try:
            self.execute_plugins(InvocationEndInfo.from_durable_execution_invocation_output(
                start, output, infos_of(operations) if operations is not None else None))
        except BaseException:
            if held is not None:
                raise held  # noqa: B904 - the end hook's is its __context__
            raise
        if held is not None:
            raise held

    def _finish_hooks(self) -> None:
        """The end hooks no thread ran, then the change thread joined (even if one raised)."""
        try:
            self.drain_end_hooks()
        finally:
            with self._dispatcher_lock:
                dispatcher, self._dispatcher = self._dispatcher, None
            if dispatcher is not None:
                dispatcher.join()

    def _submit_change(self, info: OperationChangeInfo) -> None:
        """Hand a change notification to the plugin change thread (started on first use)."""
        with self._dispatcher_lock:
            if self._dispatcher is None:
                deliver = functools.partial(self.execute_plugins, finish_fan_out=True)
                try:
                    self._dispatcher = ChangeDispatcher.start(deliver)
                except RuntimeError:
                    LOG.warning("Plugin change thread could not be started; "
                                "on_operation_change runs once on the handler thread before "
                                "on_invocation_end", exc_info=True)
                    self._dispatcher = ChangeDispatcher(deliver)
            dispatcher = self._dispatcher
        dispatcher.submit(info)

    # -- operations --------------------------------------------------------------------------
    def on_operation_action(self, update: OperationUpdate, operation: Optional[Operation] = None,
                            previous_operation: Optional[Operation] = None) -> None:
        """Before a START is checkpointed: the start hook (``is_replayed`` for a retry). A step
        gets one per attempt, also for a retry this invocation makes when its time comes; an
        operation of another type one per invocation (a map branch run again in a resume wave
        does not start again)."""
        if update.action.value != "START":
            return
        first = self._once(self._started_ops, update.id)
        if not first and update.type is not ModelOperationType.STEP:
            return
        self.execute_plugins(OperationStartInfo(
            operation_id=update.id, operation_type=OperationType(update.type.value),
            sub_type=update.sub_type, name=update.name, parent_id=update.parent_id,
            start_time=time_of(operation.start_ms) if operation else None,
            is_replayed=previous_operation is not None, status=OperationStatus.STARTED))

    def on_operation_replay(self, operation: Operation) -> None:
        """A non-terminal operation met on replay: the start hook, ``is_replayed``."""
        if operation.status in TERMINAL or operation.status is OperationStatus.READY:
            return
        if self._once(self._started_ops, operation.id):
            self.execute_plugins(OperationStartInfo(**operation_fields(operation),
                                                    is_replayed=True))

    def on_operation_update(self, operation_or_operations: Any,
                            operations: Optional[Mapping[str, Operation]] = None,
                            previous_operations: Optional[Mapping[str, Operation]] = None
                            ) -> None:
        """Operations that changed: the end hook of each terminal one (once), and the change
        hook when the maps are given."""
        if operation_or_operations is None or not self.has_plugins:
            return
        changed = list(operation_or_operations) if isinstance(
            operation_or_operations, (list, tuple)) else [operation_or_operations]
        terminal = [op for op in changed if op.status in TERMINAL]
        if terminal:
            self.record_end_hooks(terminal)
            for op in terminal:
                self.claim_end_hook(op.id)
        if operations is not None and previous_operations is not None:
            self.record_change(changed, operations, previous_operations)

    def on_child_context_end(self, operation_identifier: OperationIdentifier,
                             status: OperationStatus, *, error: Optional[ErrorObject] = None,
                             is_replayed: bool = False) -> None:
        """A child context that ended without a new terminal checkpoint (virtual, or re-run to
        rebuild a large result)."""
        ident = operation_identifier
        self.execute_plugins(OperationEndInfo(
            operation_id=ident.operation_id, operation_type=OperationType(ident.type.value),
            sub_type=ident.sub_type, name=ident.name, parent_id=ident.parent_id,
            start_time=None, end_time=now(), status=status, error=error,
            is_replayed=is_replayed))

    def on_user_function_start(self, operation_identifier: OperationIdentifier,
                               is_replay_children: bool = False,
                               attempt: Optional[int] = None) -> UserFunctionStartInfo:
        ident = operation_identifier
        info = UserFunctionStartInfo(
            operation_id=ident.operation_id, operation_type=OperationType(ident.type.value),
            sub_type=ident.sub_type, name=ident.name, parent_id=ident.parent_id,
            start_time=now(), is_replayed=False, status=OperationStatus.STARTED,
            is_replay_children=is_replay_children, attempt=attempt)
        self.execute_plugins(info)
        return info

    def on_user_function_end(self, start_info: UserFunctionStartInfo,
                             error: Optional[ErrorObject], *,
                             outcome: Optional[UserFunctionOutcome] = None) -> None:
        self.execute_plugins(UserFunctionEndInfo.from_start_info(start_info, error,
                                                                 outcome=outcome))

    # -- end hooks and change notifications ----------------------------------------------------
    def record_end_hooks(self, operations: Sequence[Operation],
                         waited_for: Collection[str] = ()) -> None:
        """Record the end hook of each terminal operation (not yet ended in this invocation)."""
        with self.claim_lock:
            for op in operations:
                if op.status in TERMINAL and op.id not in self._ended:
                    self._end_hooks.setdefault(op.id, OperationEndInfo(
                        **operation_fields(op), is_replayed=False))

    def take_end_hook(self, operation_id: str, *, waiter: bool = False) -> Optional[_Claim]:
        """Under ``claim_lock``: take the recorded end hook of ``operation_id`` (None if none)."""
        info = self._end_hooks.pop(operation_id, None)
        if info is None:
            return None
        self._ended.add(operation_id)
        return _Claim(self, [info])

    def claim_end_hook(self, operation_id: str, *, waiter: bool = False) -> None:
        """Run the recorded end hook of ``operation_id`` on the calling thread, if any."""
        with self.claim_lock:
            claim = self.take_end_hook(operation_id, waiter=waiter)
        if claim is not None:
            claim.run()

    def drain_end_hooks(self) -> None:
        """Run every recorded end hook no thread ran, in recording order."""
        while True:
            with self.claim_lock:
                if not self._end_hooks:
                    return
                claim = self.take_end_hook(next(iter(self._end_hooks)))
            if claim is not None:
                claim.run()

    def record_change(self, updated_operations: Sequence[Operation],
                      operations: Mapping[str, Operation],
                      previous_operations: Mapping[str, Operation]) -> None:
        """The change hook for the operations whose status changed (none: no call)."""
        changed = {op.id: op for op in updated_operations
                   if getattr(previous_operations.get(op.id), "status", None) is not op.status}
        if changed and self._invocation_status is not None:
            self._submit_change(OperationChangeInfo(
                self._invocation_status.execution_arn, infos_of(changed), infos_of(operations)))

    # -- durable-lambda's call sites (execution state, operations) ----------------------------
    def before_update(self, update: OperationUpdate, previous: Optional[Operation],
                      now_ms: int) -> None:
        """``ExecutionState.enqueue``, before applying ``update``."""
        self.on_operation_action(update, previous_operation=previous)

    def after_update(self, operation: Operation) -> None:
        """``ExecutionState.enqueue``, once applied: a terminal operation's end hook."""
        if operation.status in TERMINAL:
            self.record_end_hooks([operation])
            self.claim_end_hook(operation.id, waiter=True)

    def on_replay(self, operation: Operation, now_ms: int) -> None:
        """Replay reached a recorded operation. One updated while the execution was suspended
        (``updated_operations``: completed from outside, or a timer the service completed, in
        the service's state) gets the update hook (its end hook when it is terminal); another
        unfinished one its replayed start hook, unless its timer came due since (this
        invocation completes or restarts it)."""
        if operation.id in self._updated:
            self.on_operation_update(completed_by_service(operation, now_ms) or operation)
            return
        if operation.status in TERMINAL:
            return
        due = (operation.next_attempt_ms if operation.status is OperationStatus.PENDING else
               operation.scheduled_end_ms if operation.type is ModelOperationType.WAIT else None)
        if due is None or due > now_ms:
            self.on_operation_replay(operation)

    def on_checkpoint(self, execution_arn: str, operations: Mapping[str, Operation]) -> None:
        """After a checkpoint was written: the change hook of what changed since the last one
        (against the service's view the invocation started with: a due wait this invocation
        records as SUCCEEDED had been completed by the service, no change)."""
        if self._operations_provider is not None:
            operations = self._operations_provider()  # with EXECUTION, as the service's
        with self.claim_lock:
            changed = [op for i, op in operations.items()
                       if self._reported.get(i) is not op.status]
            self._reported.update({op.id: op.status for op in changed})
        if changed and self._invocation_status is not None:
            self._submit_change(OperationChangeInfo(
                execution_arn, infos_of({op.id: op for op in changed}), infos_of(operations)))

    def follow_timers(self, came_due: Callable[[int], None]) -> None:
        """``came_due(now_ms)`` marks the timers due in the view ``operations_provider`` reads
        as the service completed them (``ServiceView.came_due``)."""
        self._came_due = came_due

    def on_timers_due(self, now_ms: int) -> None:
        """A map/parallel resumes branches from timers that came due while others ran: the
        change hook of the SDK's refresh response, which shows them completed by the service
        (a retry READY, a wait SUCCEEDED), with what this invocation changed before it. No
        checkpoint is written: the states are this invocation's and the service's view."""
        if self._came_due is not None and self._invocation_status is not None:
            self._came_due(now_ms)
            self.on_checkpoint(self._invocation_status.execution_arn, {})  # the provider's

    def wrap_user_function(self, func: Callable[..., Any], ref: Any,
                           operation_type: ModelOperationType, sub_type: str,
                           is_replay_children: bool = False, attempt: Optional[int] = None
                           ) -> Callable[..., Any]:
        """``func`` with the user-function start and end hooks around it (``ref``: the
        operation's ``OpRef``)."""
        if not self.has_plugins:
            return func
        identifier = _identifier(ref, operation_type, sub_type)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = self.on_user_function_start(identifier, is_replay_children, attempt)
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
                self.on_user_function_end(start, error, outcome=outcome)
        return wrapper

    def child_context_ended(self, ref: Any, sub_type: str, status: OperationStatus,
                            error: Optional[ErrorObject] = None, is_replayed: bool = False
                            ) -> None:
        """A child context (``ref``: its ``OpRef``) ended without a new terminal checkpoint."""
        if self.has_plugins:
            self.on_child_context_end(_identifier(ref, ModelOperationType.CONTEXT, sub_type),
                                      status, error=error, is_replayed=is_replayed)

    def _once(self, seen: set[str], operation_id: str) -> bool:
        with self.claim_lock:
            if operation_id in seen:
                return False
            seen.add(operation_id)
            return True


def _identifier(ref: Any, operation_type: ModelOperationType,
                sub_type: str) -> OperationIdentifier:
    return OperationIdentifier(ref.id, sub_type, ref.parent_id, ref.name,
                               operation_type=operation_type)


__all__ = ["PluginExecutor", "OperationInfo"]
