"""A failing child context raises ChildContextError (error_type of the inner error)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


class Overdrawn(Exception):
    pass


def body(child: DurableContext):
    child.step(lambda _: "debited", name="debit")
    raise Overdrawn("account 7 overdrawn")


@durable_execution
def handler(event, context: DurableContext):
    try:
        context.run_in_child_context(body, name="transfer")
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None),
                getattr(error, "message", str(error))]
    return "not reached"
