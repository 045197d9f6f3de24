"""How the plugin executor dispatches hooks where a differential test cannot look: thread-control
exceptions, exception groups, the change thread's merging and its fallback (the official SDK's
rules, see ``plugin_executor`` / ``plugin_change``)."""
from __future__ import annotations

import threading

import pytest

from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.workflows import durable_execution
from durable_lambda.workflows.plugin import (
    DurableInstrumentationPlugin, OperationChangeInfo, OperationInfo, OperationStatus,
    OperationType, PluginExecutor, PluginHost)
from durable_lambda.workflows.plugin_change import ChangeDispatcher, merge_change_infos
from durable_lambda.workflows.plugin_info import (
    DurableExecutionInvocationOutput, InvocationStatus)


class Log(DurableInstrumentationPlugin):
    def __init__(self, name: str, log: list, raise_on: dict | None = None) -> None:
        self.name, self.log, self.raise_on = name, log, raise_on or {}

    def _hook(self, hook: str) -> None:
        self.log.append((self.name, hook))
        if hook in self.raise_on:
            raise self.raise_on[hook]

    def on_invocation_start(self, info) -> None:
        self._hook("invocation_start")

    def on_invocation_end(self, info) -> None:
        self._hook("invocation_end")

    def on_operation_start(self, info) -> None:
        self._hook("operation_start")


class Make:
    def __init__(self, plugin: DurableInstrumentationPlugin) -> None:
        self.plugin = plugin

    def create_plugin(self, info) -> DurableInstrumentationPlugin:
        return self.plugin


def _start(executor: PluginExecutor) -> None:
    executor.on_invocation_start("arn", True, None, None)


def test_an_interrupt_in_a_start_hook_stops_the_fan_out_and_the_later_plugins_get_no_end():
    log: list = []
    executor = PluginExecutor([Make(Log("a", log, {"invocation_start": KeyboardInterrupt()})),
                               Make(Log("b", log))])
    with pytest.raises(KeyboardInterrupt), executor.run():
        try:
            _start(executor)
        finally:
            executor.on_invocation_end(DurableExecutionInvocationOutput(InvocationStatus.RETRY))
    # "a" counts as started (its start hook began), "b" never started: no end hook for it
    assert log == [("a", "invocation_start"), ("a", "invocation_end")]


def test_the_end_hook_reaches_every_plugin_before_an_interrupt_is_raised():
    log: list = []
    executor = PluginExecutor([Make(Log("a", log, {"invocation_end": KeyboardInterrupt()})),
                               Make(Log("b", log, {"invocation_end": SystemExit(3)}))])
    with executor.run():
        _start(executor)
        with pytest.raises(KeyboardInterrupt):  # the first one, after every plugin
            executor.on_invocation_end(
                DurableExecutionInvocationOutput(InvocationStatus.SUCCEEDED))
    assert log[-2:] == [("a", "invocation_end"), ("b", "invocation_end")]


def test_other_hooks_stop_at_an_interrupt_and_contain_everything_else():
    log: list = []
    executor = PluginExecutor([
        Make(Log("a", log, {"operation_start": ExceptionGroup("g", [ValueError("x")])})),
        Make(Log("b", log, {"operation_start": BaseExceptionGroup(
            "g", [KeyboardInterrupt(), ValueError("y")])})),
        Make(Log("c", log))])
    from durable_lambda.workflows.plugin import OperationStartInfo
    info = OperationStartInfo("op", OperationType.STEP, "Step", "s", None, None, False,
                              OperationStatus.STARTED)
    with executor.run():
        _start(executor)
        with pytest.raises(BaseExceptionGroup) as raised:
            executor.execute_plugins(info)
    assert [type(e) for e in raised.value.exceptions] == [KeyboardInterrupt]  # split out
    assert ("c", "operation_start") not in log


def _change(*names: str) -> OperationChangeInfo:
    infos = {n: OperationInfo(n, OperationType.STEP, "Step", n, None, None, False,
                              OperationStatus.SUCCEEDED) for n in names}
    return OperationChangeInfo("arn", infos, dict(infos))


def test_notifications_that_arrive_during_a_delivery_merge_into_one():
    delivered: list = []
    entered, release = threading.Event(), threading.Event()

    def deliver(info: OperationChangeInfo) -> None:
        delivered.append((threading.current_thread().name, sorted(info.updated_operations)))
        entered.set()
        release.wait(5)

    dispatcher = ChangeDispatcher.start(deliver)
    dispatcher.submit(_change("a"))
    assert entered.wait(5)
    dispatcher.submit(_change("b"))
    dispatcher.submit(_change("c"))
    release.set()
    dispatcher.join()
    assert delivered == [("plugin-change", ["a"]), ("plugin-change", ["b", "c"])]


def test_a_merge_keeps_the_newest_state():
    old, new = _change("a"), _change("b")
    newest = OperationInfo("a", OperationType.STEP, "Step", "a", None, None, False,
                           OperationStatus.FAILED)
    merged = merge_change_infos(old, OperationChangeInfo("arn", new.updated_operations,
                                                         {**new.operations, "a": newest}))
    assert merged.updated_operations["a"] is newest and set(merged.updated_operations) == {
        "a", "b"}


def test_without_a_change_thread_the_merged_notification_runs_before_invocation_end(
        monkeypatch):
    def cannot_start(cls, deliver):
        raise RuntimeError("can't start new thread")
    monkeypatch.setattr(ChangeDispatcher, "start", classmethod(cannot_start))
    seen: list = []

    class Changes(DurableInstrumentationPlugin):
        def on_operation_change(self, info) -> None:
            seen.append(("change", threading.current_thread().name,
                         sorted(i.name for i in info.updated_operations.values())))

        def on_invocation_end(self, info) -> None:
            seen.append(("end", threading.current_thread().name))

    @durable_execution(plugins=[Make(Changes())])
    def handler(event, ctx):
        ctx.step(lambda _: 1, name="one")
        return ctx.step(lambda _: 2, name="two")

    assert DurableTestRunner(handler).run().result == 2
    here = threading.current_thread().name
    assert seen == [("change", here, ["one", "two"]), ("end", here)]


def test_change_hooks_run_on_the_change_thread_before_invocation_end():
    seen: list = []

    class Changes(DurableInstrumentationPlugin):
        def on_operation_change(self, info) -> None:
            seen.append(threading.current_thread().name)

        def on_invocation_end(self, info) -> None:
            seen.append("end")

    @durable_execution(plugins=[Make(Changes())])
    def handler(event, ctx):
        return ctx.step(lambda _: 1, name="one")

    DurableTestRunner(handler).run()
    assert seen[-1] == "end" and set(seen[:-1]) == {"plugin-change"}


def test_the_handlers_failure_wins_over_an_end_hook_interrupt():
    log: list = []
    host = PluginHost([Make(Log("a", log, {"invocation_end": KeyboardInterrupt()}))])

    @host.handle_durable_output
    def body(event, context, executor):
        _start(executor)
        raise ValueError("handler failed")

    with pytest.raises(ValueError, match="handler failed"):
        body({}, None)
    assert log == [("a", "invocation_start"), ("a", "invocation_end")]


def test_an_output_that_is_not_one_fails_the_invocation_with_a_retry_end_hook():
    statuses: list = []

    class End(DurableInstrumentationPlugin):
        def on_invocation_end(self, info) -> None:
            statuses.append(info.status)

    host = PluginHost([Make(End())])

    @host.handle_durable_output
    def body(event, context, executor):
        _start(executor)
        return {"Status": "NOT A STATUS"}

    with pytest.raises(ValueError):
        body({}, None)
    assert statuses == [InvocationStatus.RETRY]
