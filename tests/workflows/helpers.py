"""Shared helpers for the workflow engine tests: a manual clock and a direct engine harness."""
from __future__ import annotations

import json
from typing import Any, Optional

from durable_lambda.testing.durable_runner import VirtualClock
from durable_lambda.workflows.engine import ExecutionOptions
from durable_lambda.workflows.execution import DurableFunction
from durable_lambda.workflows.model import Operation
from durable_lambda.workflows.outcome import InvocationOutcome
from durable_lambda.workflows.store import InMemoryStore


class Crash(BaseException):
    """Simulates the process dying at this point (nothing after it runs, no flush)."""


class Harness:
    """Runs invocations of one durable handler directly against an InMemoryStore."""

    def __init__(self, handler: Any, input: Any = None,
                 options: Optional[ExecutionOptions] = None) -> None:
        self.clock = VirtualClock(1_000_000)
        self.store = InMemoryStore(clock=self.clock.now)
        self.function = handler if isinstance(handler, DurableFunction) else \
            DurableFunction(handler, options=options)
        record, _ = self.store.start_execution("fn", json.dumps(input))
        self.execution_id = record.execution_id
        self.invocations = 0

    def invoke(self, lease_ms: int = 60_000) -> InvocationOutcome:
        self.invocations += 1
        return self.function.run(self.store, self.execution_id, f"holder-{self.invocations}",
                                 lease_ms=lease_ms)

    def ops(self) -> list[Operation]:
        return self.store.get(self.execution_id).operations

    def op(self, name: str) -> Operation:
        return next(o for o in self.ops() if o.name == name)

    def result(self) -> Any:
        record = self.store.get(self.execution_id)
        return None if record.result is None else json.loads(record.result)
