"""``DurableContext``: the API a durable handler uses (mirrors the official Python SDK)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Optional, TypeVar

from durable_lambda.workflows.batch_result import BatchResult
from durable_lambda.workflows.config import (
    CallbackConfig, ChildConfig, Duration, InvokeConfig, MapConfig, ParallelConfig, StepConfig,
    WaitForCallbackConfig, WaitForConditionConfig, to_seconds)
from durable_lambda.workflows.errors import CallbackError, ValidationError
from durable_lambda.workflows.ids import operation_id
from durable_lambda.workflows.logger import ReplaySafeLogger
from durable_lambda.workflows.operations.batch import run_batch
from durable_lambda.workflows.operations.callback import Callback, create_callback
from durable_lambda.workflows.operations.child import run_child
from durable_lambda.workflows.operations.common import (
    OpRef, StepContext, SubType, WaitForConditionCheckContext)
from durable_lambda.workflows.operations.condition import run_wait_for_condition
from durable_lambda.workflows.operations.invoke import run_invoke
from durable_lambda.workflows.operations.step import run_step
from durable_lambda.workflows.operations.wait import run_wait
from durable_lambda.workflows.state import ExecutionState

T = TypeVar("T")
LOG = logging.getLogger("durable_lambda.workflows")


def durable_step(func: Callable[..., T]) -> Callable[..., Callable[[StepContext], T]]:
    """Decorate ``f(step_context, *args)`` so ``context.step(f(*args))`` runs it, named ``f``."""

    def bind(*args: Any, **kwargs: Any) -> Callable[[StepContext], T]:
        def run(step_context: StepContext) -> T:
            return func(step_context, *args, **kwargs)
        run._original_name = func.__name__  # type: ignore[attr-defined]
        return run
    return bind


def durable_with_child_context(func: Callable[..., T]) -> Callable[..., Callable[["DurableContext"], T]]:
    """Decorate ``f(child_context, *args)`` for ``context.run_in_child_context(f(*args))``."""

    def bind(*args: Any, **kwargs: Any) -> Callable[["DurableContext"], T]:
        def run(child: "DurableContext") -> T:
            return func(child, *args, **kwargs)
        run._original_name = func.__name__  # type: ignore[attr-defined]
        return run
    return bind


def _name(name: Optional[str], func: Any) -> Optional[str]:
    return name or getattr(func, "_original_name", None)


class DurableContext:
    """Operations of one (root or child) context; each call takes the next operation id."""

    def __init__(self, state: ExecutionState, parent_id: Optional[str] = None,
                 lambda_context: Any = None, logger: Optional[ReplaySafeLogger] = None) -> None:
        self.state = state
        self.lambda_context = lambda_context
        self._parent_id = parent_id
        self._counter = 0
        self.logger = logger or ReplaySafeLogger(
            LOG, lambda: state.replaying, {"executionId": state.execution_id})

    @property
    def execution_id(self) -> str:
        return self.state.execution_id

    @property
    def is_replaying(self) -> bool:
        """True while the code is re-running operations already recorded in history."""
        return self.state.replaying

    def _next(self, name: Optional[str]) -> OpRef:
        if self.state.running_step is not None:
            raise ValidationError(
                f"durable operation {name or ''!r} called inside step "
                f"{self.state.running_step!r}: steps cannot contain durable operations; "
                f"use run_in_child_context to group operations")
        self._counter += 1
        return OpRef(operation_id(self._counter, self._parent_id), self._parent_id, name)

    def _child(self, parent_id: str) -> "DurableContext":
        return DurableContext(self.state, parent_id, self.lambda_context,
                              self.logger.with_extra(parentId=parent_id))

    # -- operations ------------------------------------------------------------------------
    def step(self, func: Callable[[StepContext], T], name: Optional[str] = None,
             config: Optional[StepConfig] = None) -> T:
        """Run ``func(step_context)`` once, checkpoint its result, retry per ``config``."""
        return run_step(self.state, self._next(_name(name, func)), func, config, self.logger)

    def wait(self, duration: Duration | float | None = None, name: Optional[str] = None, *,
             seconds: Optional[float] = None) -> None:
        """Suspend for ``duration`` (a Duration or seconds, at least 1 s); ``seconds=`` is the
        older SDK spelling."""
        if (duration is None) == (seconds is None):
            raise ValidationError("wait needs exactly one of duration or seconds")
        value = duration if duration is not None else seconds
        run_wait(self.state, self._next(name), to_seconds(value, "wait duration"))

    def create_callback(self, name: Optional[str] = None,
                        config: Optional[CallbackConfig] = None) -> Callback[Any]:
        """A callback whose ``callback_id`` an external system completes."""
        return create_callback(self.state, self._next(name), config)

    def wait_for_callback(self, submitter: Callable[[str], Any], name: Optional[str] = None,
                          config: Optional[WaitForCallbackConfig] = None) -> Any:
        """Create a callback, run ``submitter(callback_id)`` as a step, wait for the result."""
        config = config or WaitForCallbackConfig()
        ref = self._next(_name(name, submitter))
        child = self._child(ref.id)

        prefix = f"{ref.name} " if ref.name else ""  # operation names as the SDK gives them

        def body() -> Any:
            callback = child.create_callback(f"{prefix}create callback id", config)
            child.step(lambda _: submitter(callback.callback_id), f"{prefix}submitter",
                       StepConfig(retry_strategy=config.retry_strategy))
            return callback.result()
        return run_child(self.state, ref, SubType.WAIT_FOR_CALLBACK, body, config.serdes,
                         CallbackError)

    def wait_for_condition(self, check: Callable[[Any, WaitForConditionCheckContext], Any],
                           config: WaitForConditionConfig, name: Optional[str] = None) -> Any:
        """Poll ``check(state, ctx) -> new_state`` until ``config.wait_strategy`` stops."""
        return run_wait_for_condition(self.state, self._next(name), check, config, self.logger)

    def invoke(self, function_name: str, payload: Any, name: Optional[str] = None,
               config: Optional[InvokeConfig] = None) -> Any:
        """Run another durable function to completion and return its result."""
        return run_invoke(self.state, self._next(name), function_name, payload, config)

    def run_in_child_context(self, func: Callable[["DurableContext"], T],
                             name: Optional[str] = None,
                             config: Optional[ChildConfig] = None) -> T:
        """Run ``func(child_context)`` as one CONTEXT operation with its own op counter."""
        config = config or ChildConfig()
        ref = self._next(_name(name, func))
        child = self._child(ref.id)
        return run_child(self.state, ref, config.sub_type or SubType.RUN_IN_CHILD_CONTEXT,
                         lambda: func(child), config.serdes)

    def parallel(self, functions: Sequence[Callable[["DurableContext"], T]],
                 name: Optional[str] = None,
                 config: Optional[ParallelConfig] = None) -> BatchResult[T]:
        """Run each ``f(child_context)`` as a branch; see ``operations/batch.py``."""
        config = config or ParallelConfig()
        ref = self._next(name)
        return run_batch(self.state, ref, SubType.PARALLEL, SubType.PARALLEL_BRANCH,
                         "parallel-branch-", list(functions), self._batch_child(ref.id),
                         config.max_concurrency, config.completion_config, config.serdes)

    def map(self, inputs: Sequence[Any], func: Callable[["DurableContext", Any, int, Sequence[Any]], T],
            name: Optional[str] = None, config: Optional[MapConfig] = None) -> BatchResult[T]:
        """Run ``func(child_context, item, index, inputs)`` for every item as a branch."""
        if func is None:
            raise ValidationError("map needs a function")
        config = config or MapConfig()
        items = list(inputs)
        ref = self._next(_name(name, func))
        branches = [lambda c, i=i, item=item: func(c, item, i, items) for i, item in enumerate(items)]
        return run_batch(self.state, ref, SubType.MAP, SubType.MAP_ITERATION, "map-item-",
                         branches, self._batch_child(ref.id), config.max_concurrency,
                         config.completion_config, config.serdes)

    def _batch_child(self, batch_id: str) -> Callable[[str], "DurableContext"]:
        batch_context = self._child(batch_id)
        return batch_context._child
