"""create_retry_strategy: exponential backoff capped at max_delay, no jitter, then final failure."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


@durable_execution
def handler(event, context: DurableContext):
    strategy = create_retry_strategy(RetryStrategyConfig(
        max_attempts=4, initial_delay=Duration.from_seconds(2), backoff_rate=3,
        max_delay=Duration.from_seconds(10), jitter_strategy=JitterStrategy.NONE))

    def always_fails(step_context):
        raise TimeoutError("upstream timed out")

    try:
        context.step(always_fails, name="call-upstream", config=StepConfig(retry_strategy=strategy))
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None)]
    return "not reached"
