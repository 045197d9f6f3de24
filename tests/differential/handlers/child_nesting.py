"""run_in_child_context nested two levels, with a wait inside; @durable_with_child_context;
ChildConfig(sub_type=...)."""
from aws_durable_execution_sdk_python import (
    DurableContext, durable_execution, durable_with_child_context)
from aws_durable_execution_sdk_python.config import ChildConfig, Duration


@durable_with_child_context
def ship(child: DurableContext, order: str):
    label = child.step(lambda _: f"label-{order}", name="label")
    child.wait(Duration.from_seconds(2), name="pickup")

    def inner(grandchild: DurableContext):
        return grandchild.step(lambda _: f"{label}-tracked", name="track")

    return child.run_in_child_context(inner, name="tracking")


@durable_execution
def handler(event, context: DurableContext):
    shipped = context.run_in_child_context(ship("o-1"))
    custom = context.run_in_child_context(lambda child: child.step(lambda _: 1, name="one"),
                                          name="custom", config=ChildConfig(sub_type="Billing"))
    return [shipped, custom]
