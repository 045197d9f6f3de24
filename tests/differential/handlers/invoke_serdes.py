"""InvokeConfig(serdes_payload=..., serdes_result=...)."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class Wrapped(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


@durable_execution
def echo(event, context: DurableContext):
    return {"echo": event}


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke("echo", [1, 2], name="echo", config=InvokeConfig(
        serdes_payload=Wrapped(), serdes_result=Wrapped()))
