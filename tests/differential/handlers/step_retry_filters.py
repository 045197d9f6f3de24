"""retryable_errors (substring / regex) and retryable_error_types decide what is retried."""
import re

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


def strategy(**filters):
    return create_retry_strategy(RetryStrategyConfig(
        max_attempts=3, initial_delay=Duration.from_seconds(1),
        jitter_strategy=JitterStrategy.NONE, **filters))


def failing(exc_type, message):
    calls = []

    def run(step_context):  # counts its own calls (StepContext.attempt is tested elsewhere)
        calls.append(1)
        raise exc_type(f"{message} (call {len(calls)})")
    return run


@durable_execution
def handler(event, context: DurableContext):
    outcomes = {}
    cases = {
        "substring-match": (failing(RuntimeError, "throttled by upstream"),
                            strategy(retryable_errors=["throttled"])),
        "regex-no-match": (failing(RuntimeError, "invalid input"),
                           strategy(retryable_errors=[re.compile(r"^throttl")])),
        "type-match": (failing(ConnectionError, "reset"),
                       strategy(retryable_error_types=[ConnectionError])),
        "type-no-match": (failing(KeyError, "missing"),
                          strategy(retryable_error_types=[ConnectionError])),
    }
    for name, (func, retry) in cases.items():
        try:
            context.step(func, name=name, config=StepConfig(retry_strategy=retry))
        except Exception as error:  # noqa: BLE001
            outcomes[name] = getattr(error, "error_type", type(error).__name__)
    return outcomes
