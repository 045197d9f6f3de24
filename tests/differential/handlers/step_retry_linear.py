"""create_linear_retry_strategy(LinearRetryStrategyConfig): initial + increment * (n - 1)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import (
    LinearRetryStrategyConfig, create_linear_retry_strategy)


@durable_execution
def handler(event, context: DurableContext):
    strategy = create_linear_retry_strategy(LinearRetryStrategyConfig(
        max_attempts=4, initial_delay=Duration.from_seconds(2), increment=Duration.from_seconds(3),
        jitter_strategy=JitterStrategy.NONE))

    def always_fails(step_context):
        raise RuntimeError("still down")

    try:
        context.step(always_fails, name="linear", config=StepConfig(retry_strategy=strategy))
    except Exception as error:  # noqa: BLE001
        return type(error).__name__
    return "not reached"
