"""A failed step raises StepError (error_type = the original class, message, data, __cause__)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


class InsufficientFunds(Exception):
    pass


def is_a(error, class_name):
    """isinstance against the SDK's exceptions module (recorded, not raised, if it is missing)."""
    try:
        from aws_durable_execution_sdk_python import exceptions
        return isinstance(error, getattr(exceptions, class_name))
    except Exception as exc:  # noqa: BLE001
        return f"!{type(exc).__name__}: {exc}"


def probe(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return f"!{type(exc).__name__}: {exc}"


def charge(step_context):
    raise InsufficientFunds("balance 3 < 5")


@durable_execution
def handler(event, context: DurableContext):
    try:
        context.step(charge, name="charge", config=StepConfig(retry_strategy=RetryPresets.none()))
    except Exception as error:  # noqa: BLE001
        return {
            "class": type(error).__name__,
            "is_step_error": is_a(error, "StepError"),
            "is_operation_error": is_a(error, "DurableOperationError"),
            "error_type": probe(lambda: error.error_type),
            "message": probe(lambda: error.message),
            "data": probe(lambda: error.data),
            "cause": type(error.__cause__).__name__,
            "str": str(error),
        }
    return "not reached"
