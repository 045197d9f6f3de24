"""Instrumentation plugins as the official SDK calls them: ``durable_execution(plugins=
[factory])``, one plugin per invocation, each hook at the SDK's point with the SDK's info, and a
plugin can never fail the execution."""
from __future__ import annotations

import pytest

from durable_lambda.testing.durable_runner import DurableTestRunner, ExecutionStatus
from durable_lambda.workflows import (
    Duration, PluginLoadError, RetryPresets, StepConfig, durable_execution)
from durable_lambda.workflows.plugin import DurableInstrumentationPlugin, InvocationStatus


class Recorder(DurableInstrumentationPlugin):
    def __init__(self, hooks: list) -> None:
        self.hooks = hooks

    def on_invocation_start(self, info) -> None:
        self.hooks.append(("invocation_start", info.is_first_invocation, info.execution_input,
                           sorted(info.updated_operations)))

    def on_invocation_end(self, info) -> None:
        self.hooks.append(("invocation_end", info.status, info.execution_result,
                           info.error.error_type if info.error else None))

    def on_operation_start(self, info) -> None:
        self.hooks.append(("op_start", info.operation_type.value, info.name, info.is_replayed))

    def on_operation_end(self, info) -> None:
        self.hooks.append(("op_end", info.name, info.status.value, info.result))

    def on_user_function_start(self, info) -> None:
        self.hooks.append(("fn_start", info.name, info.attempt))

    def on_user_function_end(self, info) -> None:
        self.hooks.append(("fn_end", info.name, info.outcome.value))


class Factory:
    def __init__(self) -> None:
        self.hooks: list = []
        self.created = 0

    def create_plugin(self, info) -> Recorder:
        self.created += 1
        return Recorder(self.hooks)


def test_hooks_follow_the_sdk_order_across_invocations() -> None:
    factory = Factory()

    @durable_execution(plugins=[factory])
    def handler(event, ctx):
        first = ctx.step(lambda _: "a", name="first")
        ctx.wait(Duration.from_seconds(1), name="pause")
        return first + ctx.run_in_child_context(lambda c: c.step(lambda _: "b", name="inner"),
                                                name="child")

    result = DurableTestRunner(handler).run({"k": 1})
    assert result.result == "ab" and factory.created == 2  # one plugin per invocation
    assert factory.hooks == [
        ("invocation_start", True, {"k": 1}, []),
        ("op_start", "STEP", "first", False), ("fn_start", "first", 1),
        ("fn_end", "first", "SUCCEEDED"),
        ("op_end", "first", "SUCCEEDED", '"a"'),
        ("op_start", "WAIT", "pause", False),
        ("invocation_end", InvocationStatus.PENDING, None, None),
        # the elapsed wait: completed by the service while suspended (updated), no replayed start
        ("invocation_start", False, {"k": 1}, [result.get_operation("pause").id]),
        ("op_end", "pause", "SUCCEEDED", None),
        ("op_start", "CONTEXT", "child", False), ("fn_start", "child", 1),
        ("op_start", "STEP", "inner", False), ("fn_start", "inner", 1),
        ("fn_end", "inner", "SUCCEEDED"), ("op_end", "inner", "SUCCEEDED", '"b"'),
        ("fn_end", "child", "SUCCEEDED"), ("op_end", "child", "SUCCEEDED", '"b"'),
        ("invocation_end", InvocationStatus.SUCCEEDED, '"ab"', None),
    ]


def test_retried_steps_report_each_attempt_and_a_failed_execution() -> None:
    factory = Factory()

    @durable_execution(plugins=[factory])
    def handler(event, ctx):
        return ctx.step(lambda _: 1 / 0, name="div", config=StepConfig(
            retry_strategy=RetryPresets.fixed(Duration(1))))

    result = DurableTestRunner(handler).run()
    assert result.status is ExecutionStatus.FAILED
    attempts = [h for h in factory.hooks if h[0] == "fn_start"]
    assert attempts == [("fn_start", "div", n) for n in range(1, 6)]
    starts = [h for h in factory.hooks if h[0] == "op_start"]
    assert starts[0] == ("op_start", "STEP", "div", False)
    assert all(s[3] for s in starts[1:])  # a retry's START is a replayed operation's
    assert factory.hooks[-2] == ("op_end", "div", "FAILED", None)
    assert factory.hooks[-1] == ("invocation_end", InvocationStatus.FAILED, None,
                                 "aws_durable_execution_sdk_python.exceptions.StepError")


def test_a_callback_completed_while_suspended_is_an_updated_operation() -> None:
    factory = Factory()

    @durable_execution(plugins=[factory])
    def handler(event, ctx):
        return ctx.create_callback("cb").result()

    runner = DurableTestRunner(handler)
    cb = runner.run().get_operation("cb")
    done = runner.send_callback_success(cb.callback_id, "ok")
    assert done.result == '"ok"'
    second = factory.hooks[factory.hooks.index(("invocation_end", InvocationStatus.PENDING,
                                                None, None)) + 1:]
    assert second[0] == ("invocation_start", False, None, [cb.id])
    assert second[1] == ("op_end", "cb", "SUCCEEDED", '"ok"')


def test_failing_plugins_never_fail_the_execution() -> None:
    class Broken(DurableInstrumentationPlugin):
        def on_operation_start(self, info) -> None:
            raise RuntimeError("plugin bug")

    class BrokenFactory:
        def create_plugin(self, info):
            return Broken()

    class RaisingFactory:
        def create_plugin(self, info):
            raise RuntimeError("factory bug")

    class NotAPluginFactory:
        def create_plugin(self, info):
            return object()

    good = Factory()

    @durable_execution(plugins=[BrokenFactory(), RaisingFactory(), NotAPluginFactory(), good])
    def handler(event, ctx):
        return ctx.step(lambda _: 7, name="s")

    assert DurableTestRunner(handler).run().result == 7
    assert ("op_end", "s", "SUCCEEDED", "7") in good.hooks


def test_a_plugin_class_is_not_a_factory() -> None:
    with pytest.raises(PluginLoadError, match=r"plugins\[0\] must be a plugin factory .* but is "
                       r"the class tests\.workflows\.test_api_plugins\.Recorder\."):
        durable_execution(plugins=[Recorder])(lambda e, c: None)


class _Opted:
    __durable_registration_api__ = 1

    def create_plugin(self, info) -> Recorder:
        return Recorder([])


def test_a_registration_callback_cannot_swallow_an_interrupt() -> None:
    class Interrupting(_Opted):
        __durable_registration_api__ = 1  # a subclass's own members count only with it

        def on_registration_result(self, registered: bool) -> None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        durable_execution(plugins=[Interrupting()])(lambda e, c: None)


def test_an_unreadable_exclusive_group_is_a_load_error_and_candidates_hear_false() -> None:
    heard: list = []

    class Meta(type):
        @property
        def exclusive_group(cls) -> str:
            raise RuntimeError("unreadable")

    class Unreadable(_Opted, metaclass=Meta):
        __durable_registration_api__ = 1

    class Listener(_Opted):
        __durable_registration_api__ = 1

        def on_registration_result(self, registered: bool) -> None:
            heard.append(registered)

    with pytest.raises(PluginLoadError, match=r"Cannot read exclusive_group for .*Unreadable\."):
        durable_execution(plugins=[Listener(), Unreadable()])(lambda e, c: None)
    assert heard == [False]
