"""``DynamoDBStore``: the ``CheckpointStore`` of durable executions in ``DURABLE_WORKFLOW_TABLE``.

Items (docs/contracts.md, docs/workflows_hosting.md):

- header ``pk="exec#{id}", sk="#meta"``: function, name, status, input, result, error, parent,
  ``version`` (fence, +1 per committed chunk), ``op_count`` (next first-commit sequence number),
  ``commit_seq`` (last commit sequence number handed out, see below),
  ``lease_holder`` / ``lease_expires_ms``, ``settled_version``, ``wakes`` and
  ``failed_invocations`` (see ``release``);
- one item per operation ``pk="exec#{id}", sk="op#{operation id}"``: ``seq`` (first-commit
  order), ``status`` (for conditions) and ``data`` (the ``Operation`` as JSON, with its
  ``start_seq`` / ``end_seq``);
- name index ``pk="name#{function}#{name}", sk="#ref"`` -> execution id (idempotent start);
- callback index ``pk="cb#{callback_id}", sk="#ref"`` -> execution, operation, function,
  timeout deadline and heartbeat settings.

Calls: ``acquire`` = 1 UpdateItem + 1 Query per MB of operations; ``checkpoint`` = 1
TransactWriteItems per 99 operations touched; ``release`` / ``finish`` = 1 UpdateItem;
``complete_external`` = BatchGetItem (op + header counter) + TransactWriteItems;
``start_execution`` = 1 PutItem (1 TransactWriteItems with a name); ``stop`` (from outside,
no lease) = 1 GetItem + 1 UpdateItem.

Commit order (history EventIds): every applied update gets a number from the header's
``commit_seq``, recorded on the operation as ``start_seq`` / ``end_seq`` (``reducer.apply_update``
``seq=``). A checkpoint chunk reserves ``len(updates)`` numbers (its updates keep their order)
by setting ``commit_seq`` in its fence, conditioned on the value it knows; an outside completion
takes the next number the same way. Whoever loses that race re-reads the counter (the fence's
``ALL_OLD`` image; the BatchGetItem) and retries, bounded — extra calls only on a race. So the
numbers strictly increase in commit order across invocations and outside completions, and
``finish`` sets ``version`` above every number handed out (the terminal event comes last).

Atomicity: a checkpoint touching up to 99 distinct operations is one transaction (the header
version bump is its fence). A larger one is split into ordered chunks, each fenced and atomic;
a crash or lease loss between chunks leaves a committed *prefix* of the updates, never a torn
operation — the same state as an engine that checkpointed those updates one call at a time and
then stopped, which replay handles. Operations touched by several updates of one checkpoint are
merged into one write (a transaction may touch an item once).
"""
from __future__ import annotations

from durable_lambda.workflows.dynamodb.checkpoints import CheckpointWrites
from durable_lambda.workflows.dynamodb.external import ExternalCompletions
from durable_lambda.workflows.dynamodb.items import check_size, decode_operation, encode_operation
from durable_lambda.workflows.dynamodb.lease import ExecutionLease
from durable_lambda.workflows.dynamodb.reads import ExecutionReads
from durable_lambda.workflows.dynamodb.stops import ExecutionStops


class DynamoDBStore(ExecutionReads, ExecutionLease, CheckpointWrites, ExternalCompletions,
                    ExecutionStops):
    """CheckpointStore over the workflow table (see the package docstring). Thread-safe enough
    for one holder per execution: per-holder views are keyed by (execution id, holder)."""


__all__ = ["DynamoDBStore", "check_size", "decode_operation", "encode_operation"]
