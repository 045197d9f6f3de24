"""Jitter strategies NONE / FULL / HALF (input selects it) on a 4 s initial delay."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

CALLS = []


@durable_execution
def handler(event, context: DurableContext):
    strategy = create_retry_strategy(RetryStrategyConfig(
        max_attempts=3, initial_delay=Duration.from_seconds(4),
        jitter_strategy=JitterStrategy[event["jitter"]]))

    def flaky(step_context):  # counts its own calls (StepContext.attempt is tested elsewhere)
        CALLS.append(1)
        if len(CALLS) < 3:
            raise RuntimeError("again")
        return len(CALLS)

    return context.step(flaky, name="jittered", config=StepConfig(retry_strategy=strategy))
