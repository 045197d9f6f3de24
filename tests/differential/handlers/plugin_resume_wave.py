"""The start, end and user-function hooks of a map whose branch 0 is run again in the same
invocation when its timer comes due (``event["mode"]``: a wait, or a step retry) while branches
1-2 still run: the retry's second START is a start hook (replayed), the branch is not started
again. Branches run concurrently: the hooks are compared as a multiset. The change notifications
are recorded in call order: each call's updated operations and its full map (name -> status, the
service's EXECUTION operation as "EXECUTION"); the test compares them as calls that may merge."""
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, MapConfig, StepConfig
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin
from aws_durable_execution_sdk_python.retries import (
    JitterStrategy, RetryStrategyConfig, create_retry_strategy)

HOOKS = []
CHANGES = []  # on_operation_change, in call order: {"updated": {...}, "operations": {...}}
ONCE_AFTER_1S = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)))


class Recorder(DurableInstrumentationPlugin):
    def on_operation_start(self, info):
        HOOKS.append(["start", info.name, info.status.value, info.is_replayed])

    def on_operation_end(self, info):
        HOOKS.append(["end", info.name, info.status.value, info.attempt])

    def on_user_function_start(self, info):
        HOOKS.append(["fn_start", info.name, info.attempt])

    def on_user_function_end(self, info):
        HOOKS.append(["fn_end", info.name, info.outcome.value])

    def on_operation_change(self, info):
        CHANGES.append({"updated": statuses(info.updated_operations),
                        "operations": statuses(info.operations)})


def statuses(operations):
    return {"EXECUTION" if op.operation_type.value == "EXECUTION" else op.name: op.status.value
            for op in operations.values()}


class Factory:
    def create_plugin(self, info):
        return Recorder()


def observe():
    return {"hooks": sorted(HOOKS, key=repr), "changes": CHANGES}


def flaky(step_context):
    if step_context.attempt == 1:
        raise RuntimeError("first attempt fails")
    return step_context.attempt


def work(mode):
    def branch(child: DurableContext, item, index, items):
        if index == 0:
            if mode == "wait":
                child.wait(Duration.from_seconds(1), name="pause")
                return child.step(lambda _: item, name="after-pause")
            return child.step(flaky, name="flaky", config=ONCE_AFTER_1S)

        def slow(_):
            time.sleep(2.5)
            return item
        return child.step(slow, name=f"slow-{index}")
    return branch


@durable_execution(plugins=[Factory()])
def handler(event, context: DurableContext):
    return context.map([1, 2, 3], work(event["mode"]), name="fan-out",
                       config=MapConfig(max_concurrency=3)).get_results()
