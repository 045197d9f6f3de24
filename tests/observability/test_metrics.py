"""core.metrics: CloudWatch EMF lines on stdout."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from durable_lambda.core import logging as dlog
from durable_lambda.core import metrics
from durable_lambda.core.settings import reset_settings


@pytest.fixture(autouse=True)
def enabled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DURABLE_METRICS", "true")
    reset_settings()
    metrics.discard()
    dlog.reset_logging()
    yield
    metrics.discard()
    dlog.reset_logging()
    reset_settings()


def emf_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"') and '"_aws"' in line]


def check_emf(document: dict[str, Any]) -> None:
    """The EMF specification's rules: every metric and dimension a root member, numbers."""
    directive = document["_aws"]
    assert isinstance(directive["Timestamp"], int)
    for block in directive["CloudWatchMetrics"]:
        assert isinstance(block["Namespace"], str) and block["Namespace"]
        for dimension_set in block["Dimensions"]:
            assert len(dimension_set) <= 30
            for name in dimension_set:
                assert isinstance(document[name], str)
        for metric in block["Metrics"]:
            assert isinstance(document[metric["Name"]], (int, float))
            assert metric["Unit"] in ("Count", "Milliseconds", "Bytes")


def test_one_line_per_event_with_buffered_values(capsys: pytest.CaptureFixture[str]) -> None:
    dlog.set_log_context(actorId="user-1")
    metrics.add(MessagesApplied=1)
    metrics.add(MessagesApplied=1, DuplicatesSkipped=1)
    metrics.emit(MessagesDeadLettered=1)  # an event of its own: the buffer stays
    metrics.flush(Turns=1, TurnLatency=12.5)
    metrics.flush(Turns=1)
    dead, first, second = emf_lines(capsys.readouterr().out)
    assert set(dead) & set(metrics.METRICS) == {"MessagesDeadLettered"}
    check_emf(first)
    assert (first["Turns"], first["TurnLatency"], first["MessagesApplied"],
            first["DuplicatesSkipped"]) == (1, 12.5, 2, 1)
    assert first["actorId"] == "user-1" and first["function"] == "local"
    block = first["_aws"]["CloudWatchMetrics"][0]
    assert block["Namespace"] == "DurableLambda" and block["Dimensions"] == [["function"]]
    assert {m["Name"]: m["Unit"] for m in block["Metrics"]} == {
        "MessagesApplied": "Count", "DuplicatesSkipped": "Count", "Turns": "Count",
        "TurnLatency": "Milliseconds"}
    assert "MessagesApplied" not in second  # the buffer went with the first line


def test_namespace_and_dimensions_are_settings(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DURABLE_METRICS_NAMESPACE", "Shop/Orders")
    monkeypatch.setenv("DURABLE_METRICS_DIMENSIONS", "function, stage=prod, Turns, bogus")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "durable-prod-orders")
    reset_settings()
    metrics.emit(Redrives=3, MessagesParked=0)
    [line] = emf_lines(capsys.readouterr().out)
    check_emf(line)
    block = line["_aws"]["CloudWatchMetrics"][0]
    assert block["Namespace"] == "Shop/Orders"
    assert block["Dimensions"] == [["function", "stage"]]
    assert (line["function"], line["stage"], line["Redrives"]) == ("durable-prod-orders", "prod", 3)
    assert "MessagesParked" not in line  # zero counts are left out


def test_no_dimensions(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DURABLE_METRICS_DIMENSIONS", "")
    reset_settings()
    metrics.emit(Checkpoints=1, CheckpointBytes=2048)
    [line] = emf_lines(capsys.readouterr().out)
    check_emf(line)
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert line["CheckpointBytes"] == 2048


def test_off_by_setting_and_off_outside_lambda_by_default(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DURABLE_METRICS", "false")
    reset_settings()
    metrics.emit(Turns=1)
    monkeypatch.delenv("DURABLE_METRICS")
    monkeypatch.delenv("AWS_LAMBDA_RUNTIME_API", raising=False)
    reset_settings()
    metrics.emit(Turns=1)
    assert emf_lines(capsys.readouterr().out) == []
    monkeypatch.setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
    metrics.emit(Turns=1)
    assert len(emf_lines(capsys.readouterr().out)) == 1


def test_unknown_or_bad_values_never_raise(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.emit(NotAMetric=1, Turns=float("nan"))
    metrics.emit(TurnLatency="12")  # type: ignore[arg-type]
    assert emf_lines(capsys.readouterr().out) == []


def test_discard_drops_uncommitted_values(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.add(MessagesApplied=5)
    metrics.discard()
    metrics.flush(Turns=1)
    [line] = emf_lines(capsys.readouterr().out)
    assert "MessagesApplied" not in line


def test_every_metric_named_by_the_issue_is_registered() -> None:
    assert set(metrics.METRICS) >= {
        "Turns", "TurnLatency", "LeaseWaits", "ActorBusy", "FencedSaves", "MessagesApplied",
        "DuplicatesSkipped", "MessagesDeadLettered", "MessagesParked", "Redrives",
        "Checkpoints", "CheckpointBytes", "Resumes", "CallbacksTimedOut"}


def test_values_of_a_group_that_did_not_commit_are_dropped(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A turn that applied messages in memory and then failed to save emits nothing; its
    buffered MessagesApplied must not ride on the next group's line."""
    def failing_group(items: list[Any]) -> list[str]:
        metrics.add(MessagesApplied=3)
        raise RuntimeError("save failed")

    with pytest.raises(RuntimeError):
        dlog.bind_group(failing_group)([])
    metrics.flush(Turns=1)
    [line] = emf_lines(capsys.readouterr().out)
    assert "MessagesApplied" not in line


def test_count_if_counts_only_what_happened(capsys: pytest.CaptureFixture[str]) -> None:
    assert metrics.count_if(False, "CallbacksTimedOut") is False
    assert metrics.count_if(True, "CallbacksTimedOut") is True
    [line] = emf_lines(capsys.readouterr().out)
    assert line["CallbacksTimedOut"] == 1


def test_written_bytes_of_transaction_puts() -> None:
    writes = [{"Put": {"Item": {"pk": {"S": "exec#é"}, "data": {"S": "x" * 100}, "n": {"N": "5"},
                                "b": {"B": b"1234"}}}},
              {"Update": {"Key": {"pk": {"S": "ignored"}}}}, {"Put": {}}]
    assert metrics.written_bytes(writes) == len("exec#é".encode()) + 100 + 4
    assert metrics.written_bytes(None) == 0
