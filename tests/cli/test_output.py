"""The CLI's output helpers and error classification, in process."""
from __future__ import annotations

import io
import json

from durable_lambda.cli import errors
from durable_lambda.cli.output import Output, age, cell, iso_ms, render_table, timeline


def test_tables_align_and_truncate() -> None:
    text = render_table([{"id": "a", "body": "x" * 100, "n": None}, {"id": "bbb", "n": 3}],
                        ["id", "body", "n"])
    header, first, second = text.splitlines()
    assert header.split() == ["ID", "BODY", "N"]
    assert first.index("x") == header.index("BODY") and first.endswith("-")
    assert len(cell("x" * 100)) == 60 and cell({"a": [1]}) == '{"a":[1]}'


def test_json_mode_prints_one_document_and_progress_goes_to_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = Output(json_mode=True, out=out, err=err)
    printer.progress("working")
    printer.table([{"a": 1}], ["a"], extra={"total": 1})
    assert json.loads(out.getvalue()) == {"total": 1, "items": [{"a": 1}]}
    assert err.getvalue() == "working\n"


def test_timeline_shows_offsets_names_and_details() -> None:
    events = [
        {"EventId": 1, "EventType": "ExecutionStarted", "EventTimestamp": "2026-01-01T00:00:00.000Z",
         "Name": "order-7", "ExecutionStartedDetails": {"Input": {"Payload": '{"a":1}'}}},
        {"EventId": 2, "EventType": "StepSucceeded", "EventTimestamp": "2026-01-01T00:00:01.500Z",
         "Name": "charge", "ParentId": "p1",
         "StepSucceededDetails": {"Result": {"Payload": "42"},
                                  "RetryDetails": {"CurrentAttempt": 2}}},
    ]
    first, second = timeline(events).splitlines()
    assert "ExecutionStarted" in first and "+0.000s" in first and 'input={"a":1}' in first
    assert "+1.500s" in second and "  StepSucceeded" in second  # children indented
    assert "result=42" in second and "attempt=2" in second
    assert timeline([]) == "(no events)"


def test_times() -> None:
    assert iso_ms(1_700_000_000_123) == "2023-11-14T22:13:20.123Z" and iso_ms(0) is None
    assert age(1_000, now_ms=1_000 + 90_000) == "1m" and age(1_000, now_ms=3_000) == "2s"


def test_errors_map_to_exit_codes() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    from durable_lambda.core.errors import ConfigurationError, RemoteActorError

    def code(exc: BaseException) -> int:
        return errors.classify(exc).code

    assert code(ConfigurationError("x")) == errors.CONFIGURATION
    assert code(RemoteActorError("ValueError", "bad")) == errors.FAILED
    assert code(RemoteActorError("ResourceNotFoundException", "f")) == errors.NOT_FOUND
    assert code(NoCredentialsError()) == errors.CONFIGURATION
    assert code(EndpointConnectionError(endpoint_url="http://x")) == errors.SERVICE
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "Op")
    assert code(throttled) == errors.SERVICE and "ThrottlingException: slow" in str(
        errors.classify(throttled))
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Op")
    assert code(denied) == errors.CONFIGURATION
    assert code(RuntimeError("boom")) == errors.FAILED
