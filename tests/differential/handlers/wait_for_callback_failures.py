"""wait_for_callback failures: the submitter fails (CallbackSubmitterError) or the callback is
failed externally (CallbackExternalError); both are CallbackErrors."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import WaitForCallbackConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


def is_a(error, class_name):
    """isinstance against the SDK's exceptions module (recorded, not raised, if it is missing)."""
    try:
        from aws_durable_execution_sdk_python import exceptions
        return isinstance(error, getattr(exceptions, class_name))
    except Exception as exc:  # noqa: BLE001
        return f"!{type(exc).__name__}: {exc}"


def describe(error):
    return {"class": type(error).__name__, "is_callback_error": is_a(error, "CallbackError"),
            "error_type": getattr(error, "error_type", None),
            "message": getattr(error, "message", str(error))}


def broken_submitter(callback_id, wait_context):
    raise ConnectionRefusedError("queue unavailable")


@durable_execution
def handler(event, context: DurableContext):
    out = {}
    try:
        context.wait_for_callback(broken_submitter, name="submit-fails",
                                  config=WaitForCallbackConfig(retry_strategy=RetryPresets.none()))
    except Exception as error:  # noqa: BLE001
        out["submitter"] = describe(error)
    try:
        context.wait_for_callback(lambda callback_id, wait_context: None, name="rejected")
    except Exception as error:  # noqa: BLE001
        out["external"] = describe(error)
    return out
