"""Errors as the official SDK raises and records them: wire ErrorTypes are fully qualified class
names (builtins unqualified, the SDK's own classes under the SDK's module), operation errors are
rebuilt from the record identically on the first run and on replay, callbacks and submitters
fail with the graded callback errors."""
from __future__ import annotations

import pytest

from durable_lambda.testing.durable_runner import DurableTestRunner, ExecutionStatus
from durable_lambda.workflows import (
    CallbackError, CallbackExternalError, CallbackSubmitterError, CallbackTimeoutError,
    ChildContextError, DurableOperationError, InvokeError, RetryPresets, StepConfig, StepError,
    StepFailedError, WaitForCallbackConfig, durable_execution)
from durable_lambda.workflows.errors import error_object_of, raise_operation_error
from durable_lambda.workflows.exceptions import (
    BotoClientError, DurableApiErrorCategory, SerDesError, wire_error_type)
from durable_lambda.workflows.model import ErrorObject

SDK = "aws_durable_execution_sdk_python.exceptions."
NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


class InsufficientFunds(Exception):
    pass


def test_wire_error_types_are_qualified_class_names() -> None:
    assert wire_error_type(ValueError("x")) == "ValueError"
    assert wire_error_type(InsufficientFunds()) == f"{__name__}.InsufficientFunds"
    assert wire_error_type(StepError()) == SDK + "StepError"
    assert StepError().error_type == SDK + "StepError"  # the default error_type, as the SDK's
    assert error_object_of(KeyError("k")) == ErrorObject("KeyError", "'k'")  # no stack trace
    assert error_object_of(SerDesError("bad")).error_type == SDK + "SerDesError"


def test_recorded_errors_rebuild_the_operation_error_with_its_cause() -> None:
    with pytest.raises(StepError) as info:
        raise_operation_error(ErrorObject(SDK + "CallbackTimeoutError", "late", "d"), StepError)
    assert (info.value.message, info.value.error_type, info.value.data) == \
        ("late", SDK + "CallbackTimeoutError", "d")
    assert type(info.value.__cause__) is CallbackTimeoutError  # rebuilt by its recorded type
    with pytest.raises(StepError) as info:
        raise_operation_error(ErrorObject("ValueError", "v"), StepError)
    assert type(info.value.__cause__) is DurableOperationError  # unknown types: the base
    with pytest.raises(SerDesError):  # a recorded serdes failure surfaces as itself
        raise_operation_error(ErrorObject(SDK + "SerDesError", "s"), ChildContextError)
    assert StepFailedError is StepError


def test_step_error_is_the_same_on_the_first_run_and_on_replay() -> None:
    seen = []

    @durable_execution
    def handler(event, ctx):
        def charge(_):
            raise InsufficientFunds("balance 3 < 5")
        try:
            ctx.step(charge, name="charge", config=NO_RETRY)
        except StepError as exc:
            seen.append((type(exc).__name__, exc.error_type, exc.message,
                         type(exc.__cause__).__name__))
        ctx.wait(1)
        return "done"

    result = DurableTestRunner(handler).run()
    assert result.status is ExecutionStatus.SUCCEEDED
    assert seen == [("StepError", f"{__name__}.InsufficientFunds", "balance 3 < 5",
                     "DurableOperationError")] * 2
    assert result.get_operation("charge").error == ErrorObject(
        f"{__name__}.InsufficientFunds", "balance 3 < 5")


def test_an_uncaught_operation_error_fails_the_execution_with_its_wire_type() -> None:
    @durable_execution
    def child(event, ctx):
        raise InsufficientFunds("no")

    @durable_execution
    def parent(event, ctx):
        return ctx.invoke("child", {}, name="call")

    result = DurableTestRunner(parent, functions={"child": child}).run()
    assert result.status is ExecutionStatus.FAILED
    assert result.error == ErrorObject(SDK + "InvokeError", "no")
    assert result.get_operation("call").error.error_type == f"{__name__}.InsufficientFunds"


def test_child_context_failure_records_the_error_that_escaped_it() -> None:
    @durable_execution
    def handler(event, ctx):
        try:
            ctx.run_in_child_context(lambda c: c.step(lambda _: 1 / 0, name="div",
                                                      config=NO_RETRY), name="group")
        except ChildContextError as exc:
            return [exc.error_type, type(exc.__cause__).__name__]

    result = DurableTestRunner(handler).run()
    assert result.result == [SDK + "StepError", "StepError"]
    assert result.get_operation("group").error.error_type == SDK + "StepError"


def _callback_outcome(complete) -> list:
    @durable_execution
    def handler(event, ctx):
        try:
            return ctx.wait_for_callback(lambda cid, _: None, name="approve",
                                         config=WaitForCallbackConfig(timeout=60))
        except CallbackError as exc:
            return [type(exc).__name__, exc.error_type, exc.message]

    runner = DurableTestRunner(handler)
    result = runner.run()
    return complete(runner, result.get_operation("approve create callback id").callback_id)


def test_callback_failures_raise_the_graded_callback_errors() -> None:
    failed = _callback_outcome(lambda r, cid: r.send_callback_failure(cid, "denied", "Nope"))
    assert failed.result == ["CallbackExternalError", SDK + "CallbackExternalError", "denied"]
    timed_out = _callback_outcome(lambda r, cid: r.advance_time(61))
    assert timed_out.result == ["CallbackTimeoutError", SDK + "CallbackTimeoutError",
                                "Callback timed out"]
    assert issubclass(CallbackExternalError, CallbackError)
    assert issubclass(CallbackTimeoutError, CallbackError)


def test_a_failing_submitter_raises_callback_submitter_error() -> None:
    @durable_execution
    def handler(event, ctx):
        def submit(callback_id, wait_context):
            raise ConnectionRefusedError("queue unavailable")
        try:
            ctx.wait_for_callback(submit, name="notify",
                                  config=WaitForCallbackConfig(
                                      retry_strategy=RetryPresets.none()))
        except CallbackSubmitterError as exc:
            return [exc.message, type(exc.__cause__).__name__]

    result = DurableTestRunner(handler).run()
    assert result.result == ["queue unavailable", "StepError"]
    assert result.get_operation("notify").error.error_type == SDK + "StepError"
    assert result.get_operation("notify submitter").error.error_type == \
        "ConnectionRefusedError"


def test_invoke_error_carries_the_child_error_type() -> None:
    @durable_execution
    def child(event, ctx):
        raise KeyError("unknown sku")

    @durable_execution
    def parent(event, ctx):
        try:
            ctx.invoke("child", {}, name="check")
        except InvokeError as exc:
            return [exc.error_type, exc.message]

    result = DurableTestRunner(parent, functions={"child": child}).run()
    assert result.result == ["KeyError", "'unknown sku'"]


def test_boto_client_errors_are_classified_as_the_sdk_does() -> None:
    class ClientError(Exception):
        def __init__(self, code: str, status: int, message: str = "m") -> None:
            super().__init__(message)
            self.response = {"Error": {"Code": code, "Message": message},
                             "ResponseMetadata": {"HTTPStatusCode": status}}

    def category(code: str, status: int, message: str = "m") -> DurableApiErrorCategory:
        return BotoClientError.from_exception(ClientError(code, status, message)).error_category

    assert category("ValidationException", 400) is DurableApiErrorCategory.EXECUTION
    assert category("TooManyRequestsException", 429) is DurableApiErrorCategory.INVOCATION
    assert category("InvalidParameterValueException", 400, "Invalid checkpoint token x") is \
        DurableApiErrorCategory.INVOCATION
    assert category("KMSDisabledException", 502) is DurableApiErrorCategory.EXECUTION
    assert category("ServiceException", 500) is DurableApiErrorCategory.INVOCATION


def test_non_determinism_is_reported_as_the_sdk_reports_it() -> None:
    names = iter(["original", "renamed"])

    @durable_execution
    def handler(event, ctx):
        ctx.step(lambda _: 1, name=next(names))
        ctx.wait(1)

    result = DurableTestRunner(handler).run()
    assert result.status is ExecutionStatus.FAILED
    assert result.error.error_type == SDK + "NonDeterministicExecutionError"
    op_id = result.operations[0].id
    assert result.error.error_message == (
        f"Non-deterministic operation identity at id={op_id!r}: "
        "name checkpoint='original' current='renamed'")
