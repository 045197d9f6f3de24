"""A map/parallel result too large to checkpoint: the summary recorded instead, and replay.

As in the SDK, the batch operation then records ``ReplayChildren`` and a JSON envelope carrying
the completion decision — ``totalCount`` (branches started: always the index prefix
``[0, totalCount)``), ``completionReason``, and ``startedIndexes`` or ``completedIndexes``
(whichever is shorter) — plus informational counts and the user's ``summary_generator`` output
under ``summary``. Replay obeys that record, so the rebuilt result equals the live one: branches
recorded STARTED stay STARTED, the others are re-derived from their own checkpoints.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from durable_lambda.workflows.batch_result import (
    BatchItem, BatchItemStatus, BatchResult, CompletionReason)


@dataclass(frozen=True)
class CompletionRecord:
    """The decision a summary records: reason, branches started, which were still STARTED."""

    completion_reason: CompletionReason
    started_total: int
    started_indexes: frozenset[int]

    @classmethod
    def parse(cls, payload: Optional[str]) -> Optional["CompletionRecord"]:
        """The record in ``payload``; None when there is none or it is malformed."""
        try:
            data = json.loads(payload or "")
            reason = CompletionReason(data["completionReason"])
            total = data["totalCount"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            return None
        listed = data.get("startedIndexes", data.get("completedIndexes"))
        if not isinstance(listed, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < total for i in listed):
            return None
        started = frozenset(listed) if "startedIndexes" in data \
            else frozenset(range(total)) - frozenset(listed)
        return cls(reason, total, started)


def summary_generator(result_type: str, custom: Optional[Callable[[Any], str]]
                      ) -> Callable[[BatchResult[Any]], str]:
    """The generator of a batch's summary envelope (``result_type``: MapResult/ParallelResult)."""

    def generate(result: BatchResult[Any]) -> str:
        started = [i.index for i in result.all if i.status is BatchItemStatus.STARTED]
        completed = [i.index for i in result.all if i.status is not BatchItemStatus.STARTED]
        fields: dict[str, Any] = {
            "type": result_type, "totalCount": result.total_count,
            "completionReason": result.completion_reason.value,
            **({"startedIndexes": started} if len(started) <= len(completed)
               else {"completedIndexes": completed}),
            "startedCount": result.started_count, "successCount": result.success_count,
            "failureCount": result.failure_count, "status": result.status.value}
        if custom is not None:
            summary = custom(result)
            fields["summary"] = summary if isinstance(summary, str) else str(summary)
        return json.dumps(fields)
    return generate


def replay_result(record: CompletionRecord,
                  terminal_item: Callable[[int], BatchItem[Any]]) -> BatchResult[Any]:
    """The live result again: ``terminal_item(i)`` re-derives a branch that had finished."""
    items = [BatchItem(i, BatchItemStatus.STARTED) if i in record.started_indexes
             else terminal_item(i) for i in range(record.started_total)]
    return BatchResult(items, record.completion_reason)
