"""wait(Duration): named and unnamed; a duration under 1 s is a ValidationError."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(5), name="cool-off")
    context.wait(Duration.from_minutes(1))
    context.wait(Duration(seconds=2), name="short")
    try:
        context.wait(Duration(seconds=0), name="zero")
        rejected = "accepted"
    except Exception as error:  # noqa: BLE001
        rejected = type(error).__name__
    return {"done": True, "zero_wait": rejected,
            "from_hours": Duration.from_hours(2).to_seconds(),
            "from_days": Duration.from_days(1).seconds}
