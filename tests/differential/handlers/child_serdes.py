"""ChildConfig(serdes=...) that transforms: the first run returns deserialize(serialize(x))."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ChildConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class Upper(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(value.upper())

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(lambda child: "quiet words", name="shout",
                                        config=ChildConfig(serdes=Upper()))
