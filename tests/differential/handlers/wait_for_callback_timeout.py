"""wait_for_callback with a timeout nobody meets: CallbackTimeoutError, ContextFailed."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


@durable_execution
def handler(event, context: DurableContext):
    context.wait_for_callback(lambda callback_id, wait_context: None, name="too-late",
                              config=WaitForCallbackConfig(timeout=Duration.from_seconds(1)))
    return "not reached"
