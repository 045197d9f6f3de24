"""``DurableContext``: the API a durable handler uses (the official SDK's ``context`` module)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Optional, ParamSpec, TypeVar

from durable_lambda.workflows.config import (
    CallbackConfig, ChildConfig, Duration, InvokeConfig, StepConfig, WaitForCallbackConfig,
    to_seconds)
from durable_lambda.workflows.exceptions import (
    CallbackError, CallbackSubmitterError, ChildContextError, StepError, ValidationError)
from durable_lambda.workflows.ids import operation_id
from durable_lambda.workflows.logger import Logger, LogInfo
from durable_lambda.workflows.operations.callback import Callback, create_callback
from durable_lambda.workflows.operations.child import run_child, run_virtual_child
from durable_lambda.workflows.operations.common import (
    OpRef, StepContext, SubType, WaitForCallbackContext, WaitForConditionCheckContext)
from durable_lambda.workflows.operations.condition import run_wait_for_condition
from durable_lambda.workflows.operations.invoke import run_invoke
from durable_lambda.workflows.operations.step import run_step
from durable_lambda.workflows.operations.wait import run_wait
from durable_lambda.workflows.replay import ReplayStatus, ReplayTracker
from durable_lambda.workflows.state import ExecutionState
from durable_lambda.workflows.types import LoggerInterface

if TYPE_CHECKING:  # map/parallel load their modules at their first use (cold start)
    from durable_lambda.workflows.batch_config import MapConfig, ParallelBranch, ParallelConfig
    from durable_lambda.workflows.batch_result import BatchResult
    from durable_lambda.workflows.waits import WaitForConditionConfig

T = TypeVar("T")
Params = ParamSpec("Params")

__all__ = ["Callback", "DurableContext", "ExecutionContext", "durable_parallel_branch",
           "durable_step", "durable_wait_for_callback", "durable_with_child_context"]


@dataclass(frozen=True)
class ExecutionContext:
    """Read-only metadata of the execution (``durable_execution_arn``: its id)."""

    durable_execution_arn: str


def _named(func: Callable[..., Any], bound: Callable[..., Any]) -> Callable[..., Any]:
    bound._original_name = func.__name__  # type: ignore[attr-defined]
    return bound


def durable_step(func: Callable[Concatenate[StepContext, Params], T]
                 ) -> Callable[Params, Callable[[StepContext], T]]:
    """Decorate ``f(step_context, *args)`` so ``context.step(f(*args))`` runs it, named ``f``."""
    def bind(*args: Any, **kwargs: Any) -> Callable[[StepContext], T]:
        return _named(func, lambda step_context: func(step_context, *args, **kwargs))
    return bind


def durable_with_child_context(func: Callable[Concatenate["DurableContext", Params], T]
                               ) -> Callable[Params, Callable[["DurableContext"], T]]:
    """Decorate ``f(child_context, *args)`` for ``context.run_in_child_context(f(*args))``."""
    def bind(*args: Any, **kwargs: Any) -> Callable[["DurableContext"], T]:
        return _named(func, lambda child: func(child, *args, **kwargs))
    return bind


def durable_parallel_branch(name: Optional[str] = None) -> Callable[..., Any]:
    """Decorator factory: ``@durable_parallel_branch(name="x")`` on ``f(ctx, *args)`` makes
    ``f(*args)`` a ``ParallelBranch`` named ``name`` for ``context.parallel``."""
    def decorator(func: Callable[..., T]) -> Callable[..., ParallelBranch[T]]:
        def bind(*args: Any, **kwargs: Any) -> ParallelBranch[T]:
            from durable_lambda.workflows.batch_config import ParallelBranch

            return ParallelBranch(func=lambda ctx: func(ctx, *args, **kwargs), name=name)
        return bind
    return decorator


def durable_wait_for_callback(func: Callable[..., T]
                              ) -> Callable[..., Callable[[str, WaitForCallbackContext], T]]:
    """Decorate ``f(callback_id, wait_context, *args)`` so ``context.wait_for_callback(f(*args))``
    runs it as the submitter, named ``f``."""
    def bind(*args: Any, **kwargs: Any) -> Callable[[str, WaitForCallbackContext], T]:
        return _named(func, lambda callback_id, context: func(callback_id, context, *args,
                                                               **kwargs))
    return bind


def _name(name: Optional[str], func: Any) -> Optional[str]:
    return name or getattr(func, "_original_name", None)


class DurableContext:
    """Operations of one (root or child) context; each call takes the next operation id.

    ``parent_id`` is the context operation the operations of this context report to;
    ``step_id_prefix`` (default: ``parent_id``) derives their ids — they differ only in a
    virtual child context, whose operations report to the enclosing context.
    """

    def __init__(self, state: ExecutionState, execution_context: ExecutionContext,
                 lambda_context: Any = None, parent_id: Optional[str] = None,
                 logger: Optional[Logger] = None, step_id_prefix: Optional[str] = None,
                 replay_status: ReplayStatus = ReplayStatus.NEW) -> None:
        self.state = state
        self.execution_context = execution_context
        self.lambda_context = lambda_context
        self._parent_id = parent_id
        self._id_prefix = step_id_prefix if step_id_prefix is not None else parent_id
        self._counter = 0
        self._peeked: tuple[int, str] = (0, "")
        self._replay = ReplayTracker(state.get, replay_status is ReplayStatus.REPLAY)
        self._log_info = LogInfo(state, parent_id)
        self.logger: Logger = (logger.with_is_replaying(self.is_replaying) if logger else
                               Logger.from_log_info(logging.getLogger(), self._log_info,
                                                    self.is_replaying))

    @staticmethod
    def from_lambda_context(state: ExecutionState, lambda_context: Any,
                            replay_status: ReplayStatus = ReplayStatus.NEW) -> "DurableContext":
        """The root context of an execution."""
        return DurableContext(state, ExecutionContext(state.execution_id), lambda_context,
                              replay_status=replay_status)

    @staticmethod
    def for_execution(state: ExecutionState, lambda_context: Any = None) -> "DurableContext":
        """The root context of an invocation: replaying when the execution recorded
        operations before it."""
        return DurableContext.from_lambda_context(
            state, lambda_context,
            ReplayStatus.REPLAY if state.operations() else ReplayStatus.NEW)

    @property
    def execution_id(self) -> str:
        return self.state.execution_id

    @property
    def is_virtual(self) -> bool:
        """True in a virtual child context (no checkpoint of its own)."""
        return self._parent_id != self._id_prefix

    def is_replaying(self) -> bool:
        """True while this context re-runs operations already recorded (see ``replay``)."""
        return self._replay.is_replaying()

    def set_logger(self, new_logger: LoggerInterface) -> None:
        """Log through ``new_logger`` (still replay-safe, with the execution's extras)."""
        self.logger = Logger.from_log_info(new_logger, self._log_info, self.is_replaying)

    def create_child_context(self, operation_id: str, *, is_virtual: bool = False
                             ) -> "DurableContext":
        """The context of the child operation ``operation_id`` (operations of a virtual child
        report to this context's parent)."""
        parent = self._parent_id if is_virtual else operation_id
        return DurableContext(self.state, self.execution_context, self.lambda_context, parent,
                              self.logger.with_log_info(LogInfo(self.state, parent)),
                              operation_id,
                              ReplayStatus.REPLAY if self.is_replaying() else ReplayStatus.NEW)

    _child = create_child_context

    def _next(self, name: Optional[str]) -> OpRef:
        if self.state.running_step is not None:
            raise ValidationError(
                f"durable operation {name or ''!r} called inside step "
                f"{self.state.running_step!r}: steps cannot contain durable operations; "
                f"use run_in_child_context to group operations")
        op_id = self._peek_id()
        self._counter += 1
        return OpRef(op_id, self._parent_id, name)

    def _operation(self) -> Any:
        """Replay bookkeeping around the next operation of this context (``replay``)."""
        return self._replay.around(self._peek_id)

    def _peek_id(self) -> str:
        """The id the next operation of this context will take (derived once)."""
        n = self._counter + 1
        if self._peeked[0] != n:
            self._peeked = (n, operation_id(n, self._id_prefix))
        return self._peeked[1]

    # -- operations ------------------------------------------------------------------------
    def step(self, func: Callable[[StepContext], T], name: Optional[str] = None,
             config: Optional[StepConfig] = None) -> T:
        """Run ``func(step_context)`` once, checkpoint its result, retry per ``config``."""
        with self._operation():
            return run_step(self.state, self._next(_name(name, func)), func, config,
                            self.logger)

    def wait(self, duration: Duration | float, name: Optional[str] = None) -> None:
        """Suspend for ``duration`` (a Duration; seconds are accepted too), at least 1 s."""
        value = to_seconds(duration, "wait duration")
        if value < 1:
            raise ValidationError("duration must be at least 1 second")
        with self._operation():
            run_wait(self.state, self._next(name), value)

    def create_callback(self, name: Optional[str] = None,
                        config: Optional[CallbackConfig] = None) -> Callback[Any]:
        """A callback whose ``callback_id`` an external system completes."""
        with self._operation():
            return create_callback(self.state, self._next(name), config)

    def wait_for_callback(self, submitter: Callable[[str, WaitForCallbackContext], Any],
                          name: Optional[str] = None,
                          config: Optional[WaitForCallbackConfig] = None) -> Any:
        """In a child context: create a callback, run ``submitter(callback_id,
        WaitForCallbackContext)`` as a step, and wait for the result. A failed callback
        raises its ``CallbackError``; a failed submitter ``CallbackSubmitterError``."""
        step_name = _name(name, submitter)
        prefix = f"{step_name} " if step_name else ""

        def body(child: DurableContext) -> Any:
            callback = child.create_callback(f"{prefix}create callback id", config)

            def submit(step_context: StepContext) -> Any:
                return submitter(callback.callback_id,
                                 WaitForCallbackContext(logger=step_context.logger))
            child.step(submit, f"{prefix}submitter", StepConfig(
                retry_strategy=config.retry_strategy, serdes=config.serdes) if config else None)
            return callback.result()
        try:
            return self._run_in_child_context(body, step_name, None, SubType.WAIT_FOR_CALLBACK)
        except ChildContextError as error:
            inner = error.__cause__
            if isinstance(inner, CallbackError):
                raise inner from None
            if isinstance(inner, StepError):
                raise CallbackSubmitterError(inner.message or "Callback submitter failed",
                                             data=inner.data,
                                             stack_trace=inner.stack_trace) from inner
            raise

    def wait_for_condition(self, check: Callable[[Any, WaitForConditionCheckContext], Any],
                           config: WaitForConditionConfig, name: Optional[str] = None) -> Any:
        """Poll ``check(state, ctx) -> new_state`` until ``config.wait_strategy`` stops."""
        if check is None:
            raise ValidationError("`check` is required for wait_for_condition")
        if not config:
            raise ValidationError("`config` is required for wait_for_condition")
        with self._operation():
            return run_wait_for_condition(self.state, self._next(name), check, config,
                                          self.logger)

    def invoke(self, function_name: str, payload: Any, name: Optional[str] = None,
               config: Optional[InvokeConfig] = None) -> Any:
        """Run another durable function to completion and return its result."""
        with self._operation():
            return run_invoke(self.state, self._next(name), function_name, payload, config)

    def run_in_child_context(self, func: Callable[["DurableContext"], T],
                             name: Optional[str] = None,
                             config: Optional[ChildConfig] = None) -> T:
        """Run ``func(child_context)`` as one CONTEXT operation with its own op counter."""
        sub_type = (config.sub_type if config else None) or SubType.RUN_IN_CHILD_CONTEXT
        return self._run_in_child_context(func, _name(name, func), config, sub_type)

    def _run_in_child_context(self, func: Callable[["DurableContext"], T],
                              name: Optional[str], config: Optional[ChildConfig],
                              sub_type: str) -> T:
        with self._operation():
            return self._child_operation(func, self._next(name), config, sub_type)

    def _child_operation(self, func: Callable[["DurableContext"], T], ref: OpRef,
                         config: Optional[ChildConfig], sub_type: str) -> T:
        virtual = bool(config and config.is_virtual)
        child = self.create_child_context(ref.id, is_virtual=virtual)
        serdes = config.serdes if config else None
        if virtual:
            return run_virtual_child(self.state, ref, sub_type, lambda: func(child), serdes)
        return run_child(self.state, ref, sub_type, lambda: func(child), serdes,
                         summary_generator=config.summary_generator if config else None)

    def parallel(self, functions: Sequence[Callable[["DurableContext"], T]],
                 name: Optional[str] = None,
                 config: Optional[ParallelConfig] = None) -> BatchResult[T]:
        """Run each ``f(child_context)`` (or ``ParallelBranch``) as a branch; see
        ``operations/batch.py``."""
        from durable_lambda.workflows.operations.batch import run_parallel

        with self._operation():
            return run_parallel(self, functions, name, config)

    def map(self, inputs: Sequence[Any], func: Callable[["DurableContext", Any, int, Sequence[Any]], T],
            name: Optional[str] = None, config: Optional[MapConfig] = None) -> BatchResult[T]:
        """Run ``func(child_context, item, index, inputs)`` for every item as a branch."""
        if func is None:
            raise ValidationError("map needs a function")
        from durable_lambda.workflows.operations.batch import run_map

        with self._operation():
            return run_map(self, inputs, func, _name(name, func), config)
