"""invoke: a registered durable function; InvokeConfig(tenant_id=...)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig


@durable_execution
def pricing(event, context: DurableContext):
    return context.step(lambda _: {"sku": event["sku"], "price": 42}, name="lookup")


@durable_execution
def handler(event, context: DurableContext):
    quote = context.invoke("pricing", {"sku": "A-1"}, name="get-price")
    tenant = context.invoke("pricing", {"sku": "B-2"}, name="tenant-price",
                            config=InvokeConfig(tenant_id="tenant-7"))
    return [quote, tenant]
