"""Operation ids follow the official SDK scheme (blake2b of the counter, parent-prefixed)."""
from __future__ import annotations

import hashlib

from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.workflows import durable_execution
from durable_lambda.workflows.ids import operation_id


def sdk_id(key: str) -> str:
    # Documented formula: blake2b (default 64-byte digest) hex, first 64 hex characters.
    return hashlib.blake2b(key.encode()).hexdigest()[:64]


def test_root_ids_are_blake2b_of_one_based_counter() -> None:
    assert operation_id(1) == sdk_id("1")
    assert operation_id(2) == sdk_id("2")
    assert len(operation_id(1)) == 64


def test_child_ids_prefix_parent_id() -> None:
    parent = operation_id(3)
    assert operation_id(1, parent) == sdk_id(f"{parent}-1")


def test_workflow_history_uses_sdk_ids_for_steps_children_and_branches() -> None:
    @durable_execution
    def handler(event, ctx):
        ctx.step(lambda _: 1, name="first")                      # counter 1
        ctx.run_in_child_context(lambda c: c.step(lambda _: 2, name="inner"), name="child")  # 2
        ctx.map([10, 20], lambda c, item, i, items: item, name="fan")   # counter 3
        return "ok"

    result = DurableTestRunner(handler).run({})
    ids = {op.name: op.id for op in result.operations}
    assert ids["first"] == sdk_id("1")
    assert ids["child"] == sdk_id("2")
    assert ids["inner"] == sdk_id(f"{sdk_id('2')}-1")
    fan = sdk_id("3")
    assert ids["fan"] == fan
    # map branches: 0-based index under the map operation id, named map-item-{i}
    assert ids["map-item-0"] == sdk_id(f"{fan}-0")
    assert ids["map-item-1"] == sdk_id(f"{fan}-1")
    branch = result.get_operation("map-item-1")
    assert branch.parent_id == fan and branch.sub_type == "MapIteration"
