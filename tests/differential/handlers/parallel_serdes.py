"""ParallelConfig(item_serdes=..., serdes=...) and nesting_type=FLAT."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import NestingType, ParallelConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class Upper(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(value.upper())

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


@durable_execution
def handler(event, context: DurableContext):
    items = context.parallel([lambda child: "left", lambda child: "right"], name="upper-items",
                             config=ParallelConfig(max_concurrency=1, item_serdes=Upper()))
    flat = context.parallel([lambda child: child.step(lambda _: 1, name="one"),
                             lambda child: child.step(lambda _: 2, name="two")], name="flat",
                            config=ParallelConfig(max_concurrency=1, nesting_type=NestingType.FLAT))
    return [items.get_results(), flat.get_results()]
