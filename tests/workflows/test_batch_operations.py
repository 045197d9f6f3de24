"""map/parallel operations as the SDK records them: names, sub types, ids, nesting, serdes,
replay of the checkpointed result and of a result too large to checkpoint."""
from __future__ import annotations

import json

from durable_lambda.workflows import MapConfig, ParallelConfig
from durable_lambda.workflows.config import NestingType, ParallelBranch
from durable_lambda.workflows.ids import operation_id
from durable_lambda.workflows.model import OperationType
from durable_lambda.workflows.outcome import OutcomeStatus

from .helpers import Harness


class Upper:
    """A serdes that upper-cases strings on the way in."""

    def serialize(self, value, context):
        return json.dumps(value.upper() if isinstance(value, str) else value)

    def deserialize(self, data, context):
        return json.loads(data)


def test_names_sub_types_and_ids() -> None:
    def handler(e, ctx):
        m = ctx.map(["x", "y"], lambda c, item, i, xs: c.step(lambda _: item, name="s"),
                    name="m", config=MapConfig(item_namer=lambda item, i: f"item-{item}"))
        p = ctx.parallel([ParallelBranch(lambda c: 1, name="one"), lambda c: 2], name="p")
        return m.get_results() + p.get_results()

    h = Harness(handler)
    h.invoke()
    assert h.result() == ["x", "y", 1, 2]
    m, p = h.op("m"), h.op("p")
    assert (m.type, m.sub_type, m.id) == (OperationType.CONTEXT, "Map", operation_id(1))
    assert (p.sub_type, p.id) == ("Parallel", operation_id(2))
    items = [h.op("item-x"), h.op("item-y")]
    assert [(o.sub_type, o.parent_id, o.id) for o in items] == [
        ("MapIteration", m.id, operation_id(i, m.id)) for i in (0, 1)]
    assert [h.op("one").sub_type, h.op("parallel-branch-1").sub_type] == ["ParallelBranch"] * 2
    step = next(o for o in h.ops() if o.name == "s" and o.parent_id == items[1].id)
    assert step.id == operation_id(1, items[1].id)


def test_flat_nesting_records_no_branch_operations() -> None:
    def handler(e, ctx):
        return ctx.map(["x", "y"], lambda c, item, i, xs: c.step(lambda _: item, name="s"),
                       name="m", config=MapConfig(nesting_type=NestingType.FLAT,
                                                  max_concurrency=1)).get_results()

    h = Harness(handler)
    h.invoke()
    assert h.result() == ["x", "y"]
    m = h.op("m")
    assert [o.sub_type for o in h.ops()] == ["Map", "Step", "Step"]
    steps = [o for o in h.ops() if o.name == "s"]
    assert [(s.parent_id, s.id) for s in steps] == [
        (m.id, operation_id(1, operation_id(i, m.id))) for i in (0, 1)]


def test_flat_replay_of_a_nested_history_is_non_deterministic() -> None:
    nesting = [NestingType.NESTED]

    def handler(e, ctx):
        res = ctx.parallel([lambda c: c.wait(5) or "a"], name="p",
                           config=ParallelConfig(nesting_type=nesting[0]))
        return res.get_results()

    h = Harness(handler)
    assert h.invoke().status is OutcomeStatus.SUSPENDED
    nesting[0] = NestingType.FLAT
    h.clock.advance(5)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED and "Non-deterministic" in out.error.error_message


def test_item_serdes_for_branches_serdes_for_the_batch_result() -> None:
    def handler(e, ctx):
        res = ctx.map(["a", "b"], lambda c, item, i, xs: item, name="m",
                      config=MapConfig(item_serdes=Upper(), max_concurrency=1))
        return res.get_results()

    h = Harness(handler)
    h.invoke()
    assert h.result() == ["A", "B"]  # the first run returns what replay would (round trip)
    assert h.op("map-item-0").result == '"A"'
    assert json.loads(h.op("m").result)["t"] == "br"  # default serdes for the BatchResult


def test_serdes_alone_applies_to_branches_and_the_result() -> None:
    class Whole:
        def serialize(self, value, context):
            if isinstance(value, str):
                return json.dumps(value * 2)
            return json.dumps({"results": value.get_results(), "n": value.total_count})

        def deserialize(self, data, context):
            return json.loads(data)

    def handler(e, ctx):
        res = ctx.parallel([lambda c: "a"], name="p", config=ParallelConfig(serdes=Whole()))
        return res

    h = Harness(handler)
    h.invoke()
    assert h.result() == {"results": ["aa"], "n": 1}
    assert h.op("parallel-branch-0").result == '"aa"'


def test_replay_returns_the_checkpointed_result_without_running_branches() -> None:
    runs = []

    def handler(e, ctx):
        res = ctx.map([1, 2], lambda c, item, i, xs: runs.append(item) or item * 10, name="m")
        ctx.wait(1)
        return res.get_results()

    h = Harness(handler)
    h.invoke()
    h.clock.advance(1)
    h.invoke()
    assert h.result() == [10, 20] and sorted(runs) == [1, 2]


def test_a_result_over_the_payload_limit_records_a_summary_and_replays_it() -> None:
    from durable_lambda.workflows.engine import ExecutionOptions

    runs = []

    def handler(e, ctx):
        res = ctx.map(list(range(6)), lambda c, item, i, xs: runs.append(i) or "x" * 300,
                      name="m", config=MapConfig(max_concurrency=1, summary_generator=lambda r:
                                                 f"{r.success_count} ok"))
        ctx.wait(1)
        return [res.total_count, res.completion_reason.value, len(res.get_results()[0])]

    h = Harness(handler, options=ExecutionOptions(max_payload_bytes=1000))
    h.invoke()
    m = h.op("m")
    assert m.replay_children
    summary = json.loads(m.result)
    assert summary["type"] == "MapResult" and summary["totalCount"] == 6
    assert summary["completionReason"] == "ALL_COMPLETED" and summary["startedIndexes"] == []
    assert summary["summary"] == "6 ok" and summary["status"] == "SUCCEEDED"
    h.clock.advance(1)
    h.invoke()
    assert h.result() == [6, "ALL_COMPLETED", 300]
    assert sorted(runs) == list(range(6))  # rebuilt from the branches' checkpoints
