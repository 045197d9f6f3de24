"""Order saga: an order actor coordinates inventory, payment and shipping actors.

Shows: actors in different functions talking through ``ctx.send`` (committed with the
sender's state, so a retried turn never sends twice), compensation when a step fails, and a
promise workflow resolved with ``ctx.resolve`` atomically with the order's final state, so a
caller can wait for the outcome::

    workflows = WorkflowService()
    workflow_id = workflows.create(f"order-{order_id}")
    ActorClient("examples-orders").send(order_id, {
        "op": "place", "workflow_id": workflow_id, "sku": "sku-1", "qty": 2,
        "customer": "ann", "amount": 40, "country": "DE"})
    workflows.wait(workflow_id, timeout_seconds=30)
    # -> {"order": ..., "status": "COMPLETED", "tracking": "..."} or
    #    {"order": ..., "status": "CANCELLED", "reason": "...", "compensated": [...]}

Steps: reserve stock (actor per SKU) -> charge (actor per customer) -> ship (one shipping
actor per country). A failed step undoes the steps before it in reverse order (refund,
release); the order resolves once every compensation is acknowledged. Every participant
keys its effects by order id, so a repeated request or reply changes nothing; the order
ignores replies for a step it is not waiting for.

Deploy: four functions from this module, each with the durable-lambda layer and the
fabric's ``DURABLE_*`` variables, handlers ``order_saga.order_handler``,
``order_saga.inventory_handler``, ``order_saga.payment_handler`` and
``order_saga.shipping_handler``. Give the order function the participants' names in
``SAGA_INVENTORY_FUNCTION``, ``SAGA_PAYMENT_FUNCTION``, ``SAGA_SHIPPING_FUNCTION`` (defaults:
``examples-inventory``, ``examples-payments``, ``examples-shipping``) and
``SAGA_SHIPS_TO`` to the shipping function (comma-separated country codes).
"""
from __future__ import annotations

import os
from typing import Any

from durable_lambda import actor
from durable_lambda.core.errors import InvalidRequestError

#: step -> (env variable naming the function of its actors, default function name)
STEPS = {"reserve": ("SAGA_INVENTORY_FUNCTION", "examples-inventory"),
         "charge": ("SAGA_PAYMENT_FUNCTION", "examples-payments"),
         "ship": ("SAGA_SHIPPING_FUNCTION", "examples-shipping")}
UNDO = {"reserve": "release", "charge": "refund"}
ORDER_FIELDS = ("workflow_id", "sku", "qty", "customer", "amount", "country")


def participant(step: str) -> str:
    """Function name of the actor that performs ``step``."""
    variable, default = STEPS[step]
    return os.environ.get(variable, default)


def step_request(order: dict[str, Any], step: str, op: str) -> tuple[str, dict[str, Any]]:
    """(participant actor id, request) for ``op`` of ``step``; replies go back to the order."""
    actor_id = {"reserve": order["sku"], "charge": order["customer"],
                "ship": order["country"]}[step]
    return actor_id, {"op": op, "order": order["id"], "qty": order["qty"],
                      "amount": order["amount"], "reply_to": order["reply_to"]}


# -- the order: a small state machine ------------------------------------------------------

def start_step(ctx: Any, order: dict[str, Any], step: str) -> None:
    order["status"] = step
    ctx.send(*step_request(order, step, step), target=participant(step))


def compensate(ctx: Any, order: dict[str, Any], reason: str) -> None:
    """Undo the completed steps (latest first); resolve when there is nothing to undo."""
    order.update(status="compensating", reason=reason)
    order["pending_undo"] = [s for s in reversed(order["done"]) if s in UNDO]
    for step in order["pending_undo"]:
        ctx.send(*step_request(order, step, UNDO[step]), target=participant(step))
    finish_if_compensated(ctx, order)


def finish_if_compensated(ctx: Any, order: dict[str, Any]) -> None:
    if not order["pending_undo"]:
        order["status"] = "CANCELLED"
        ctx.resolve(order["workflow_id"], {
            "order": order["id"], "status": "CANCELLED", "reason": order["reason"],
            "compensated": [s for s in reversed(order["done"]) if s in UNDO]})


def on_reply(ctx: Any, order: dict[str, Any], reply: dict[str, Any]) -> None:
    step = reply.get("step")
    if reply.get("undone"):
        if order["status"] == "compensating" and step in order["pending_undo"]:
            order["pending_undo"].remove(step)
            finish_if_compensated(ctx, order)
        return
    if step != order["status"]:
        return  # a duplicate or late reply for a step we are not waiting for
    if not reply.get("ok"):
        compensate(ctx, order, reply.get("reason", f"{step} failed"))
        return
    order["done"].append(step)
    if step == "reserve":
        start_step(ctx, order, "charge")
    elif step == "charge":
        start_step(ctx, order, "ship")
    else:
        order.update(status="COMPLETED", tracking=reply.get("tracking"))
        ctx.resolve(order["workflow_id"], {"order": order["id"], "status": "COMPLETED",
                                           "tracking": order["tracking"]})


@actor(actor_type="order")
def order_handler(ctx: Any, payload: Any) -> Any:
    """``{"op": "place", ...ORDER_FIELDS}`` starts the saga; ``{"op": "get"}`` reads it;
    participants' replies (``{"op": "reply", ...}``) move it on.

    ``status`` is the step awaited (``reserve``, ``charge``, ``ship``), ``compensating``,
    or final: ``COMPLETED`` / ``CANCELLED``.
    """
    payload = payload or {}
    op = payload.get("op")
    order = ctx.state.get("order")
    if op == "get":
        return order
    if op == "place":
        if order is not None:
            return order  # placing the same order again changes nothing
        missing = [f for f in ORDER_FIELDS if payload.get(f) in (None, "")]
        if missing:
            raise InvalidRequestError(f"order is missing {', '.join(missing)}")
        order = ctx.state["order"] = {
            **{f: payload[f] for f in ORDER_FIELDS}, "id": ctx.actor_id, "done": [],
            "reply_to": ctx.lambda_context.function_name}  # participants answer here
        start_step(ctx, order, "reserve")
        return order
    if op == "reply":
        if order is None:
            raise InvalidRequestError(f"reply for unknown order {ctx.actor_id!r}")
        on_reply(ctx, order, payload)
        return None
    raise InvalidRequestError(f"unknown order op {op!r}: use 'place', 'get' or 'reply'")


# -- the participants: each keys its effects by order id ------------------------------------

def reply(ctx: Any, request: dict[str, Any], step: str, **outcome: Any) -> None:
    ctx.send(request["order"], {"op": "reply", "step": step, **outcome},
             target=request["reply_to"])


def hold_or_return(ctx: Any, request: dict[str, Any], step: str, pool: str, amount_key: str,
                   refusal: str) -> None:
    """Take ``request[amount_key]`` out of ``state[pool]`` for the order (once) and reply; on
    the undo request give back what the order holds (nothing if nothing) and acknowledge."""
    held, order_id = ctx.state.setdefault("held", {}), request["order"]
    if request["op"] != step:  # the undo
        ctx.state[pool] = ctx.state.get(pool, 0) + held.pop(order_id, 0)
        return reply(ctx, request, step, undone=True)
    if order_id not in held:
        amount = request[amount_key]
        if ctx.state.get(pool, 0) < amount:
            return reply(ctx, request, step, ok=False, reason=refusal)
        ctx.state[pool] -= amount
        held[order_id] = amount
    reply(ctx, request, step, ok=True)


@actor(actor_type="inventory")
def inventory_handler(ctx: Any, payload: Any) -> Any:
    """Stock of one SKU: ``restock`` (sync), ``reserve`` / ``release`` (saga), ``get``."""
    if payload.get("op") == "restock":
        ctx.state["stock"] = ctx.state.get("stock", 0) + int(payload["qty"])
    elif payload.get("op") in ("reserve", "release"):
        hold_or_return(ctx, payload, "reserve", "stock", "qty", "out of stock")
    return {"stock": ctx.state.get("stock", 0),
            "reserved": sum(ctx.state.get("held", {}).values())}


@actor(actor_type="wallet")
def payment_handler(ctx: Any, payload: Any) -> Any:
    """A customer's wallet: ``deposit`` (sync), ``charge`` / ``refund`` (saga), ``get``."""
    if payload.get("op") == "deposit":
        ctx.state["balance"] = ctx.state.get("balance", 0) + int(payload["amount"])
    elif payload.get("op") in ("charge", "refund"):
        hold_or_return(ctx, payload, "charge", "balance", "amount", "payment declined")
    return {"balance": ctx.state.get("balance", 0),
            "charged": sum(ctx.state.get("held", {}).values())}


@actor(actor_type="shipping")
def shipping_handler(ctx: Any, payload: Any) -> Any:
    """Shipments to one country (the actor id); ``ship`` fails where no carrier serves it."""
    shipments = ctx.state.setdefault("shipments", {})
    if payload.get("op") == "ship":
        ships_to = os.environ.get("SAGA_SHIPS_TO", "DE,FR,GB,US").split(",")
        if ctx.actor_id not in ships_to:
            return reply(ctx, payload, "ship", ok=False, reason=f"no carrier for {ctx.actor_id}")
        if payload["order"] not in shipments:
            shipments[payload["order"]] = f"{ctx.actor_id}-{len(shipments) + 1:05d}"
        reply(ctx, payload, "ship", ok=True, tracking=shipments[payload["order"]])
    return {"shipments": len(shipments)}
