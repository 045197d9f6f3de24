"""Plugin factories that opt in to the registration API (``__durable_registration_api__ = 1``):
``exclusive_group`` and ``on_registration_result(registered)``. ``handler`` registers two
compatible factories; ``outcomes()`` / ``discovered_outcomes()`` try other registrations
(explicit, and with ``DURABLE_EXECUTION_PLUGINS`` naming the entry points the test installs:
``tracer-b`` -> ``DISCOVERED_B``, ``tracer-a`` -> ``EXPLICIT_A``, ``broken`` -> ``BROKEN``)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.exceptions import PluginLoadError
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin

RESULTS = []  # on_registration_result calls: [label, registered]
HOOKS = []


class Recorder(DurableInstrumentationPlugin):
    def __init__(self, label):
        self.label = label

    def on_invocation_start(self, info):
        HOOKS.append([self.label, "invocation_start"])

    def on_invocation_end(self, info):
        HOOKS.append([self.label, "invocation_end", info.status.value])


class Factory:
    """Not opted in: the registration API does not apply."""

    def __init__(self, label):
        self.label = label

    def create_plugin(self, info):
        return Recorder(self.label)

    def on_registration_result(self, registered):
        RESULTS.append([self.label, registered])


class TracerA(Factory):
    __durable_registration_api__ = 1
    exclusive_group = "tracing"


class TracerB(Factory):
    __durable_registration_api__ = 1
    exclusive_group = "tracing"


class Metrics(Factory):
    __durable_registration_api__ = 1
    exclusive_group = "metrics"


class NoGroup(Factory):
    __durable_registration_api__ = 1  # a callback, no group


class Unmarked(Factory):
    exclusive_group = "tracing"  # unmarked: ignored, and so is its callback


class BoolMarker(Factory):
    __durable_registration_api__ = True  # not the int 1: not opted in
    exclusive_group = "tracing"


class Version2(TracerA):
    __durable_registration_api__ = 2  # an unsupported marker switches the inherited one off


class TracerSub(TracerA):
    """Inherits TracerA's contract; its own unmarked members are ignored."""

    exclusive_group = "other"

    def on_registration_result(self, registered):
        RESULTS.append([self.label, "subclass callback", registered])


class TracerSubMarked(TracerA):
    """Repeats the marker: its own group is added to the inherited one."""

    __durable_registration_api__ = 1
    exclusive_group = "sampling"


class BlankGroup(Factory):
    __durable_registration_api__ = 1
    exclusive_group = "  "


class NumberGroup(Factory):
    __durable_registration_api__ = 1
    exclusive_group = 7


class RaisingCallback(Factory):
    __durable_registration_api__ = 1

    def on_registration_result(self, registered):
        RESULTS.append([self.label, "raising", registered])
        raise RuntimeError("callback bug")


class ClassLevelFactory:
    """A class registered as its own factory (classmethod create_plugin)."""

    __durable_registration_api__ = 1
    exclusive_group = "tracing"

    @classmethod
    def create_plugin(cls, info):
        return Recorder("class-level")

    @classmethod
    def on_registration_result(cls, registered):
        RESULTS.append(["class-level", registered])


class NotAFactory:
    __durable_registration_api__ = 1

    def on_registration_result(self, registered):
        RESULTS.append(["not-a-factory", registered])


EXPLICIT_A = TracerA("explicit-a")
DISCOVERED_B = TracerB("discovered-b")
BROKEN = NotAFactory()


def attempt(factories):
    """Decorate a handler with ``factories``: the error (type, message) or None, and the
    registration results in call order."""
    del RESULTS[:]
    try:
        durable_execution(plugins=factories)(lambda event, context: None)
        error = None
    except PluginLoadError as exc:
        error = [type(exc).__name__, str(exc)]
    return [error, list(RESULTS)]


def outcomes():
    cases = {
        "two in one group": lambda: [TracerA("a"), Metrics("m"), TracerB("b")],
        "same class twice": lambda: [TracerA("a1"), TracerA("a2")],
        "same object twice": lambda: [EXPLICIT_A, EXPLICIT_A],
        "different groups": lambda: [TracerA("a"), Metrics("m"), NoGroup("n")],
        "unmarked ignored": lambda: [TracerA("a"), Unmarked("u"), BoolMarker("t")],
        "unsupported marker": lambda: [TracerA("a"), Version2("v2")],
        "subclass inherits": lambda: [TracerSub("sub"), TracerB("b")],
        "subclass only": lambda: [TracerSub("sub"), Metrics("m")],
        "marked subclass": lambda: [TracerSubMarked("marked"), Factory("f")],
        "marked subclass conflict": lambda: [Metrics("m"), TracerSubMarked("marked"), TracerB("b")],
        "blank group": lambda: [Metrics("m"), BlankGroup("blank")],
        "number group": lambda: [NumberGroup("number"), Metrics("m")],
        "raising callback": lambda: [RaisingCallback("r"), Metrics("m")],
        "class as factory": lambda: [ClassLevelFactory, Metrics("m")],
        "class as factory conflict": lambda: [TracerA("a"), ClassLevelFactory],
        "not a factory": lambda: [Metrics("m"), NotAFactory(), TracerA("a")],
    }
    return {name: attempt(build()) for name, build in cases.items()}


def discovered_outcomes(environ):
    """Each case sets DURABLE_EXECUTION_PLUGINS in ``environ`` (the test restores it)."""
    cases = {
        "explicit and discovered in one group": ("tracer-b", lambda: [EXPLICIT_A]),
        "discovered beside explicit": ("tracer-b", lambda: [Metrics("m")]),
        "same object explicit and discovered": ("tracer-a", lambda: [EXPLICIT_A]),
        "two discovered in one group": ("tracer-a,tracer-b", lambda: []),
        "discovered not a factory": ("broken", lambda: [Metrics("m")]),
        "missing provider": ("tracer-b,missing", lambda: [Metrics("m")]),
    }
    out = {}
    for name, (names, build) in cases.items():
        environ["DURABLE_EXECUTION_PLUGINS"] = names
        out[name] = attempt(build())
    environ["DURABLE_EXECUTION_PLUGINS"] = ""
    return out


@durable_execution(plugins=[TracerA("tracer"), Metrics("metrics")])
def handler(event, context: DurableContext):
    return context.step(lambda _: "done", name="work")
