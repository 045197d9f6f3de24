"""AT_MOST_ONCE_PER_RETRY and AT_LEAST_ONCE_PER_RETRY steps, each retried once."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

CALLS = {}


@durable_execution
def handler(event, context: DurableContext):
    retry = create_retry_strategy(RetryStrategyConfig(
        max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))

    def once_then_ok(calls):
        def run(step_context):  # counts its own calls (StepContext.attempt is tested elsewhere)
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("first attempt fails")
            return len(calls)
        return run

    results = []
    for semantics in (StepSemantics.AT_MOST_ONCE_PER_RETRY, StepSemantics.AT_LEAST_ONCE_PER_RETRY):
        calls = CALLS.setdefault(semantics.value, [])
        results.append(context.step(once_then_ok(calls), name=semantics.value,
                                    config=StepConfig(retry_strategy=retry, step_semantics=semantics)))
    return results
