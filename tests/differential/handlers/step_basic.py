"""Steps: named, unnamed (lambda: no name), @durable_step (named after the function)."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def add(step_context: StepContext, a: int, b: int) -> int:
    return a + b


@durable_execution
def handler(event, context: DurableContext):
    doubled = context.step(lambda _: event["n"] * 2, name="double")
    added = context.step(add(doubled, 1))
    unnamed = context.step(lambda _: "no name")
    nothing = context.step(lambda _: None, name="returns-none")
    return [doubled, added, unnamed, nothing]
