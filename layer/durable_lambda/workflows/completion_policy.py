"""When a map/parallel batch is complete, and why: the SDK's rules over a ``CompletionConfig``.

* A ``should_complete`` predicate, when given, alone decides early completion (it sees a
  ``CompletionStatus`` snapshot; its ``complete_batch(outcome)`` gives the reason
  CUSTOM_COMPLETION_SUCCEEDED / _FAILED); failure tolerance is then not checked.
* Otherwise failures beyond ``tolerated_failure_count`` or ``tolerated_failure_percentage``
  (of all items) stop the batch: FAILURE_TOLERANCE_EXCEEDED. With none of the three thresholds
  set, one failure is beyond tolerance (fail fast).
* ``min_successful`` successes complete it: MIN_SUCCESSFUL_REACHED.
* Every item finished completes it: ALL_COMPLETED.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

from durable_lambda.workflows.batch_config import (
    CompletionConfig, CompletionDecision, CompletionItemStatus, CompletionOutcome,
    CompletionStatus)


class CompletionReason(Enum):
    """Why a batch completed (``BatchResult.completion_reason``)."""

    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"
    CUSTOM_COMPLETION_SUCCEEDED = "CUSTOM_COMPLETION_SUCCEEDED"
    CUSTOM_COMPLETION_FAILED = "CUSTOM_COMPLETION_FAILED"


@dataclass(frozen=True)
class CompletionPolicy:
    """The completion rules of one batch of ``total`` items."""

    total: int
    config: CompletionConfig

    @property
    def custom(self) -> bool:
        return self.config.should_complete is not None

    def _thresholds_set(self) -> bool:
        c = self.config
        return (c.min_successful, c.tolerated_failure_count,
                c.tolerated_failure_percentage) != (None, None, None)

    def tolerance_exceeded(self, failed: int) -> bool:
        """Too many failures: no further item may start."""
        c = self.config
        if self.custom:
            return False
        if not self._thresholds_set():
            return failed > 0
        if c.tolerated_failure_count is not None and failed > c.tolerated_failure_count:
            return True
        return (c.tolerated_failure_percentage is not None and self.total > 0
                and failed * 100 / self.total > c.tolerated_failure_percentage)

    def decide(self, succeeded: int, failed: int,
               items: tuple[CompletionItemStatus, ...] = ()) -> Optional[CompletionDecision]:
        """The predicate's decision on this progress (None without a predicate)."""
        if self.config.should_complete is None:
            return None
        return self.config.should_complete(CompletionStatus(
            success_count=succeeded, failure_count=failed, completed_count=succeeded + failed,
            total_count=self.total, items=items))

    def is_complete(self, succeeded: int, failed: int,
                    decision: Optional[CompletionDecision]) -> bool:
        """The batch has met a completion criterion (tolerance is checked separately)."""
        if decision is not None and decision.complete:
            return True
        if succeeded + failed >= self.total:
            return True
        return self.config.min_successful is not None and succeeded >= self.config.min_successful

    def reason(self, succeeded: int, failed: int,
               decision: Optional[CompletionDecision]) -> CompletionReason:
        """Why a batch that stopped at this progress completed."""
        if self.tolerance_exceeded(failed):
            return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
        if decision is not None and decision.complete:
            return CompletionReason.CUSTOM_COMPLETION_FAILED \
                if decision.outcome is CompletionOutcome.FAILED \
                else CompletionReason.CUSTOM_COMPLETION_SUCCEEDED
        if succeeded + failed >= self.total:
            return CompletionReason.ALL_COMPLETED
        if self.config.min_successful is not None and succeeded >= self.config.min_successful:
            return CompletionReason.MIN_SUCCESSFUL_REACHED
        return CompletionReason.ALL_COMPLETED
