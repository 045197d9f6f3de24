"""A hand-written wait strategy (WaitForConditionDecision) and a condition serdes."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


class CountSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps({"count": value})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)["count"]


def strategy(state, attempts_made):
    if state >= 4:
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(attempts_made * 10))


@durable_execution
def handler(event, context: DurableContext):
    final = context.wait_for_condition(
        lambda state, check_context: state + 2,
        WaitForConditionConfig(wait_strategy=strategy, initial_state=0, serdes=CountSerDes()))
    return final
