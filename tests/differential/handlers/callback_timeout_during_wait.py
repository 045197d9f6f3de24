"""A 3 s callback timeout during a 6 s wait: the callback times out on its own timer."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name="quote", config=CallbackConfig(
        timeout=Duration.from_seconds(3)))
    context.wait(Duration.from_seconds(6), name="grace")
    try:
        return callback.result()
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None)]
