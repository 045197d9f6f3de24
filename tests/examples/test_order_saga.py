"""The order saga example: steps across actors, compensation, one resolve per order."""
from __future__ import annotations

from typing import Any

import pytest

from durable_lambda import ActorClient, WorkflowService
from durable_lambda.core.errors import RemoteActorError
from durable_lambda.testing.local_cloud import LocalCloud
from examples.actors import order_saga
from examples.actors.scenarios import place_order, register_order_saga, run_order_saga_scenario

from .conftest import dead_letters

inventory = ActorClient("examples-inventory")
wallets = ActorClient("examples-payments")
orders = ActorClient("examples-orders")


@pytest.fixture
def shop(env: LocalCloud) -> LocalCloud:
    register_order_saga(env)
    inventory.call("sku", {"op": "restock", "qty": 5})
    wallets.call("ann", {"op": "deposit", "amount": 100})
    return env


def outcome(workflow_id: str) -> Any:
    return WorkflowService().wait(workflow_id, timeout_seconds=5)


def test_scenario_completes_one_order_and_compensates_two(env: LocalCloud) -> None:
    result = run_order_saga_scenario(env)
    outcomes = result["outcomes"]
    assert outcomes["completes"]["status"] == "COMPLETED"
    assert outcomes["declined"] == {"order": outcomes["declined"]["order"],
                                    "status": "CANCELLED", "reason": "payment declined",
                                    "compensated": ["reserve"]}
    assert outcomes["unshippable"]["compensated"] == ["charge", "reserve"]
    assert result["stock"] == {"stock": 4, "reserved": 2}
    assert sorted(w["balance"] for w in result["wallets"].values()) == [10, 60]


def test_completed_order_reserves_charges_and_ships(shop: LocalCloud) -> None:
    wid = place_order("o1", sku="sku", qty=2, customer="ann", amount=30, country="FR")
    shop.run_until_idle()
    assert outcome(wid) == {"order": "o1", "status": "COMPLETED", "tracking": "FR-00001"}
    assert inventory.call("sku", {"op": "get"}) == {"stock": 3, "reserved": 2}
    assert wallets.call("ann", {"op": "get"}) == {"balance": 70, "charged": 30}
    assert orders.call("o1", {"op": "get"})["done"] == ["reserve", "charge", "ship"]


def test_out_of_stock_cancels_with_nothing_to_undo(shop: LocalCloud) -> None:
    wid = place_order("o2", sku="sku", qty=6, customer="ann", amount=1, country="FR")
    shop.run_until_idle()
    assert outcome(wid) == {"order": "o2", "status": "CANCELLED", "reason": "out of stock",
                            "compensated": []}
    assert wallets.call("ann", {"op": "get"})["balance"] == 100


def test_shipping_failure_refunds_and_releases_before_resolving(shop: LocalCloud) -> None:
    wid = place_order("o3", sku="sku", qty=2, customer="ann", amount=30, country="XX")
    shop.run_until_idle()
    assert outcome(wid) == {"order": "o3", "status": "CANCELLED",
                            "reason": "no carrier for XX", "compensated": ["charge", "reserve"]}
    assert inventory.call("sku", {"op": "get"}) == {"stock": 5, "reserved": 0}
    assert wallets.call("ann", {"op": "get"}) == {"balance": 100, "charged": 0}


def test_workflow_resolves_exactly_once_despite_duplicate_requests_and_replies(
        shop: LocalCloud) -> None:
    wid = place_order("o4", sku="sku", qty=1, customer="ann", amount=500, country="DE")
    shop.run_until_idle()
    first = WorkflowService().get(wid)
    assert first.result["status"] == "CANCELLED" and first.result["compensated"] == ["reserve"]
    final_order = orders.call("o4", {"op": "get"})
    # the caller re-places the order; participants re-send replies and the inventory gets
    # a second release request, each with a new message id
    place_order("o4", sku="sku", qty=1, customer="ann", amount=500, country="DE")
    orders.send("o4", {"op": "reply", "step": "charge", "ok": False, "reason": "again"})
    orders.send("o4", {"op": "reply", "step": "reserve", "undone": True})
    inventory.send("sku", {"op": "release", "order": "o4", "reply_to": "examples-orders"})
    shop.run_until_idle()
    again = WorkflowService().get(wid)
    assert (again.result, again.resolved_ms) == (first.result, first.resolved_ms)
    assert orders.call("o4", {"op": "get"}) == final_order
    assert inventory.call("sku", {"op": "get"}) == {"stock": 5, "reserved": 0}
    assert dead_letters(shop) == [], "no duplicate made a turn fail"


def test_a_stray_acknowledgement_does_not_derail_a_running_order(shop: LocalCloud) -> None:
    wid = place_order("o6", sku="sku", qty=1, customer="ann", amount=5, country="US")
    orders.send("o6", {"op": "reply", "step": "reserve", "undone": True})
    shop.run_until_idle()
    assert outcome(wid)["status"] == "COMPLETED"


def test_orders_racing_for_the_last_units_never_oversell(shop: LocalCloud) -> None:
    workflows = [place_order(f"race-{i}", sku="sku", qty=2, customer="ann", amount=10,
                             country="GB") for i in range(4)]
    shop.run_until_idle()
    statuses = sorted(outcome(wid)["status"] for wid in workflows)
    assert statuses == ["CANCELLED", "CANCELLED", "COMPLETED", "COMPLETED"]
    assert inventory.call("sku", {"op": "get"}) == {"stock": 1, "reserved": 4}
    assert wallets.call("ann", {"op": "get"}) == {"balance": 80, "charged": 20}


def test_participant_crash_after_commit_does_not_charge_twice(shop: LocalCloud) -> None:
    crashed: list[int] = []

    def crashes_once_after_commit(event: Any, context: Any) -> Any:
        response = order_saga.payment_handler(event, context)
        if not crashed:  # the turn committed, then the invocation died: SQS redelivers
            crashed.append(1)
            raise RuntimeError("Lambda timed out after the commit")
        return response

    shop.register("examples-payments", crashes_once_after_commit)
    wid = place_order("o5", sku="sku", qty=1, customer="ann", amount=25, country="US")
    shop.run_until_idle()
    assert crashed and outcome(wid)["status"] == "COMPLETED"
    assert wallets.call("ann", {"op": "get"}) == {"balance": 75, "charged": 25}


def test_placing_an_incomplete_order_is_a_typed_error(shop: LocalCloud) -> None:
    with pytest.raises(RemoteActorError) as err:
        orders.call("bad", {"op": "place", "sku": "sku", "qty": 1})
    assert err.value.error_type == "InvalidRequestError"
    assert "workflow_id, customer, amount, country" in err.value.error_message
    assert orders.call("bad", {"op": "get"}) is None
