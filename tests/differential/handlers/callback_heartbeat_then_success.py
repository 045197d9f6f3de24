"""Heartbeats leave no history event; the callback then succeeds."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name="job", config=CallbackConfig(
        heartbeat_timeout=Duration.from_minutes(5)))
    return callback.result()
