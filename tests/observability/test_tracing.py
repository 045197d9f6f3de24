"""core.tracing: which trace header goes on SendMessage."""
from __future__ import annotations

import pytest

from durable_lambda.core import tracing

HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture(autouse=True)
def no_current() -> None:
    tracing.set_trace_header(None)


@pytest.mark.parametrize("header, ok", [
    (HEADER, True), ("Root=1-5759e988-bd862e3fe1be46a994272793", True),
    ("Sampled=1;Root=1-5759e988-bd862e3fe1be46a994272793", True),
    ("Root=1-5759e988-bd862e3f", False), ("garbage", False), ("", False), (None, False),
    ("Root=1-5759e988-bd862e3fe1be46a994272793;x=\n", False), ("Root=1-" + "a" * 600, False)])
def test_only_well_formed_headers_are_sent(header: object, ok: bool) -> None:
    assert tracing.valid_header(header) is ok


def test_send_attributes_prefer_the_message_in_hand_over_the_invocation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert tracing.send_attributes() == {}
    invocation = "Root=1-00000000-111111111111111111111111;Sampled=0"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", invocation)
    assert tracing.send_attributes()["MessageSystemAttributes"]["AWSTraceHeader"] == {
        "DataType": "String", "StringValue": invocation}
    tracing.set_trace_header(HEADER)
    assert tracing.current_header() == HEADER
    tracing.set_trace_header("bad")
    assert tracing.current_header() == invocation
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "bad")
    assert tracing.send_attributes() == {}


def test_forward_keeps_a_received_messages_header() -> None:
    assert tracing.forward_attributes({"Attributes": {"AWSTraceHeader": HEADER}}) == {
        "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": HEADER}}}
    assert tracing.header_of({"attributes": {"AWSTraceHeader": HEADER}}) == HEADER
    assert tracing.forward_attributes({"Attributes": {"AWSTraceHeader": "x"}}) == {}
    assert tracing.forward_attributes({}) == {} and tracing.header_of(None) is None
    assert tracing.trace_id(HEADER) == "1-5759e988-bd862e3fe1be46a994272793"
