"""An exception raised by the handler itself (outside any operation) fails the execution."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    total = context.step(lambda _: 41, name="total")
    raise ValueError(f"total {total} is odd")
