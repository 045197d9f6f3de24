"""invoke of a function that fails: InvokeError (error_type = the target's error) when caught;
uncaught, the execution fails with the SDK's InvokeError type."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def inventory(event, context: DurableContext):
    raise KeyError(f"unknown sku {event['sku']}")


@durable_execution
def handler(event, context: DurableContext):
    try:
        context.invoke("inventory", {"sku": "X"}, name="check")
    except Exception as error:  # noqa: BLE001
        caught = [type(error).__name__, getattr(error, "error_type", None),
                  getattr(error, "message", str(error))]
    context.step(lambda _: caught, name="record")
    context.invoke("inventory", {"sku": "Y"}, name="check-again")
    return "not reached"
