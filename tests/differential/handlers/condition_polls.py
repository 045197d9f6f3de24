"""wait_for_condition with create_wait_strategy(WaitStrategyConfig): three polls, per-poll history."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig, WaitStrategyConfig, create_wait_strategy)


def check(state, check_context):
    return {"polls": state["polls"] + 1, "attempt": check_context.attempt}


@durable_execution
def handler(event, context: DurableContext):
    strategy = create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=lambda state: state["polls"] < 3,
        initial_delay=Duration.from_seconds(2), backoff_rate=2,
        max_delay=Duration.from_seconds(3), jitter_strategy=JitterStrategy.NONE))
    return context.wait_for_condition(
        check, WaitForConditionConfig(wait_strategy=strategy, initial_state={"polls": 0}),
        name="job-done")
