"""with_retry: a block of durable operations retried as a whole (child context + backoff waits)."""
from aws_durable_execution_sdk_python import (
    DurableContext, WithRetryConfig, durable_execution, with_retry)
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


def block(child: DurableContext, attempt: int):
    fetched = child.step(lambda _: f"fetched on {attempt}", name=f"fetch-{attempt}")
    if attempt < 2:
        raise ConnectionError(f"validation failed on attempt {attempt}")
    return fetched


@durable_execution
def handler(event, context: DurableContext):
    strategy = create_retry_strategy(RetryStrategyConfig(
        max_attempts=3, initial_delay=Duration.from_seconds(2),
        jitter_strategy=JitterStrategy.NONE))
    return with_retry(context, block, WithRetryConfig(retry_strategy=strategy), name="sync")
