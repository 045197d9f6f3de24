"""@durable_execution host injection, and history of failures and retries."""
from __future__ import annotations

from typing import Any

from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.workflows import (
    Duration,
    RetryStrategyConfig,
    StepConfig,
    create_retry_strategy,
    durable_execution,
)
from durable_lambda.workflows.execution import DurableFunction, durable_function
from durable_lambda.workflows.history import history_events
from durable_lambda.workflows.host import ExecutionHost

from .helpers import Harness


class RecordingHost:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, Any, Any]] = []

    def handle(self, function: DurableFunction, event: Any, lambda_context: Any) -> Any:
        self.calls.append((function, event, lambda_context))
        return {"handledBy": "recording", "function": function.name}


def test_decorator_delegates_lambda_calls_to_the_injected_host() -> None:
    host = RecordingHost()
    assert isinstance(host, ExecutionHost)

    @durable_function(host=host, name="orders")
    def handler(event, ctx):
        return event

    assert isinstance(handler, DurableFunction) and handler.__name__ == "handler"
    assert handler({"input": 1}, "lambda-ctx") == {"handledBy": "recording", "function": "orders"}
    assert host.calls == [(handler, {"input": 1}, "lambda-ctx")]


def test_function_name_defaults_to_lambda_env(monkeypatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "my-fn")
    assert durable_execution(lambda e, c: None).name == "my-fn"


def test_history_of_a_failed_execution_with_a_pending_then_failed_step() -> None:
    strategy = create_retry_strategy(RetryStrategyConfig(max_attempts=2,
                                                         initial_delay=Duration(seconds=3)))

    @durable_execution
    def handler(event, ctx):
        ctx.step(lambda _: 1 / 0, name="div", config=StepConfig(strategy))

    h = Harness(handler)
    h.invoke()
    pending = [e["EventType"] for e in history_events(h.store.get(h.execution_id))]
    assert pending == ["ExecutionStarted", "StepStarted", "StepFailed"]  # failed attempt, retry due
    result = DurableTestRunner(handler).run()
    events = result.history
    failed = [e for e in events if e["EventType"] == "StepFailed"][-1]  # per attempt: the last
    assert failed["StepFailedDetails"]["Error"]["Payload"]["ErrorType"] == "ZeroDivisionError"
    assert failed["StepFailedDetails"]["RetryDetails"] == {"CurrentAttempt": 2,
                                                           "NextAttemptDelaySeconds": 0}
    assert events[-1]["EventType"] == "ExecutionFailed"
    assert events[-1]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorType"] == \
        "aws_durable_execution_sdk_python.exceptions.StepError"  # what escaped the handler
    assert [e["EventType"] for e in events].count("InvocationCompleted") == 2
