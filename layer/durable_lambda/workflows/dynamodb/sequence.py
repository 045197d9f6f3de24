"""The commit sequence: numbers handed out in commit order (history EventIds), and reading
the cancellation reasons of a fenced transaction that lost a race for them."""
from __future__ import annotations

from typing import Any, Optional

from durable_lambda.core import aws
from durable_lambda.core.errors import FencedError
from durable_lambda.workflows.dynamodb.items import _get_s, _Loaded
from durable_lambda.workflows.model import Operation


def _commit_seq(header: dict[str, Any]) -> Optional[int]:
    """The header's commit counter; None for an item written before it existed."""
    value = header.get("commit_seq")
    return int(value["N"]) if value else None


def _seq_condition(counter: Optional[int]) -> str:
    """Condition: the header's commit counter is still ``counter`` (as last seen)."""
    return "attribute_not_exists(commit_seq)" if counter is None else "commit_seq = :seq"


def _seq_values(counter: Optional[int]) -> dict[str, Any]:
    return {} if counter is None else {":seq": {"N": str(counter)}}


def _numbered(op: Operation, prior: Optional[Operation], base: int) -> Operation:
    """``op`` with the commit numbers it got in this checkpoint (relative) moved to ``base``."""
    changes: dict[str, int] = {}
    if op.start_seq is not None and (prior is None or prior.start_seq is None):
        changes["start_seq"] = base + op.start_seq
    if op.end_seq is not None and (prior is None or prior.end_seq is None):
        changes["end_seq"] = base + op.end_seq
    return op.with_changes(**changes) if changes else op


def _moved_seq(old: dict[str, Any], holder: str, loaded: _Loaded) -> Optional[int]:
    """The header's new counter when only it changed under ``holder`` (an outside completion
    took a number); None when the lease or the version changed (fenced)."""
    if (_get_s(old, "lease_holder") != holder
            or int(old.get("version", {}).get("N", -1)) != loaded.record.version):
        return None
    counter = _commit_seq(old)
    return counter if counter is not None and counter != loaded.commit_seq else None


def _counter_moved(exc: Exception, holder: str, loaded: _Loaded) -> Optional[int]:
    """For a cancelled checkpoint transaction: the fresh counter when the fence failed only on
    it (and no operation's condition failed); otherwise None."""
    if aws.error_code(exc) != "TransactionCanceledException":
        return None
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    if not reasons or reasons[0].get("Code") != "ConditionalCheckFailed" or any(
            r.get("Code") not in (None, "None") for r in reasons[1:]):
        return None
    return _moved_seq(reasons[0].get("Item") or {}, holder, loaded)


def _checkpoint_error(exc: Exception, execution_id: str, holder: str,
                      items: list[dict[str, Any]]) -> Exception:
    if aws.error_code(exc) != "TransactionCanceledException":
        return exc
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    for reason, write in zip(reasons[1:], items):
        if reason.get("Code") == "ConditionalCheckFailed":
            sk = write["Put"]["Item"]["sk"]["S"]
            return FencedError(f"execution {execution_id!r}: {sk} changed outside this writer "
                               "(completed externally); checkpoint rejected, replay to continue")
    if not reasons or reasons[0].get("Code") == "ConditionalCheckFailed":
        return FencedError(f"execution {execution_id!r}: {holder!r} no longer holds the lease "
                           "or another writer checkpointed; checkpoint rejected")
    return exc

