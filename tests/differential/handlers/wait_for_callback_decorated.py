"""@durable_wait_for_callback binds extra arguments and names the operation after the function."""
from aws_durable_execution_sdk_python import (
    DurableContext, durable_execution, durable_wait_for_callback)
from aws_durable_execution_sdk_python.types import WaitForCallbackContext


@durable_wait_for_callback
def request_review(callback_id: str, wait_context: WaitForCallbackContext, reviewer: str) -> str:
    return f"{reviewer} notified"


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(request_review("alice"))
