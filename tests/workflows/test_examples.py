"""The example workflows, end to end on the local runner (virtual time)."""
from __future__ import annotations

from durable_lambda.testing.durable_runner import DurableTestRunner
from durable_lambda.workflows.model import ExecutionStatus, OperationStatus as S

from examples.workflows.order_pipeline import order_pipeline, payments
from examples.workflows.travel_saga import travel_saga

ORDER = {"orderId": "o-1", "customer": "ada",
         "lines": [{"sku": "apple", "qty": 2}, {"sku": "pear", "qty": 1}, {"sku": "plum", "qty": 3}]}


def test_order_pipeline_runs_every_operation_to_completion() -> None:
    runner = DurableTestRunner(order_pipeline, functions={"payments": payments})
    waiting = runner.run(ORDER)
    assert waiting.status is ExecutionStatus.RUNNING
    [callback] = waiting.pending_callbacks
    assert callback.name == "manager-approval"
    assert waiting.result_of("request_approval") == callback.callback_id

    done = runner.send_callback_success(callback.callback_id, {"approved": True, "by": "bob"})
    assert done.status is ExecutionStatus.SUCCEEDED, done.error
    assert done.result == {
        "orderId": "o-1", "status": "SHIPPED", "total": 2 * 120 + 90 + 3 * 60,
        "checks": ["fraud-ok", "stock-ok"], "approvedBy": "bob", "warehousePolls": 3,
        "payment": {"authorization": "AUTH-o-1", "amount": 510},
        "shipment": {"label": "LBL-o-1", "carrier": "local-post"}}
    assert done.get_operation("charge").status is S.SUCCEEDED
    assert sorted(op.name for op in done.children(done.get_operation("pricing"))) == \
        ["map-item-0", "map-item-1", "map-item-2"]
    types = [e["EventType"] for e in done.history]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    for expected in ("CallbackStarted", "CallbackSucceeded", "WaitStarted", "WaitSucceeded",
                     "ContextStarted", "ContextSucceeded", "ChainedInvokeStarted",
                     "ChainedInvokeSucceeded", "StepStarted", "StepSucceeded",
                     "InvocationCompleted"):
        assert expected in types, expected
    assert [e["EventId"] for e in done.history] == list(range(1, len(done.history) + 1))


def test_order_pipeline_rejection_and_bad_input() -> None:
    runner = DurableTestRunner(order_pipeline, functions={"payments": payments})
    cb = runner.run(ORDER).pending_callbacks[0]
    assert runner.send_callback_success(cb.callback_id, {"approved": False}).result == \
        {"orderId": "o-1", "status": "REJECTED"}
    bad = DurableTestRunner(order_pipeline).run({"orderId": "o-2", "lines": []})
    assert bad.status is ExecutionStatus.FAILED
    assert bad.error.error_type == "aws_durable_execution_sdk_python.exceptions.StepError"
    assert bad.get_operation("validate_order").error.error_type == "ValueError"


def test_order_pipeline_fails_when_approval_times_out() -> None:
    runner = DurableTestRunner(order_pipeline, functions={"payments": payments})
    runner.run(ORDER)
    timed_out = runner.advance_time(2 * 86400 + 1)
    assert timed_out.status is ExecutionStatus.FAILED
    assert timed_out.error.error_type == \
        "aws_durable_execution_sdk_python.exceptions.CallbackTimeoutError"
    assert "CallbackTimedOut" in [e["EventType"] for e in timed_out.history]


def test_travel_saga_books_or_rolls_back() -> None:
    ok = DurableTestRunner(travel_saga).run({"tripId": "t1"})
    assert ok.result == {"status": "BOOKED", "reservations": ["HOTEL-t1", "FLIGHT-t1", "CAR-t1"]}
    failed = DurableTestRunner(travel_saga).run({"tripId": "t2", "unavailable": ["car"]})
    assert failed.result["status"] == "ROLLED_BACK"
    assert [op.name for op in failed.operations if op.name.startswith("compensate:")] == \
        ["compensate:cancel-flight", "compensate:cancel-hotel"]
    assert failed.result_of("compensate:cancel-flight") == "FLIGHT-t2"
