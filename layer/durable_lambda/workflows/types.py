"""Types and protocols of the official SDK's ``types`` module: the contexts passed to user
functions (``StepContext``, ``WaitForCallbackContext``, ``WaitForConditionCheckContext``) and the
protocols of loggers, callbacks, batch results, contexts and the Lambda context."""
from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Optional, Protocol, TypeVar

T = TypeVar("T")
U = TypeVar("U")
C_co = TypeVar("C_co", covariant=True)
C_contra = TypeVar("C_contra", contravariant=True)


class LoggerInterface(Protocol):
    def debug(self, msg: object, *args: object,
              extra: Optional[Mapping[str, object]] = None) -> None: ...

    def info(self, msg: object, *args: object,
             extra: Optional[Mapping[str, object]] = None) -> None: ...

    def warning(self, msg: object, *args: object,
                extra: Optional[Mapping[str, object]] = None) -> None: ...

    def error(self, msg: object, *args: object,
              extra: Optional[Mapping[str, object]] = None) -> None: ...

    def exception(self, msg: object, *args: object,
                  extra: Optional[Mapping[str, object]] = None) -> None: ...


@dataclass(frozen=True)
class OperationContext:
    logger: LoggerInterface


@dataclass(frozen=True)
class StepContext(OperationContext):
    """Passed to step functions; ``attempt`` is 1 on the first run of the step."""

    attempt: int


@dataclass(frozen=True)
class WaitForCallbackContext(OperationContext):
    """Passed to ``wait_for_callback`` submitters (second argument, after the callback id)."""


@dataclass(frozen=True)
class WaitForConditionCheckContext(OperationContext):
    """Passed to ``wait_for_condition`` checks; ``attempt`` is 1 on the first check."""

    attempt: int


class Callback(Protocol, Generic[C_co]):
    callback_id: str

    @abstractmethod
    def result(self) -> Optional[C_co]: ...


class BatchResult(Protocol, Generic[T]):
    @abstractmethod
    def get_results(self) -> list[T]: ...


class DurableContext(Protocol):
    """The operations every durable context offers."""

    @abstractmethod
    def step(self, func: Callable[[StepContext], T], name: Optional[str] = None,
             config: Any = None) -> T: ...

    @abstractmethod
    def run_in_child_context(self, func: Callable[["DurableContext"], T],
                             name: Optional[str] = None, config: Any = None) -> T: ...

    @abstractmethod
    def map(self, inputs: Sequence[U],
            func: Callable[["DurableContext", U, int, Sequence[U]], T],
            name: Optional[str] = None, config: Any = None) -> BatchResult[T]: ...

    @abstractmethod
    def parallel(self, functions: Sequence[Callable[["DurableContext"], T]],
                 name: Optional[str] = None, config: Any = None) -> BatchResult[T]: ...

    @abstractmethod
    def wait(self, duration: Any, name: Optional[str] = None) -> None: ...

    @abstractmethod
    def create_callback(self, name: Optional[str] = None, config: Any = None) -> Callback: ...


class LambdaContext(Protocol):
    aws_request_id: str
    log_group_name: Optional[str] = None
    log_stream_name: Optional[str] = None
    function_name: Optional[str] = None
    memory_limit_in_mb: Optional[str] = None
    function_version: Optional[str] = None
    invoked_function_arn: Optional[str] = None
    tenant_id: Optional[str] = None
    client_context: Optional[Any] = None
    identity: Optional[Any] = None

    def get_remaining_time_in_millis(self) -> int: ...

    def log(self, msg: Any) -> None: ...


class SummaryGenerator(Protocol[C_contra]):
    """``(result) -> str``: the checkpoint payload of a result over the payload limit."""

    def __call__(self, result: C_contra) -> str: ...


_DURABLE_EXECUTION_ARN = re.compile(
    r"^arn:[^:]*:lambda:[^:]*:[^:]*:function:([^:/]+):[^:/]+/durable-execution/([^/]+)/([^/]+)$")


@dataclass(frozen=True)
class DurableExecutionArn:
    """The parts of ``arn:...:function:<fn>:<version>/durable-execution/<name>/<invocation>``."""

    function_name: str
    execution_name: str
    invocation_id: str

    @classmethod
    def from_arn(cls, arn: str) -> Optional["DurableExecutionArn"]:
        match = _DURABLE_EXECUTION_ARN.match(arn)
        return cls(*match.groups()) if match else None
