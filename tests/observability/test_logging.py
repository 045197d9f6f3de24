"""core.logging: JSON lines in Lambda's JSON log format with the correlation ids."""
from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from durable_lambda.core import logging as dlog
from durable_lambda.core.settings import reset_settings

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    dlog.reset_logging()
    yield
    dlog.reset_logging()
    reset_settings()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [dict(line) for line in dlog.parse_lines(stream.getvalue())]


def lambda_context(request_id: str = "req-1", function: str = "durable-dev-counter") -> Any:
    return SimpleNamespace(aws_request_id=request_id, function_name=function)


def test_a_record_is_one_json_line_with_lambda_fields_and_context() -> None:
    out = io.StringIO()
    dlog.configure_logging(stream=out, level="INFO", lambda_json=False)
    dlog.bind_invocation(lambda_context())
    dlog.set_log_context(actorId="user-42", messageId="m-1")
    logging.getLogger("durable_lambda").info("applied %s", "m-1", extra={"attempt": 2})
    [line] = lines(out)
    assert line["level"] == "INFO" and line["message"] == "applied m-1"
    assert line["logger"] == "durable_lambda"
    assert line["timestamp"].endswith("Z") and "T" in line["timestamp"]
    assert (line["requestId"], line["function"]) == ("req-1", "durable-dev-counter")
    assert (line["actorId"], line["messageId"], line["attempt"]) == ("user-42", "m-1", 2)
    assert "executionId" not in line


def test_child_loggers_and_exceptions() -> None:
    out = io.StringIO()
    dlog.configure_logging(stream=out, level="DEBUG", lambda_json=False)
    dlog.set_log_context(executionId="e-1", operationId="op-3")
    try:
        raise KeyError("missing")
    except KeyError:
        logging.getLogger("durable_lambda.workflows").exception("step failed")
    [line] = lines(out)
    assert line["logger"] == "durable_lambda.workflows" and line["level"] == "ERROR"
    assert (line["executionId"], line["operationId"]) == ("e-1", "op-3")
    assert line["errorType"] == "KeyError" and "missing" in line["errorMessage"]
    assert isinstance(line["stackTrace"], list) and line["stackTrace"]


def test_level_comes_from_durable_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_LOG_LEVEL", "warn")
    reset_settings()
    out = io.StringIO()
    dlog.configure_logging(stream=out, lambda_json=False)
    log = logging.getLogger("durable_lambda")
    log.info("hidden")
    log.warning("shown")
    assert [line["message"] for line in lines(out)] == ["shown"]
    assert dlog.level_name("TRACE") == "DEBUG" and dlog.level_name("bogus") == "INFO"


def test_invalid_log_level_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from durable_lambda.core.errors import ConfigurationError
    from durable_lambda.core.settings import load_settings

    monkeypatch.setenv("DURABLE_LOG_LEVEL", "loud")
    with pytest.raises(ConfigurationError, match="DURABLE_LOG_LEVEL"):
        load_settings()


def test_our_handler_stops_propagation_no_duplicate_text_line() -> None:
    out, root_seen = io.StringIO(), []
    root = logging.getLogger()

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            root_seen.append(record)

    capture = Capture()
    root.addHandler(capture)
    try:
        dlog.configure_logging(stream=out, level="INFO", lambda_json=False)
        logging.getLogger("durable_lambda").info("once")
    finally:
        root.removeHandler(capture)
    assert len(lines(out)) == 1 and root_seen == []


def test_lambda_json_mode_feeds_the_runtime_handler_with_context_attributes() -> None:
    """With AWS_LAMBDA_LOG_FORMAT=JSON the runtime's handler on the root logger formats; our
    filter puts the ids on every record it handles — the user's own records too."""
    seen: list[logging.LogRecord] = []

    class RuntimeHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    runtime = RuntimeHandler()
    root = logging.getLogger()
    root.addHandler(runtime)
    try:
        dlog.configure_logging(level="INFO", lambda_json=True)
        dlog.bind_invocation(lambda_context("req-9"))
        dlog.set_log_context(executionId="e-7")
        logging.getLogger("durable_lambda").info("ours")
        logging.getLogger("user.app").warning("theirs", extra={"executionId": "explicit"})
    finally:
        root.removeHandler(runtime)
    assert [r.getMessage() for r in seen] == ["ours", "theirs"]
    assert (seen[0].requestId, seen[0].executionId) == ("req-9", "e-7")  # type: ignore[attr-defined]
    assert seen[1].executionId == "explicit"  # an extra= is never overridden


@dataclass
class FakeEnvelope:
    kind: str
    key: str
    id: str
    payload: Any = None


@dataclass
class FakeItem:
    envelope: FakeEnvelope
    record: dict[str, Any]


def test_bind_group_sets_ids_and_each_message_brings_its_trace() -> None:
    out = io.StringIO()
    dlog.configure_logging(stream=out, level="INFO", lambda_json=False)
    other = "Root=1-00000000-111111111111111111111111;Sampled=0"
    items = [FakeItem(FakeEnvelope("actor", "alice", "m1"), {"attributes": {"AWSTraceHeader": TRACE}}),
             FakeItem(FakeEnvelope("actor", "alice", "m2"), {"attributes": {"AWSTraceHeader": other}}),
             FakeItem(FakeEnvelope("actor", "alice", "m3"), {"attributes": {}})]
    log = logging.getLogger("durable_lambda")

    def run(group: list[FakeItem]) -> list[str]:
        for item in group:
            dlog.set_log_context(messageId=item.envelope.id)
            log.info("message")
        return []

    assert dlog.bind_group(run)(items) == []
    log.info("after the group")
    found = lines(out)
    assert [line.get("actorId") for line in found] == ["alice", "alice", "alice", None]
    assert [line.get("messageId") for line in found] == ["m1", "m2", "m3", None]
    assert [line.get("traceId") for line in found[:2]] == [
        "1-5759e988-bd862e3fe1be46a994272793", "1-00000000-111111111111111111111111"]


def test_bind_group_for_a_workflow_resume_names_execution_and_operation() -> None:
    out = io.StringIO()
    dlog.configure_logging(stream=out, level="INFO", lambda_json=False)
    item = FakeItem(FakeEnvelope("workflow", "exec-1", "m1", {"reason": "wait", "operationId": "op-2"}), {})
    dlog.bind_group(lambda group: logging.getLogger("durable_lambda").info("resume"))([item])
    [line] = lines(out)
    assert (line["executionId"], line["operationId"], line["messageId"]) == ("exec-1", "op-2", "m1")


def test_unknown_context_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log context key 'actorid'"):
        dlog.set_log_context(actorid="x")


def test_invocation_trace_comes_from_the_lambda_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    dlog.bind_invocation(lambda_context())
    assert dlog.log_context()["traceId"] == "1-5759e988-bd862e3fe1be46a994272793"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "not a header")
    dlog.bind_invocation(lambda_context("req-2"))
    assert "traceId" not in dlog.log_context() and dlog.log_context()["requestId"] == "req-2"


def test_bind_invocation_configures_logging_only_inside_lambda(
        monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("durable_lambda")
    monkeypatch.delenv("AWS_LAMBDA_RUNTIME_API", raising=False)
    dlog.bind_invocation(lambda_context())
    assert not any(isinstance(h.formatter, dlog.JsonFormatter) for h in logger.handlers)
    monkeypatch.setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
    monkeypatch.delenv("AWS_LAMBDA_LOG_FORMAT", raising=False)
    dlog.bind_invocation(lambda_context())
    assert sum(isinstance(h.formatter, dlog.JsonFormatter) for h in logger.handlers) == 1
    dlog.bind_invocation(lambda_context())  # warm invocation: not configured twice
    assert sum(isinstance(h.formatter, dlog.JsonFormatter) for h in logger.handlers) == 1
