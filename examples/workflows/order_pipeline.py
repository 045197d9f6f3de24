"""Example durable workflow: an order pipeline using every durable operation.

process input (step) -> manager approval (callback) -> cooling-off wait -> parallel checks
-> per-line pricing (map) -> wait until the warehouse is ready (wait_for_condition)
-> charge via another durable function (invoke) -> shipping in a child context -> summary.

Deploy ``order_pipeline`` and ``payments`` as two Lambda functions with the layer attached
(handler ``examples.workflows.order_pipeline.order_pipeline`` / ``.payments``); locally see
``tests/workflows/test_examples.py`` (``DurableTestRunner``).
"""
from __future__ import annotations

from typing import Any

from durable_lambda.workflows import (
    CallbackConfig, CompletionConfig, DurableContext, Duration, JsonSerDes, MapConfig,
    ParallelConfig,
    RetryStrategyConfig, StepConfig, StepContext, WaitForConditionConfig, WaitStrategyConfig,
    create_retry_strategy, create_wait_strategy, durable_execution, durable_step)

PAYMENTS_FUNCTION = "payments"
PRICES = {"apple": 120, "pear": 90, "plum": 60}  # cents
#: The warehouse is "ready" after this many polls (a stand-in for a real status API).
WAREHOUSE_READY_AFTER = 3


@durable_step
def validate_order(step: StepContext, order: dict[str, Any]) -> dict[str, Any]:
    lines = order.get("lines") or []
    if not order.get("orderId") or not lines:
        raise ValueError("an order needs an orderId and at least one line")
    step.logger.info("validated order %s", order["orderId"])
    return {"orderId": order["orderId"], "customer": order.get("customer", "anonymous"),
            "lines": [{"sku": line["sku"], "qty": int(line["qty"])} for line in lines]}


@durable_step
def request_approval(step: StepContext, order_id: str, callback_id: str) -> str:
    # In production: e-mail/Slack a manager a link carrying callback_id; the answer arrives
    # through EventBridge WorkflowCallback -> complete_callback(callback_id, result=...).
    step.logger.info("approval for %s requested with callback %s", order_id, callback_id)
    return callback_id


def price_line(ctx: DurableContext, line: dict[str, Any], index: int, lines: Any) -> int:
    return ctx.step(lambda _: PRICES[line["sku"]] * line["qty"], name="price")


def check_warehouse(state: dict[str, int], _check: Any) -> dict[str, int]:
    return {"polls": state["polls"] + 1}


def ship(ctx: DurableContext, order: dict[str, Any]) -> dict[str, Any]:
    label = ctx.step(lambda _: f"LBL-{order['orderId']}", name="label")
    ctx.wait(Duration.from_hours(1), name="pickup-window")
    return {"label": label, "carrier": "local-post"}


@durable_execution
def order_pipeline(event: dict[str, Any], ctx: DurableContext) -> dict[str, Any]:
    order = ctx.step(validate_order(event), config=StepConfig(
        retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1))))

    # a callback's result is the raw string sent by the approver; JsonSerDes decodes it
    approval = ctx.create_callback("manager-approval", CallbackConfig(
        timeout=Duration.from_days(2), serdes=JsonSerDes()))
    ctx.step(request_approval(order["orderId"], approval.callback_id))
    decision = approval.result()
    if not decision.get("approved"):
        return {"orderId": order["orderId"], "status": "REJECTED"}

    ctx.wait(Duration.from_minutes(15), name="cooling-off")

    checks = ctx.parallel([
        lambda c: c.step(lambda _: "fraud-ok", name="fraud-check"),
        lambda c: c.step(lambda _: "stock-ok", name="stock-check"),
    ], name="checks", config=ParallelConfig(completion_config=CompletionConfig.all_successful()))
    checks.throw_if_error()

    priced = ctx.map(order["lines"], price_line, name="pricing",
                     config=MapConfig(max_concurrency=2))
    priced.throw_if_error()
    total = sum(priced.get_results())

    warehouse = ctx.wait_for_condition(check_warehouse, WaitForConditionConfig(
        wait_strategy=create_wait_strategy(WaitStrategyConfig(
            should_continue_polling=lambda s: s["polls"] < WAREHOUSE_READY_AFTER,
            initial_delay=Duration.from_seconds(30), max_attempts=10)),
        initial_state={"polls": 0}), name="warehouse-ready")

    payment = ctx.invoke(PAYMENTS_FUNCTION, {"orderId": order["orderId"], "amount": total},
                         name="charge")
    shipment = ctx.run_in_child_context(lambda c: ship(c, order), name="shipping")

    return {"orderId": order["orderId"], "status": "SHIPPED", "total": total,
            "checks": checks.get_results(), "approvedBy": decision.get("by"),
            "warehousePolls": warehouse["polls"], "payment": payment, "shipment": shipment}


@durable_execution
def payments(event: dict[str, Any], ctx: DurableContext) -> dict[str, Any]:
    """The invoked durable function: authorize, settle after a delay, return a receipt."""
    if event["amount"] <= 0:
        raise ValueError(f"cannot charge {event['amount']}")
    auth = ctx.step(lambda _: f"AUTH-{event['orderId']}", name="authorize")
    ctx.wait(Duration.from_seconds(30), name="settlement")
    return {"authorization": auth, "amount": event["amount"]}
