"""Waits and callbacks: suspension plans, resume, timeouts, failures, non-determinism."""
from __future__ import annotations

import pytest

from durable_lambda.workflows import CallbackConfig, Duration, WaitForCallbackConfig
from durable_lambda.workflows.errors import CallbackError, NonDeterministicExecutionError, ValidationError
from durable_lambda.workflows.model import (
    ErrorObject, OperationAction as A, OperationStatus as S, OperationType as T, OperationUpdate)
from durable_lambda.workflows.outcome import OutcomeStatus, TimerKind

from .helpers import Harness

SDK = "aws_durable_execution_sdk_python.exceptions."  # wire names of the SDK's errors


def test_wait_suspends_until_due_and_resume_is_idempotent() -> None:
    h = Harness(lambda e, ctx: ctx.wait(Duration.from_minutes(2), name="pause") or "done")
    out = h.invoke()
    [timer] = out.plan.timers
    assert timer.kind is TimerKind.WAIT and timer.due_ms == h.clock.ms + 120_000
    early = h.invoke()  # an early/duplicate resume changes nothing
    assert early.status is OutcomeStatus.SUSPENDED and early.plan.timers == out.plan.timers
    h.clock.advance(120)
    assert h.invoke().result == '"done"'
    again = h.invoke()  # duplicate resume after completion: same outcome, no new work
    assert again.status is OutcomeStatus.SUCCEEDED and again.result == '"done"'
    assert h.op("pause").status is S.SUCCEEDED


def test_wait_completed_externally_is_accepted() -> None:
    h = Harness(lambda e, ctx: ctx.wait(30, name="w") or 1)
    h.invoke()
    op = h.op("w")
    assert h.store.complete_external(h.execution_id, op.id, OperationUpdate(
        id=op.id, type=T.WAIT, action=A.SUCCEED))
    assert h.invoke().result == "1"


def test_wait_rejects_sub_second_duration() -> None:
    out = Harness(lambda e, ctx: ctx.wait(0)).invoke()
    assert out.status is OutcomeStatus.FAILED and out.error.error_type == SDK + "ValidationError"


def test_callback_success_resumes_with_result() -> None:
    sent = []

    def handler(e, ctx):
        cb = ctx.create_callback("approval", CallbackConfig(timeout=Duration.from_hours(1)))
        ctx.step(lambda _: sent.append(cb.callback_id), name="notify")
        return cb.result()

    h = Harness(handler)
    out = h.invoke()
    [pending] = out.plan.callbacks
    assert pending.callback_id == sent[0] and pending.timeout_ms == h.clock.ms + 3_600_000
    assert out.plan.timers[0].kind is TimerKind.CALLBACK_TIMEOUT
    exec_id, op_id = h.store.find_callback(sent[0])
    h.store.complete_external(exec_id, op_id, OperationUpdate(
        id=op_id, type=T.CALLBACK, action=A.SUCCEED, payload='{"ok":true}'))
    done = h.invoke()  # the raw string, as the SDK returns it (no JSON decoding)
    assert done.result == '"{\\"ok\\":true}"' and sent == [sent[0]]  # notify not re-run


def test_callback_failure_raises_callback_error() -> None:
    def handler(e, ctx):
        cb = ctx.create_callback("approval")
        try:
            return cb.result()
        except CallbackError as exc:
            return f"{type(exc).__name__}: {exc}"

    h = Harness(handler)
    h.invoke()
    op = h.op("approval")
    h.store.complete_external(h.execution_id, op.id, OperationUpdate(
        id=op.id, type=T.CALLBACK, action=A.FAIL, error=ErrorObject("Rejected", "no budget")))
    assert h.invoke().result == '"CallbackExternalError: no budget"'
    assert h.op("approval").error.error_type == "Rejected"  # the completer's type is recorded


def test_callback_times_out_when_deadline_passes() -> None:
    h = Harness(lambda e, ctx: ctx.create_callback("c", CallbackConfig(timeout=60)).result())
    h.invoke()
    h.clock.advance(61)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED and out.error.error_type == SDK + "CallbackTimeoutError"
    assert h.op("c").status is S.TIMED_OUT and h.op("c").error.error_type == "Callback.Timeout"


def test_wait_for_callback_runs_submitter_once_and_returns_result() -> None:
    submitted = []

    def handler(e, ctx):
        return ctx.wait_for_callback(lambda cid, _: submitted.append(cid), name="human",
                                     config=WaitForCallbackConfig(timeout=300))

    h = Harness(handler)
    out = h.invoke()
    assert out.status is OutcomeStatus.SUSPENDED and len(submitted) == 1
    h.invoke()  # resume before the answer: submitter is not run again
    assert len(submitted) == 1
    exec_id, op_id = h.store.find_callback(submitted[0])
    h.store.complete_external(exec_id, op_id, OperationUpdate(
        id=op_id, type=T.CALLBACK, action=A.SUCCEED, payload='approved'))
    assert h.invoke().result == '"approved"'  # the raw string
    human = h.op("human")
    assert human.type is T.CONTEXT and human.sub_type == "WaitForCallback"


def test_wait_for_callback_failure_is_a_callback_error() -> None:
    submitted = []

    def handler(e, ctx):
        try:
            ctx.wait_for_callback(lambda cid, _: submitted.append(cid), name="human")
        except CallbackError as exc:
            return [type(exc).__name__, exc.message]

    h = Harness(handler)
    h.invoke()
    exec_id, op_id = h.store.find_callback(submitted[0])
    h.store.complete_external(exec_id, op_id, OperationUpdate(
        id=op_id, type=T.CALLBACK, action=A.FAIL, error=ErrorObject("Denied", "nope")))
    assert h.invoke().result == '["CallbackExternalError", "nope"]'


def test_changed_code_is_detected_as_non_deterministic() -> None:
    version = {"v": 1}

    def handler(e, ctx):
        if version["v"] == 1:
            ctx.step(lambda _: 1, name="reserve")
        else:
            ctx.wait(5, name="reserve")  # same position, different operation type
        ctx.wait(10)

    h = Harness(handler)
    h.invoke()
    version["v"] = 2
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED
    assert out.error.error_type == SDK + "NonDeterministicExecutionError"
    assert "STEP" in out.error.error_message and "WAIT" in out.error.error_message


def test_non_determinism_cannot_be_swallowed_by_user_code() -> None:
    names = iter(["a", "b"])

    def handler(e, ctx):
        try:
            ctx.step(lambda _: 1, name=next(names))
        except Exception:  # noqa: BLE001 - user code swallowing everything
            pass
        ctx.wait(1)
        return "finished"

    h = Harness(handler)
    h.invoke()
    h.clock.advance(1)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED
    assert out.error.error_type == SDK + "NonDeterministicExecutionError"
    assert issubclass(NonDeterministicExecutionError, Exception)


def test_suspension_is_not_caught_by_except_exception() -> None:
    def handler(e, ctx):
        try:
            ctx.wait(10)
        except Exception:  # noqa: BLE001
            return "swallowed"
        return "after"

    h = Harness(handler)
    assert h.invoke().status is OutcomeStatus.SUSPENDED
    h.clock.advance(10)
    assert h.invoke().result == '"after"'


def test_bad_durations_raise_typed_validation_errors() -> None:
    from durable_lambda.workflows.config import to_seconds
    with pytest.raises(ValidationError, match="Duration seconds must be positive"):
        Duration(seconds=-1)
    with pytest.raises(ValidationError, match="wait duration must not be negative"):
        to_seconds(-1, "wait duration")
    with pytest.raises(ValidationError, match="CallbackConfig.timeout"):
        CallbackConfig(timeout="soon").timeout_seconds  # type: ignore[arg-type]


def test_wait_for_callback_operation_names_match_the_sdk() -> None:
    h = Harness(lambda e, ctx: ctx.wait_for_callback(lambda cid, _: None, name="human"))
    h.invoke()
    human = h.op("human")
    inner = {op.name: op for op in h.ops() if op.parent_id == human.id}
    assert inner["human create callback id"].type is T.CALLBACK
    assert inner["human submitter"].type is T.STEP


def test_wait_takes_a_duration_or_seconds_positionally() -> None:
    h = Harness(lambda e, ctx: ctx.wait(3, name="w") or "ok")  # seconds: our extension
    assert h.invoke().plan.timers[0].due_ms == h.clock.ms + 3000
    h.clock.advance(3)
    assert h.invoke().result == '"ok"'
    out = Harness(lambda e, ctx: ctx.wait(Duration(seconds=2), seconds=2)).invoke()
    assert out.status is OutcomeStatus.FAILED and "seconds" in out.error.error_message
