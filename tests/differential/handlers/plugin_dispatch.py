"""How hooks are dispatched: two plugins, the first raising from several hooks (and a factory
that raises, one that returns None); the user code records where it runs among the hooks; each
hook records its thread (the handler's, the plugin change thread, another) and a ContextVar a
hook sets (seen by the handler, not by the next invocation)."""
import contextvars
import threading

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin

EVENTS = []   # hooks and user code, in call order
CHANGES = []  # on_operation_change: [invocation, thread, {name: status}]
INVOCATION = {"n": 0, "thread": None}
TRACE = contextvars.ContextVar("trace", default="unset")


def where():
    thread = threading.current_thread()
    if thread is INVOCATION["thread"]:
        return "handler"
    return "plugin-change" if thread.name == "plugin-change" else "other"


def op(info):
    return [info.operation_type.value, info.name, info.status.value]


class Raising(DurableInstrumentationPlugin):
    """Raises from every hook after recording it."""

    def record(self, *entry):
        EVENTS.append(["raising", *entry, where()])
        raise ValueError(f"plugin bug in {entry[0]}")

    def on_invocation_start(self, info):
        INVOCATION["n"] += 1
        INVOCATION["thread"] = threading.current_thread()
        EVENTS.append(["raising", "invocation_start", TRACE.get()])
        TRACE.set(f"invocation {INVOCATION['n']}")
        raise ValueError("plugin bug in invocation_start")

    def on_invocation_end(self, info):
        self.record("invocation_end", info.status.value)

    def on_operation_start(self, info):
        self.record("operation_start", *op(info))

    def on_operation_end(self, info):
        self.record("operation_end", *op(info))

    def on_user_function_start(self, info):
        self.record("user_function_start", info.name)

    def on_user_function_end(self, info):
        self.record("user_function_end", info.name, info.outcome.value)

    def on_operation_change(self, info):
        raise ValueError("plugin bug in operation_change")


class Recording(DurableInstrumentationPlugin):
    def on_invocation_start(self, info):
        EVENTS.append(["recording", "invocation_start", TRACE.get(), where()])

    def on_invocation_end(self, info):
        EVENTS.append(["recording", "invocation_end", info.status.value, where()])

    def on_operation_start(self, info):
        EVENTS.append(["recording", "operation_start", *op(info), where()])

    def on_operation_end(self, info):
        EVENTS.append(["recording", "operation_end", *op(info), where()])

    def on_user_function_start(self, info):
        EVENTS.append(["recording", "user_function_start", info.name, where()])

    def on_user_function_end(self, info):
        EVENTS.append(["recording", "user_function_end", info.name, info.outcome.value,
                       where()])

    def on_operation_change(self, info):
        CHANGES.append([INVOCATION["n"], where(), {
            i.name or i.operation_type.value: i.status.value
            for i in info.updated_operations.values()}])


class RaisingFactory:
    def create_plugin(self, info):
        EVENTS.append(["factory", "raising"])
        raise RuntimeError("factory bug")


class NoneFactory:
    def create_plugin(self, info):
        EVENTS.append(["factory", "none"])
        return None


class Make:
    def __init__(self, cls):
        self.cls = cls

    def create_plugin(self, info):
        EVENTS.append(["factory", self.cls.__name__])
        return self.cls()


def final_changes():
    """Per invocation: each operation's newest status among the change notifications, and the
    threads they ran on (how many calls there are is not specified)."""
    out = {}
    for invocation, thread, updated in CHANGES:
        entry = out.setdefault(str(invocation), {"threads": [], "status": {}})
        if thread not in entry["threads"]:
            entry["threads"].append(thread)
        entry["status"].update(updated)
    return out


def observe():
    return {"events": EVENTS, "changes": final_changes()}


def body(name):
    EVENTS.append(["user", "in step", name, where(), TRACE.get()])
    return name


@durable_execution(plugins=[RaisingFactory(), Make(Raising), NoneFactory(), Make(Recording)])
def handler(event, context: DurableContext):
    EVENTS.append(["user", "handler", where(), TRACE.get()])
    first = context.step(lambda _: body("one"), name="one")
    EVENTS.append(["user", "after one", where()])
    context.wait(Duration.from_seconds(1), name="pause")
    EVENTS.append(["user", "after pause", where(), TRACE.get()])
    second = context.run_in_child_context(
        lambda child: child.step(lambda _: body("two"), name="two"), name="child")
    return first + second
