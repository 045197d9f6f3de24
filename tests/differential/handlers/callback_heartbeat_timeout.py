"""No heartbeat within heartbeat_timeout: CallbackTimedOut with ErrorType Callback.Heartbeat."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name="worker", config=CallbackConfig(
        timeout=Duration.from_minutes(5), heartbeat_timeout=Duration.from_seconds(1)))
    try:
        callback.result()
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None),
                getattr(error, "message", str(error))]
    return "not reached"
