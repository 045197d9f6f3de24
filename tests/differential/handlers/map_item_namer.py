"""MapConfig(item_namer=...) names each iteration; map name falls back to the function's."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def greet(child, user, index, users):
    return child.step(lambda _: f"hi {user}", name="greet")


@durable_execution
def handler(event, context: DurableContext):
    batch = context.map(["ann", "bob"], greet, name="greetings", config=MapConfig(
        max_concurrency=1, item_namer=lambda user, index: f"user-{user}"))
    return batch.get_results()
