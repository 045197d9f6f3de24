"""An instrumentation plugin: durable_execution(plugins=[factory]); the hooks it receives."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin

HOOKS = []


def op(info):
    return [info.operation_type.value, info.sub_type, info.name, info.status.value,
            info.is_replayed]


class Recorder(DurableInstrumentationPlugin):
    def on_invocation_start(self, info):
        HOOKS.append(["invocation_start", info.is_first_invocation, info.execution_input])

    def on_invocation_end(self, info):
        HOOKS.append(["invocation_end", info.status.value, info.execution_result])

    def on_operation_start(self, info):
        HOOKS.append(["operation_start"] + op(info))

    def on_operation_end(self, info):
        HOOKS.append(["operation_end"] + op(info) + [info.result])

    def on_user_function_start(self, info):
        HOOKS.append(["user_function_start", info.name, info.attempt])

    def on_user_function_end(self, info):
        HOOKS.append(["user_function_end", info.name, info.outcome.value])


class RecorderFactory:
    def create_plugin(self, info):
        HOOKS.append(["create_plugin", info.is_first_invocation])
        return Recorder()


@durable_execution(plugins=[RecorderFactory()])
def handler(event, context: DurableContext):
    first = context.step(lambda _: "a", name="first")
    context.wait(Duration.from_seconds(1), name="pause")
    second = context.run_in_child_context(lambda child: child.step(lambda _: "b", name="inner"),
                                          name="child")
    return first + second
