"""StepContext.attempt is 1-based and grows with each retry; the step logger is per attempt."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

SEEN = []


@durable_execution
def handler(event, context: DurableContext):
    def flaky(step_context: StepContext):
        SEEN.append(step_context.attempt)
        if step_context.attempt < 3:
            raise ConnectionError(f"attempt {step_context.attempt} failed")
        return step_context.attempt

    strategy = create_retry_strategy(RetryStrategyConfig(
        max_attempts=5, initial_delay=Duration.from_seconds(2),
        jitter_strategy=JitterStrategy.NONE))
    attempt = context.step(flaky, name="flaky", config=StepConfig(retry_strategy=strategy))
    return {"succeeded_on": attempt, "attempts_seen": sorted(set(SEEN))}
