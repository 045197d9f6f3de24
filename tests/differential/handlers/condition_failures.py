"""wait_for_condition fails: attempts exhausted, or the check raises (WaitForConditionError)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig, WaitStrategyConfig, create_wait_strategy)


def describe(error):
    return {"class": type(error).__name__, "error_type": getattr(error, "error_type", None),
            "message": getattr(error, "message", str(error))}


def broken_check(state, check_context):
    raise LookupError("status endpoint 404")


@durable_execution
def handler(event, context: DurableContext):
    out = {}
    never = create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=lambda state: True, max_attempts=2,
        initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))
    try:
        context.wait_for_condition(lambda state, check_context: state,
                                   WaitForConditionConfig(wait_strategy=never, initial_state="x"),
                                   name="never-ready")
    except Exception as error:  # noqa: BLE001
        out["exhausted"] = describe(error)
    try:
        context.wait_for_condition(broken_check,
                                   WaitForConditionConfig(wait_strategy=never, initial_state="x"),
                                   name="broken")
    except Exception as error:  # noqa: BLE001
        out["check_raised"] = describe(error)
    return out
