"""CallbackConfig(serdes=...) decodes the callback payload; without it the raw string is returned."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class Decode(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return {"decoded": json.loads(data)}


@durable_execution
def handler(event, context: DurableContext):
    decoded = context.create_callback(name="decoded", config=CallbackConfig(serdes=Decode()))
    first = decoded.result()  # one callback at a time: completions never race an invocation
    raw = context.create_callback(name="raw")
    return [first, raw.result()]
