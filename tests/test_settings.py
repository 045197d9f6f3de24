"""Settings come from the environment; a missing or invalid one is a single clear error."""
from __future__ import annotations

import pytest

from durable_lambda.core.errors import ConfigurationError
from durable_lambda.core.settings import load_settings


def test_seed_variable_names_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for canonical in ("DURABLE_LOCKS_TABLE", "DURABLE_WORKFLOW_TABLE"):
        monkeypatch.delenv(canonical, raising=False)  # the canonical name wins over the alias
    monkeypatch.setenv("DURABLE_TABLE", "state")
    monkeypatch.setenv("LOCKS_TABLE", "locks")
    monkeypatch.setenv("WORKFLOW_TABLE", "wf")
    monkeypatch.setenv("DURABLE_QUEUE", "https://sqs/q.fifo")
    monkeypatch.setenv("DURABLE_BUS_NAME", "bus")
    s = load_settings()
    assert (s.table, s.locks_table, s.workflow_table, s.queue, s.bus_name) == (
        "state", "locks", "wf", "https://sqs/q.fifo", "bus")


def test_missing_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURABLE_TABLE", raising=False)
    with pytest.raises(ConfigurationError, match="DURABLE_TABLE"):
        load_settings().require("table")


def test_invalid_settings_are_one_error_naming_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_LEASE_SECONDS", "-1")
    monkeypatch.setenv("DURABLE_ENDPOINT_URL", "ftp://nope")
    with pytest.raises(ConfigurationError) as err:
        load_settings()
    assert "DURABLE_LEASE_SECONDS" in str(err.value)
    assert "DURABLE_ENDPOINT_URL" in str(err.value)


def test_actor_type_defaults_to_the_function_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURABLE_ACTOR_TYPE", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    assert load_settings().actor_type == "orders"
