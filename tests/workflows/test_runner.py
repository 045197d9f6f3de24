"""The local test runner: time skipping, callbacks, invoke, history."""
from __future__ import annotations

import pytest

from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.workflows import (
    CallbackConfig, Duration, RetryStrategyConfig, StepConfig, create_retry_strategy,
    durable_execution)
from durable_lambda.workflows.errors import CallbackError, CallbackNotFoundError, InvokeError
from durable_lambda.workflows.model import ExecutionStatus, OperationStatus as S


def test_waits_and_retries_complete_in_virtual_time() -> None:
    attempts = []

    @durable_execution
    def handler(event, ctx):
        ctx.wait(Duration.from_days(30))
        def flaky(_):
            attempts.append(1)
            if len(attempts) < 4:
                raise RuntimeError("flaky")
            return "ok"
        return ctx.step(flaky, name="flaky", config=StepConfig(create_retry_strategy(
            RetryStrategyConfig(max_attempts=5, initial_delay=Duration.from_minutes(10)))))

    runner = DurableTestRunner(handler)
    start = runner.clock.now()
    result = runner.run()
    assert result.status is ExecutionStatus.SUCCEEDED and result.result == "ok"
    assert runner.clock.now() - start >= 30 * 86400 * 1000
    assert result.get_operation("flaky").attempt == 4 and len(result.invocations) == 5


def test_callback_heartbeat_keeps_it_alive_until_heartbeat_timeout() -> None:
    @durable_execution
    def handler(event, ctx):
        cb = ctx.create_callback("job", CallbackConfig(heartbeat_timeout=Duration.from_minutes(5)))
        try:
            return cb.result()
        except CallbackError as exc:
            return type(exc).__name__

    runner = DurableTestRunner(handler)
    cb_id = runner.run().get_operation("job").callback_id
    runner.advance_time(240)
    runner.send_callback_heartbeat(cb_id)
    assert runner.advance_time(240).status is ExecutionStatus.RUNNING  # heartbeat extended it
    done = runner.advance_time(120)
    assert done.result == "CallbackTimeoutError"
    assert done.get_operation("job").error.error_type == "Callback.Heartbeat"


def test_callback_failure_and_explicit_timeout_and_duplicates() -> None:
    @durable_execution
    def handler(event, ctx):
        out = []
        for name in ("a", "b"):
            try:
                out.append(ctx.create_callback(name).result())
            except CallbackError as exc:
                out.append(type(exc).__name__)
        return out

    runner = DurableTestRunner(handler)
    a = runner.run().get_operation("a").callback_id
    runner.send_callback_failure(a, "nope", error_type="Declined")
    again = runner.send_callback_success(a, "late")  # duplicate/late completion is ignored
    b = again.get_operation("b").callback_id
    done = runner.timeout_callback(b)
    assert done.result == ["CallbackExternalError", "CallbackTimeoutError"]
    assert done.get_operation("a").error.error_type == "Declined"
    assert done.get_operation("b").status is S.TIMED_OUT
    with pytest.raises(CallbackNotFoundError):
        runner.send_callback_success("unknown")


def test_invoke_runs_registered_function_and_reports_missing_one() -> None:
    @durable_execution
    def child(event, ctx):
        ctx.wait(60)
        if event.get("fail"):
            raise ValueError("child failed")
        return event["x"] * 2

    @durable_execution
    def parent(event, ctx):
        results = [ctx.invoke("child", {"x": 21}, name="ok")]
        for name, fn, payload in (("bad", "child", {"fail": True, "x": 0}),
                                  ("missing", "nobody", {})):
            try:
                ctx.invoke(fn, payload, name=name)
            except InvokeError as exc:
                results.append(exc.error_type)
        return results

    runner = DurableTestRunner(parent, functions={"child": child})
    result = runner.run()
    assert result.result == [42, "ValueError", "ResourceNotFoundException"]
    children = [i for i in runner.store.execution_ids() if i != result.execution_id]
    assert len(children) == 2
    assert runner.result(children[0]).status is ExecutionStatus.SUCCEEDED


def test_duplicate_resume_is_harmless() -> None:
    effects = []

    @durable_execution
    def handler(event, ctx):
        ctx.step(lambda _: effects.append(1), name="effect")
        return ctx.create_callback("cb").result()

    runner = DurableTestRunner(handler)
    cb = runner.run().get_operation("cb").callback_id
    runner.resume()
    runner.resume()
    done = runner.send_callback_success(cb, 7)  # the callback's result is the raw string
    assert runner.resume().result == "7" and done.result == "7"
    assert effects == [1]


def test_history_event_shapes() -> None:
    @durable_execution
    def handler(event, ctx):
        ctx.step(lambda _: {"a": 1}, name="s")
        ctx.wait(10, name="w")
        return "r"

    h = DurableTestRunner(handler).run({"in": 1}).history
    by_type = {e["EventType"]: e for e in h}
    assert by_type["ExecutionStarted"]["ExecutionStartedDetails"] == {"Input": {"Payload": '{"in": 1}'}}
    step = by_type["StepSucceeded"]
    assert step["Name"] == "s" and step["SubType"] == "Step"
    assert step["StepSucceededDetails"] == {"Result": {"Payload": '{"t":"m","v":{"a":{"t":"i","v":1}}}'},
                                            "RetryDetails": {"CurrentAttempt": 1}}
    assert by_type["WaitStarted"]["WaitStartedDetails"]["Duration"] == 10
    assert by_type["ExecutionSucceeded"]["ExecutionSucceededDetails"] == {"Result": {"Payload": '"r"'}}
    types = [e["EventType"] for e in h]
    assert types == ["ExecutionStarted", "StepStarted", "StepSucceeded", "WaitStarted",
                     "InvocationCompleted", "WaitSucceeded", "InvocationCompleted",
                     "ExecutionSucceeded"]
