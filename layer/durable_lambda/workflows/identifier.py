"""Operation identifiers (the official SDK's ``identifier`` module); ids come from ``ids``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from durable_lambda.workflows.exceptions import NonDeterministicExecutionError
from durable_lambda.workflows.ids import operation_id
from durable_lambda.workflows.model import OperationType


@dataclass(frozen=True)
class OperationIdNamespace:
    """The ids of one context: ``create_id_for_step(n)`` is the id of its n-th operation."""

    prefix: Optional[str] = None

    def create_id_for_step(self, step: int) -> str:
        return operation_id(step, self.prefix)


@dataclass(frozen=True)
class OperationIdentifier:
    """An operation's identity: id, sub type, parent, name and type."""

    operation_id: str
    sub_type: str
    parent_id: Optional[str] = None
    name: Optional[str] = None
    operation_type: OperationType = field(kw_only=True)

    @property
    def type(self) -> OperationType:
        return self.operation_type

    def validate_checkpoint(self, checkpoint: Any) -> None:
        """``NonDeterministicExecutionError`` if a recorded operation (``model.Operation``) has
        another type, sub type, name or parent than this identity."""
        if checkpoint is None:
            return
        pairs = (("type", checkpoint.type, self.operation_type),
                 ("subtype", checkpoint.sub_type, self.sub_type),
                 ("name", checkpoint.name or None, self.name or None),
                 ("parent_id", checkpoint.parent_id or None, self.parent_id or None))
        mismatches = [f"{what} checkpoint={recorded!r} current={current!r}"
                      for what, recorded, current in pairs if recorded != current]
        if mismatches:
            raise NonDeterministicExecutionError(
                f"Non-deterministic operation identity at id={self.operation_id!r}: "
                f"{', '.join(mismatches)}", step_id=self.operation_id)
