"""No retry strategy configured: the SDK default (6 attempts, 5 s initial, x2, <= 60 s, full jitter)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    def always_fails(step_context):
        raise OSError("disk unavailable")

    try:
        context.step(always_fails, name="default-retries")
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None)]
    return "not reached"
