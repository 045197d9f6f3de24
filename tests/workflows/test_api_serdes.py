"""Serialization as the official SDK does it: the ExtendedTypeSerDes wire format by default (a
checkpoint written by either implementation reads the same), first-run results equal to what a
replay returns, raw callback results, plain-JSON invoke payloads, operation serdes."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from durable_lambda.testing.durable_runner import DurableTestRunner, ExecutionStatus
from durable_lambda.workflows import (
    CallbackConfig, ChildConfig, InvokeConfig, SerDesError, StepConfig, WaitForConditionConfig,
    WaitForConditionDecision, durable_execution)
from durable_lambda.workflows.serdes import (
    EXTENDED_TYPES_SERDES, JsonSerDes, SerDes, SerDesContext, deserialize, serialize)

CTX = SerDesContext("op", "exec")

#: (value, the SDK's wire form) — these strings are what aws-durable-execution-sdk-python 3.0.0
#: writes; test_official_serializer_writes_the_same_strings checks them against it when installed
WIRE = [
    (None, "null"), (7, "7"), (2.5, "2.5"), ("text", '"text"'), (True, "true"),
    ([1, "a", None, [2]], '[1,"a",null,[2]]'),
    ({"a": 1}, '{"t":"m","v":{"a":{"t":"i","v":1}}}'),
    ([1, {"k": "v"}], '{"t":"l","v":[{"t":"i","v":1},{"t":"m","v":{"k":{"t":"s","v":"v"}}}]}'),
    ((1, "x"), '{"t":"t","v":[{"t":"i","v":1},{"t":"s","v":"x"}]}'),
    (b"\x00\x01raw", '{"t":"B","v":"AAFyYXc="}'),
    (uuid.UUID("12345678-1234-5678-1234-567812345678"),
     '{"t":"u","v":"12345678-1234-5678-1234-567812345678"}'),
    (Decimal("12.50"), '{"t":"d","v":"12.50"}'),
    (datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
     '{"t":"dt","v":"2024-05-06T07:08:09+00:00"}'),
    (date(2024, 5, 6), '{"t":"D","v":"2024-05-06"}'),
    ({"n": {"when": date(2024, 1, 2), "xs": (Decimal("1"), None)}},
     '{"t":"m","v":{"n":{"t":"m","v":{"when":{"t":"D","v":"2024-01-02"},"xs":{"t":"t","v":'
     '[{"t":"d","v":"1"},{"t":"n","v":null}]}}}}}'),
]


@pytest.mark.parametrize("value,wire", WIRE, ids=[repr(v)[:30] for v, _ in WIRE])
def test_default_serdes_writes_the_sdk_wire_format_and_reads_it_back(value, wire) -> None:
    assert serialize(None, value, "op", "exec") == wire
    assert deserialize(None, wire, "op", "exec") == value
    assert type(deserialize(None, wire, "op", "exec")) is type(value)


@pytest.mark.parametrize("value", [{1, 2}, frozenset(), object(), {(1, 2): 3}, complex(1, 2)])
def test_unsupported_values_fail_with_serdes_error_as_in_the_sdk(value) -> None:
    with pytest.raises(SerDesError, match="Unsupported type|Tuple keys"):
        serialize(None, value, "op", "exec")


def test_malformed_envelopes_are_serdes_errors() -> None:
    with pytest.raises(SerDesError, match="Malformed envelope"):
        EXTENDED_TYPES_SERDES.deserialize('{"a":1}', CTX)
    with pytest.raises(SerDesError, match='Unknown type tag: "zz"'):
        EXTENDED_TYPES_SERDES.deserialize('{"t":"zz","v":1}', CTX)


def test_a_failing_custom_serdes_becomes_a_serdes_error_naming_the_operation() -> None:
    class Broken(SerDes):
        def serialize(self, value, serdes_context):
            raise KeyError("nope")

        def deserialize(self, data, serdes_context):
            return data

    with pytest.raises(SerDesError, match="Serialization failed for id: op"):
        serialize(Broken(), 1, "op", "exec")


def test_official_serializer_writes_the_same_strings() -> None:
    official = pytest.importorskip("aws_durable_execution_sdk_python.serdes")
    for value, wire in WIRE:
        assert official.ExtendedTypeSerDes().serialize(value, None) == wire
        assert EXTENDED_TYPES_SERDES.deserialize(
            official.ExtendedTypeSerDes().serialize(value, None), CTX) == value


class Upper(SerDes):
    """Upper-cases on the way in: the first run must see what a replay sees."""

    def serialize(self, value, serdes_context):
        return json.dumps(value.upper())

    def deserialize(self, data, serdes_context):
        return json.loads(data)


def test_first_run_returns_the_round_tripped_value_like_a_replay() -> None:
    seen = []

    @durable_execution
    def handler(event, ctx):
        step = ctx.step(lambda _: "hello world", name="s", config=StepConfig(serdes=Upper()))
        child = ctx.run_in_child_context(lambda c: "hello child", name="c",
                                         config=ChildConfig(serdes=Upper()))
        when = ctx.step(lambda _: {"at": datetime(2024, 1, 2, tzinfo=timezone.utc)}, name="dt")
        seen.append((step, child, when, ctx.is_replaying()))
        ctx.wait(1)
        return [step, child]

    result = DurableTestRunner(handler).run()
    assert result.result == ["HELLO WORLD", "HELLO CHILD"]
    first, replay = seen  # the invocation that ran them and the one after the wait
    assert first[:3] == replay[:3] and (first[3], replay[3]) == (False, True)
    assert first[2] == {"at": datetime(2024, 1, 2, tzinfo=timezone.utc)}


def test_callback_result_is_the_raw_string_unless_a_serdes_decodes_it() -> None:
    @durable_execution
    def handler(event, ctx):
        raw = ctx.create_callback("raw").result()
        decoded = ctx.create_callback("json", CallbackConfig(serdes=JsonSerDes())).result()
        return [raw, decoded]

    runner = DurableTestRunner(handler)
    result = runner.run()
    result = runner.send_callback_success(result.get_operation("raw").callback_id, {"ok": 1})
    result = runner.send_callback_success(result.get_operation("json").callback_id, {"ok": 2})
    assert result.result == ['{"ok": 1}', {"ok": 2}]


def test_invoke_payload_and_result_are_plain_json_by_default() -> None:
    @durable_execution
    def child(event, ctx):
        return {"got": event}

    @durable_execution
    def parent(event, ctx):
        plain = ctx.invoke("child", {"n": 1}, name="plain")
        upper = ctx.invoke("child", "x", name="upper", config=InvokeConfig(serdes_payload=Upper()))
        return [plain, upper]

    runner = DurableTestRunner(parent, functions={"child": child})
    result = runner.run()
    assert result.result == [{"got": {"n": 1}}, {"got": "X"}]
    assert result.get_operation("plain").input == '{"n": 1}'  # json.dumps, default separators


def test_wait_for_condition_state_is_round_tripped_before_every_check() -> None:
    states = []

    def check(state, context):
        states.append((state, context.attempt))
        return {"n": state["n"] + 1, "since": state["since"]}

    config = WaitForConditionConfig(
        wait_strategy=lambda s, attempt: WaitForConditionDecision.stop_polling()
        if s["n"] >= 2 else WaitForConditionDecision.continue_waiting(3),
        initial_state={"n": 0, "since": date(2024, 1, 1)})

    result = DurableTestRunner(durable_execution(
        lambda e, ctx: ctx.wait_for_condition(check, config, name="poll")["n"])).run()
    assert result.status is ExecutionStatus.SUCCEEDED and result.result == 2
    assert states == [({"n": 0, "since": date(2024, 1, 1)}, 1),
                      ({"n": 1, "since": date(2024, 1, 1)}, 2)]
