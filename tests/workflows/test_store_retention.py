"""Retention: every item of a finished execution gets its ``ttl`` (DURABLE_EXECUTION_RETENTION_DAYS;
0 keeps it forever), at a counted cost, and nothing writes to it afterwards."""
from __future__ import annotations

from typing import Any

import pytest

from durable_lambda.core import aws
from durable_lambda.core.errors import ConfigurationError
from durable_lambda.core.settings import load_settings
from durable_lambda.testing.fabric import Fabric
from durable_lambda.workflows.dynamodb import DynamoDBStore
from durable_lambda.workflows.dynamodb.ends import DAY_SECONDS
from durable_lambda.workflows.model import ErrorObject, ExecutionStatus, OperationUpdate
from durable_lambda.workflows.model import OperationAction as A
from durable_lambda.workflows.model import OperationType as T

NOW_MS = 1_700_000_000_000


def all_items(store: DynamoDBStore) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": store.table, "ConsistentRead": True}
    for _ in range(100):
        page = aws.client("dynamodb").scan(**params)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    raise AssertionError("table too large for this test")


def run_an_execution(store: DynamoDBStore) -> tuple[str, str]:
    record, _ = store.start_execution("fn", '{"a":1}', name="order-9")
    eid = record.execution_id
    store.acquire(eid, "req-1:x", 60_000)
    [cb] = store.checkpoint(eid, "req-1:x", [
        OperationUpdate(id="s", type=T.STEP, action=A.START, name="s"),
        OperationUpdate(id="s", type=T.STEP, action=A.RETRY, name="s",
                        error=ErrorObject("ValueError", "x"), next_attempt_delay_seconds=1),
        OperationUpdate(id="c", type=T.CALLBACK, action=A.START, name="c",
                        callback_timeout_seconds=60)])[-1:]
    store.release(eid, "req-1:x")
    store.acquire(eid, "req-2:x", 60_000)
    store.checkpoint(eid, "req-2:x", [
        OperationUpdate(id="s", type=T.STEP, action=A.START, name="s"),
        OperationUpdate(id="s", type=T.STEP, action=A.SUCCEED, name="s", payload="1")])
    return eid, cb.callback_id or ""


def test_every_item_of_a_finished_execution_gets_its_ttl(fabric: Fabric) -> None:
    store = DynamoDBStore(clock=lambda: NOW_MS, retention_days=7)
    eid, callback_id = run_an_execution(store)
    other = store.start_execution("fn", None)[0].execution_id  # still running: untouched
    assert not any("ttl" in item for item in all_items(store))
    aws.call_counter.clear()
    store.finish(eid, "req-2:x", ExecutionStatus.SUCCEEDED, result="1")
    # the terminal write, one Query of the execution's items, one BatchWriteItem per 25 items
    assert dict(aws.call_counter) == {"dynamodb.TransactWriteItems": 1, "dynamodb.Query": 1,
                                      "dynamodb.BatchWriteItem": 1}
    expected = str(NOW_MS // 1000 + 7 * DAY_SECONDS)
    mine = [i for i in all_items(store) if eid in i["pk"]["S"] or
            i.get("execution_id", {}).get("S") == eid]
    keys = {(i["pk"]["S"].split("#")[0], i["sk"]["S"].split("#")[0] or "#") for i in mine}
    assert keys == {("exec", "#"), ("exec", "op"), ("exec", "ev"), ("name", "#"), ("cb", "#")}
    assert len(mine) == 9  # header, 2 operations, 4 event items (RETRY, re-START, 2 ends), 2 refs
    assert {i["ttl"]["N"] for i in mine} == {expected}, [i for i in mine if "ttl" not in i]
    assert not any("ttl" in i for i in all_items(store) if other in i["pk"]["S"])
    # nothing writes to a finished execution: an outside completion is refused
    assert store.complete_external(eid, "c", OperationUpdate(
        id="c", type=T.CALLBACK, action=A.SUCCEED, payload='"late"')) is False
    assert store.callback_info(callback_id)["execution_id"] == eid


def test_retention_zero_keeps_executions_forever_at_no_extra_cost(fabric: Fabric) -> None:
    store = DynamoDBStore(retention_days=0)
    eid, _ = run_an_execution(store)
    aws.call_counter.clear()
    store.finish(eid, "req-2:x", ExecutionStatus.SUCCEEDED, result="1")
    assert dict(aws.call_counter) == {"dynamodb.TransactWriteItems": 1}
    assert not any("ttl" in item for item in all_items(store))


def test_the_setting_defaults_to_14_days_and_is_validated(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURABLE_EXECUTION_RETENTION_DAYS", raising=False)
    assert load_settings().execution_retention_days == 14
    monkeypatch.setenv("DURABLE_EXECUTION_RETENTION_DAYS", "0")
    assert load_settings().execution_retention_days == 0
    monkeypatch.setenv("DURABLE_EXECUTION_RETENTION_DAYS", "-1")
    with pytest.raises(ConfigurationError, match="DURABLE_EXECUTION_RETENTION_DAYS"):
        load_settings()
