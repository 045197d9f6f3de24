"""An uncaught step failure fails the execution (StepFailed event, ExecutionFailed error)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


class PaymentDeclined(Exception):
    pass


def charge(_):
    raise PaymentDeclined("card declined")


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: "reserved", name="reserve")
    context.step(charge, name="charge", config=StepConfig(retry_strategy=RetryPresets.none()))
    return "not reached"
