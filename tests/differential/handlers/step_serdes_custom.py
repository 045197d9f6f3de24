"""A custom SerDes that transforms (upper-cases): the first run returns deserialize(serialize(x))."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

CONTEXTS = []


class UpperSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        CONTEXTS.append(type(serdes_context).__name__)
        return json.dumps(value.upper())

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


@durable_execution
def handler(event, context: DurableContext):
    greeting = context.step(lambda _: "hello world", name="greet",
                            config=StepConfig(serdes=UpperSerDes()))
    return {"greeting": greeting, "serdes_context": sorted(set(CONTEXTS))}
