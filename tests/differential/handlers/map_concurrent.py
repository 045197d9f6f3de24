"""map with every item at once (max_concurrency=None), a wait in each iteration.

The waits are equally long so that they come due together under either runner's clock (the
official local runner skips all pending time at once; ours skips to the next timer)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def slow_double(child, item, index, items):
    child.wait(Duration.from_seconds(2), name=f"pause-{index}")
    return child.step(lambda _: item * 2, name=f"double-{index}")


@durable_execution
def handler(event, context: DurableContext):
    batch = context.map([1, 2, 3, 4], slow_double, name="fan-out")
    return {"results": batch.get_results(), "total": batch.total_count}
