"""Plugin hook infos, the plugin base class and the factory protocol (see ``plugin``)."""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional, Protocol

from durable_lambda.workflows.model import (  # noqa: F401 (the SDK's plugin module has them)
    ErrorObject, Operation, OperationStatus, OperationType)
from durable_lambda.workflows.reducer import FINISHED

#: statuses after which an operation does not change
TERMINAL = FINISHED


class InvocationStatus(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"
    RETRY = "RETRY"


def time_of(ms: Optional[int]) -> Optional[datetime.datetime]:
    return None if ms is None else datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)


def now() -> datetime.datetime:
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
        return OperationInfo(**operation_fields(operation), is_replayed=is_replayed)


def operation_fields(op: Operation) -> dict[str, Any]:
    return dict(operation_id=op.id, operation_type=OperationType(op.type.value),
                sub_type=op.sub_type, name=op.name, parent_id=op.parent_id,
                start_time=time_of(op.start_ms), status=op.status, end_time=time_of(op.end_ms),
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
                   outcome=outcome or UserFunctionOutcome.from_error(error), end_time=now(),
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

    @classmethod
    def from_durable_execution_invocation_output(
            cls, invocation_start_info: InvocationStartInfo,
            output: "DurableExecutionInvocationOutput",
            operations: Optional[dict[str, OperationInfo]] = None) -> "InvocationEndInfo":
        """The end info of the invocation ``invocation_start_info`` began, ended by ``output``."""
        s = invocation_start_info
        return cls(request_id=s.request_id, execution_arn=s.execution_arn,
                   is_first_invocation=s.is_first_invocation,
                   execution_start_time=s.execution_start_time,
                   execution_input=s.execution_input,
                   operations=s.operations if operations is None else operations,
                   status=InvocationStatus(output.status.value), error=output.error,
                   execution_result=output.result)


@dataclass(frozen=True)
class DurableExecutionInvocationOutput:
    """How an invocation ended (the SDK's ``lambda_service`` type of the same name): SUCCEEDED
    with the serialized ``result``, FAILED with ``error``, PENDING (suspended) or RETRY."""

    status: InvocationStatus
    result: Optional[str] = None
    error: Optional[ErrorObject] = None


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




def infos_of(operations: Mapping[str, Operation]) -> dict[str, OperationInfo]:
    """The plugin view of an operation map."""
    return {i: OperationInfo.from_operation(op) for i, op in operations.items()}
