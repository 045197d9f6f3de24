"""Helpers shared by the operation modules."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.workflows.model import OperationAction, OperationType, OperationUpdate
from durable_lambda.workflows.types import (  # noqa: F401 (re-exported)
    StepContext, WaitForCallbackContext, WaitForConditionCheckContext)


@dataclass(frozen=True)
class OpRef:
    """Identity of one operation: id, parent context op id, name."""

    id: str
    parent_id: Optional[str]
    name: Optional[str]

    def update(self, op_type: OperationType, action: OperationAction, sub_type: str,
               **fields: Any) -> OperationUpdate:
        return OperationUpdate(id=self.id, type=op_type, action=action, parent_id=self.parent_id,
                               name=self.name, sub_type=sub_type, **fields)


class SubType:
    """Operation sub types, as the official SDK names them."""

    STEP = "Step"
    WAIT = "Wait"
    CALLBACK = "Callback"
    RUN_IN_CHILD_CONTEXT = "RunInChildContext"
    MAP = "Map"
    MAP_ITERATION = "MapIteration"
    PARALLEL = "Parallel"
    PARALLEL_BRANCH = "ParallelBranch"
    WAIT_FOR_CALLBACK = "WaitForCallback"
    WAIT_FOR_CONDITION = "WaitForCondition"
    CHAINED_INVOKE = "ChainedInvoke"
