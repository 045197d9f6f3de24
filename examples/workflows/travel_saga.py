"""Example saga: book hotel, flight and car; if any booking fails, undo the earlier ones.

Each booking is a step; after it succeeds its compensation is registered with ``Saga``. When
a later step fails, ``Saga`` runs the compensations in reverse order, each as its own durable
step (so a crash mid-compensation resumes where it left off), then the error propagates.
"""
from __future__ import annotations

from typing import Any

from durable_lambda.workflows import (
    DurableContext, RetryPresets, Saga, StepConfig, StepContext, durable_execution, durable_step)
from durable_lambda.workflows.errors import StepFailedError

BOOK = StepConfig(retry_strategy=RetryPresets.none())


@durable_step
def book(step: StepContext, kind: str, trip: dict[str, Any]) -> str:
    if kind in trip.get("unavailable", []):
        raise RuntimeError(f"no {kind} available")
    return f"{kind.upper()}-{trip['tripId']}"


@durable_step
def cancel(step: StepContext, reservation: str) -> str:
    step.logger.info("cancelled %s", reservation)
    return reservation


@durable_execution
def travel_saga(event: dict[str, Any], ctx: DurableContext) -> dict[str, Any]:
    booked: list[str] = []
    try:
        with Saga(ctx) as saga:
            for kind in ("hotel", "flight", "car"):
                reservation = ctx.step(book(kind, event), name=f"book-{kind}", config=BOOK)
                booked.append(reservation)
                saga.add_compensation(cancel(reservation), name=f"cancel-{kind}")
    except StepFailedError as exc:
        return {"status": "ROLLED_BACK", "reason": str(exc), "cancelled": booked[::-1]}
    return {"status": "BOOKED", "reservations": booked}
