"""A plugin factory selected through DURABLE_EXECUTION_PLUGINS: the test installs an entry point
``recorder = differential_handlers.plugin_discovered:FACTORY`` in group
``aws_durable_execution.plugins`` and names it in the variable; the handler passes no plugins."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin

HOOKS = []


class Recorder(DurableInstrumentationPlugin):
    def on_invocation_start(self, info):
        HOOKS.append(["invocation_start", info.is_first_invocation, info.execution_input])

    def on_invocation_end(self, info):
        HOOKS.append(["invocation_end", info.status.value, info.execution_result])

    def on_operation_end(self, info):
        HOOKS.append(["operation_end", info.operation_type.value, info.name, info.status.value])


class RecorderFactory:
    def create_plugin(self, info):
        HOOKS.append(["create_plugin", info.is_first_invocation])
        return Recorder()


FACTORY = RecorderFactory()  # the entry point's target: defined before the handler is decorated


@durable_execution
def handler(event, context: DurableContext):
    first = context.step(lambda _: "a", name="first")
    context.wait(Duration.from_seconds(1), name="pause")
    return first + context.step(lambda _: "b", name="second")
