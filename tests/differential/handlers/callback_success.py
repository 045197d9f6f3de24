"""create_callback: the id goes out, result() returns the raw payload string by default."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name="approval", config=CallbackConfig(timeout=Duration.from_minutes(10),
                                               heartbeat_timeout=Duration.from_minutes(2)))
    context.step(lambda _: f"sent {len(callback.callback_id) > 0}", name="notify")
    value = callback.result()
    return {"value": value, "type": type(value).__name__}
