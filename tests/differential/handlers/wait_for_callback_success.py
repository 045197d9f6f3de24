"""wait_for_callback: submitter(callback_id, WaitForCallbackContext) runs as a step."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig

SUBMITTED = []


def submit(callback_id: str, wait_context) -> None:  # wait_context: types.WaitForCallbackContext
    wait_context.logger.info("submitting approval request")
    SUBMITTED.append([bool(callback_id), type(wait_context).__name__])


@durable_execution
def handler(event, context: DurableContext):
    verdict = context.wait_for_callback(submit, name="approve", config=WaitForCallbackConfig(
        timeout=Duration.from_minutes(30)))
    return {"verdict": verdict, "submitted": SUBMITTED[:1]}
