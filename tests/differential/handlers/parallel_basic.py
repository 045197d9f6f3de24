"""parallel: plain functions, ParallelBranch(name=...), @durable_parallel_branch; sequential."""
from aws_durable_execution_sdk_python import (
    DurableContext, ParallelBranch, durable_execution, durable_parallel_branch)
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_parallel_branch(name="fetch-orders")
def fetch_orders(child: DurableContext, user: str):
    return child.step(lambda _: [f"{user}-o1", f"{user}-o2"], name="load-orders")


@durable_execution
def handler(event, context: DurableContext):
    batch = context.parallel([
        lambda child: child.step(lambda _: {"user": "ann"}, name="load-user"),
        ParallelBranch(func=lambda child: child.step(lambda _: 3, name="count"), name="counter"),
        fetch_orders("ann"),
    ], name="load", config=ParallelConfig(max_concurrency=1))
    return {"results": batch.get_results(), "status": batch.status.value,
            "reason": batch.completion_reason.value, "total": batch.total_count}
