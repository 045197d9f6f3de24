"""Operation ids across nesting: root, child, map iterations, parallel branches, wait_for_callback."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig, ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: 1, name="root-step")
    context.run_in_child_context(
        lambda child: child.run_in_child_context(
            lambda grandchild: grandchild.step(lambda _: 2, name="deep"), name="inner"),
        name="outer")
    context.map([1, 2], lambda child, item, index, items: child.step(lambda _: item, name="it"),
                name="mapped", config=MapConfig(max_concurrency=1))
    context.parallel([lambda child: child.step(lambda _: "p", name="branch-step")],
                     name="par", config=ParallelConfig(max_concurrency=1))
    return "ids"
