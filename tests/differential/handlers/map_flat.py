"""MapConfig(nesting_type=NestingType.FLAT): iterations are virtual (no CONTEXT per item)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig, NestingType


def double(child, item, index, items):
    return child.step(lambda _: item * 2, name=f"double-{index}")


@durable_execution
def handler(event, context: DurableContext):
    batch = context.map([5, 6], double, name="flat", config=MapConfig(
        max_concurrency=1, nesting_type=NestingType.FLAT))
    return batch.get_results()
