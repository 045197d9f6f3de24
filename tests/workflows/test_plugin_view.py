"""The operations a plugin sees (``plugin_view``): the service's EXECUTION operation first, the
timers the service completed while the execution was suspended in their completed state, and
``updated_operations`` in the order they completed."""
from __future__ import annotations

from dataclasses import dataclass, field

from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.workflows import Duration, durable_execution
from durable_lambda.workflows.model import Operation, OperationStatus, OperationType
from durable_lambda.workflows.plugin import DurableInstrumentationPlugin
from durable_lambda.workflows.plugin_view import ServiceView, completed_by_service

S, T = OperationStatus, OperationType


@dataclass
class FakeState:
    ops: dict = field(default_factory=dict)
    now: int = 10_000
    execution_id: str = "e1"
    execution_name: str | None = None
    execution_input: str | None = '{"k": 1}'
    created_ms: int = 1_000

    def operations(self) -> dict:
        return dict(self.ops)

    def now_ms(self) -> int:
        return self.now


def _ops(*ops: Operation) -> dict:
    return {op.id: op for op in ops}


def test_execution_operation_heads_the_map() -> None:
    view = ServiceView(FakeState())
    (execution,) = view.operations().values()
    assert (execution.id, execution.type, execution.status, execution.name, execution.start_ms,
            execution.input) == ("e1", T.EXECUTION, S.STARTED, "e1", 1_000, '{"k": 1}')
    assert ServiceView(FakeState(execution_name="run-7")).operations()["e1"].name == "run-7"
    assert view.updated_ids == []


def test_due_timers_in_the_state_the_service_gives_them() -> None:
    wait = Operation("w", T.WAIT, S.STARTED, start_ms=1, scheduled_end_ms=5_000)
    later = Operation("l", T.WAIT, S.STARTED, start_ms=2, scheduled_end_ms=20_000)
    retry = Operation("r", T.STEP, S.PENDING, start_ms=3, attempt=1, next_attempt_ms=4_000)
    state = FakeState(_ops(wait, later, retry))
    view = ServiceView(state)
    ops = view.operations()
    assert list(ops) == ["e1", "w", "l", "r"]
    assert (ops["w"].status, ops["w"].end_ms) == (S.SUCCEEDED, 5_000)
    assert ops["l"] is later
    assert (ops["r"].status, ops["r"].next_attempt_ms) == (S.READY, None)
    assert view.updated_ids == ["r", "w"]  # in the order they came due
    # once this invocation writes the operation, its own state shows
    succeeded = wait.with_changes(status=S.SUCCEEDED, end_ms=10_050)
    state.ops["w"] = succeeded
    assert view.operations()["w"] is succeeded
    assert completed_by_service(later, 19_999) is None


def test_external_completions_are_updated_after_the_timers_by_time() -> None:
    step = Operation("s", T.STEP, S.SUCCEEDED, start_ms=1, end_ms=2, start_seq=1, end_seq=2)
    callback = Operation("c", T.CALLBACK, S.SUCCEEDED, start_ms=3, end_ms=9_000, start_seq=3,
                         end_seq=5)
    wait = Operation("w", T.WAIT, S.STARTED, start_ms=4, scheduled_end_ms=8_000, start_seq=4)
    view = ServiceView(FakeState(_ops(step, callback, wait)))
    assert view.updated_ids == ["w", "c"]


class Recorder(DurableInstrumentationPlugin):
    def __init__(self, seen: list) -> None:
        self.seen = seen

    def on_invocation_start(self, info) -> None:
        self.seen.append(("start", [(i.operation_type.value, i.name, i.status.value)
                                    for i in info.operations.values()],
                          [i.name for i in info.updated_operations.values()]))

    def on_invocation_end(self, info) -> None:
        self.seen.append(("end", [(i.operation_type.value, i.status.value)
                                  for i in info.operations.values()]))

    def on_operation_change(self, info) -> None:
        self.seen.append(("change", sorted(i.name for i in info.updated_operations.values()),
                          next(iter(info.operations.values())).operation_type.value))


def test_a_plugin_sees_the_services_view_across_invocations() -> None:
    seen: list = []

    class Factory:
        def create_plugin(self, info):
            return Recorder(seen)

    @durable_execution(plugins=[Factory()])
    def handler(event, ctx):
        ctx.wait(Duration.from_seconds(1), name="pause")
        return ctx.step(lambda _: "done", name="after")

    result = DurableTestRunner(handler).run({"k": 1})
    assert result.result == "done"
    name = seen[0][1][0][1]
    assert seen == [
        ("start", [("EXECUTION", name, "STARTED")], []),
        ("change", ["pause"], "EXECUTION"),
        ("end", [("EXECUTION", "STARTED"), ("WAIT", "STARTED")]),
        ("start", [("EXECUTION", name, "STARTED"), ("WAIT", "pause", "SUCCEEDED")], ["pause"]),
        ("change", ["after"], "EXECUTION"),  # the wait's SUCCEEDED is no change
        ("end", [("EXECUTION", "STARTED"), ("WAIT", "SUCCEEDED"), ("STEP", "SUCCEEDED")]),
    ]
