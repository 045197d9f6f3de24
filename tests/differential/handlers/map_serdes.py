"""map serdes vs item_serdes: item_serdes for each iteration's result, serdes for the BatchResult
(and, when item_serdes is not given, for both)."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

USED = []


class Tagging(SerDes):
    def __init__(self, tag):
        self.tag = tag

    def serialize(self, value, serdes_context: SerDesContext) -> str:
        USED.append(self.tag)
        if isinstance(value, str):
            return json.dumps(f"{self.tag}:{value}")
        return json.dumps({"tag": self.tag, "summary": [item.result for item in value.all]})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


def label(child, item, index, items):
    return f"item{item}"


@durable_execution
def handler(event, context: DurableContext):
    both = context.map([1, 2], label, name="item-and-batch", config=MapConfig(
        max_concurrency=1, serdes=Tagging("batch"), item_serdes=Tagging("item")))
    only = context.map([3], label, name="serdes-only", config=MapConfig(
        max_concurrency=1, serdes=Tagging("only")))
    return {"both": both, "only": only, "used": sorted(set(USED))}
