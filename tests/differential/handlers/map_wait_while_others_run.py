"""map over 3 items, all in flight: item 0 waits 1 s (``event["mode"] == "wait"``) or runs a step
whose first attempt fails with a 1 s retry delay (``"retry"``), while items 1-2 run steps that
take longer than that on the wall clock. The SDK resumes item 0 inside the same invocation when
its timer comes due (the other branches still run), so the whole map takes one invocation."""
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, MapConfig, StepConfig
from aws_durable_execution_sdk_python.retries import (
    JitterStrategy, RetryStrategyConfig, create_retry_strategy)

ONCE_AFTER_1S = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)))


def flaky(item):
    def run(step_context):
        if step_context.attempt == 1:
            raise RuntimeError("first attempt fails")
        return item * 10
    return run


def work(mode):
    def branch(child: DurableContext, item, index, items):
        if index == 0:
            if mode == "wait":
                child.wait(Duration.from_seconds(1), name="pause")
                return child.step(lambda _: item * 10, name="after-pause")
            return child.step(flaky(item), name="flaky", config=ONCE_AFTER_1S)

        def slow(_):
            time.sleep(2.5)
            return item * 10
        return child.step(slow, name=f"slow-{index}")
    return branch


@durable_execution
def handler(event, context: DurableContext):
    batch = context.map([1, 2, 3], work(event["mode"]), name="fan-out",
                        config=MapConfig(max_concurrency=3))
    return batch.get_results()
