"""map: one step per item, sequential (max_concurrency=1); the BatchResult as the SDK gives it."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def probe(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return f"!{type(exc).__name__}: {exc}"


def describe(batch):
    return {
        "status": probe(lambda: [type(batch.status).__name__, batch.status.value]),
        "reason": probe(lambda: batch.completion_reason.value),
        "total": batch.total_count, "succeeded": batch.success_count,
        "failed": batch.failure_count, "started": batch.started_count,
        "results": batch.get_results(),
        "items": probe(lambda: [[i.index, i.status.value, i.result,
                                 i.error.type if i.error else None] for i in batch.all]),
    }


def square(child, item, index, items):
    return child.step(lambda _: item * item, name=f"square-{index}")


@durable_execution
def handler(event, context: DurableContext):
    batch = context.map([1, 2, 3], square, name="squares", config=MapConfig(max_concurrency=1))
    return describe(batch)
