"""StepConfig(sub_type=...) and CallbackConfig(sub_type=...) label the operations."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, StepConfig


@durable_execution
def handler(event, context: DurableContext):
    charged = context.step(lambda _: "charged", name="charge",
                           config=StepConfig(sub_type="Payment"))
    approval = context.create_callback(name="approval",
                                       config=CallbackConfig(sub_type="Approval"))
    return [charged, approval.result()]
