"""Saga compensation: register undo steps; on failure run them in reverse, each as a step.

The official SDK has no saga API (it documents the pattern with try/except and steps); this
is a small helper for it::

    with Saga(context) as saga:
        booking = context.step(book_hotel(trip), name="book-hotel")
        saga.add_compensation(cancel_hotel(booking), name="cancel-hotel")
        context.step(charge_card(trip), name="charge")       # fails -> cancel-hotel runs

Compensations run only for ordinary exceptions (never for suspension), in reverse
registration order, as steps named ``compensate:{name}`` (default retry strategy unless
``config`` is given); then the original exception propagates. Registration is plain code, so
it replays deterministically. ``saga.compensate()`` runs them explicitly (once).
"""
from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Optional

from durable_lambda.workflows.config import StepConfig
from durable_lambda.workflows.context import DurableContext, _name
from durable_lambda.workflows.errors import ValidationError
from durable_lambda.workflows.operations.common import StepContext


class Saga:
    def __init__(self, context: DurableContext, config: Optional[StepConfig] = None) -> None:
        self._context = context
        self._config = config
        self._undo: list[tuple[str, Callable[[StepContext], Any]]] = []
        self._done = False

    def add_compensation(self, func: Callable[[StepContext], Any],
                         name: Optional[str] = None) -> None:
        """Register ``func(step_context)`` to undo the work done so far."""
        label = _name(name, func)
        if not label:
            raise ValidationError("a compensation needs a name (name= or @durable_step)")
        self._undo.append((label, func))

    @property
    def compensations(self) -> list[str]:
        return [label for label, _ in self._undo]

    def compensate(self) -> None:
        """Run registered compensations in reverse order as steps (at most once)."""
        if self._done:
            return
        self._done = True
        for label, func in reversed(self._undo):
            self._context.step(func, name=f"compensate:{label}", config=self._config)

    def __enter__(self) -> "Saga":
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> bool:
        if exc is not None and isinstance(exc, Exception):
            self.compensate()
        return False
