"""An externally failed callback raises CallbackExternalError (a CallbackError) from result()."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


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


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name="payment")
    try:
        callback.result()
    except Exception as error:  # noqa: BLE001
        return {"class": type(error).__name__,
                "is_callback_external_error": is_a(error, "CallbackExternalError"),
                "error_type": probe(lambda: error.error_type),
                "message": probe(lambda: error.message), "data": probe(lambda: error.data)}
    return "not reached"
