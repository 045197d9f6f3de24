"""CompletionConfig(should_complete=...): a custom predicate completes the batch (quorum); with
input {"outcome": "FAILED"} the predicate completes it as failed (BatchCompletionError)."""
from aws_durable_execution_sdk_python import (
    CompletionOutcome, DurableContext, complete_batch, continue_batch, durable_execution)
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig


def quorum_with(outcome):
    def quorum(status):
        if status.success_count >= 2:
            return complete_batch(outcome)
        return continue_batch()
    return quorum


def thrown(batch):
    try:
        batch.throw_if_error()
        return None
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None),
                getattr(error, "message", str(error))]


def vote(child, item, index, items):
    return child.step(lambda _: f"yes-{item}", name=f"vote-{index}")


@durable_execution
def handler(event, context: DurableContext):
    outcome = CompletionOutcome[event.get("outcome", "SUCCEEDED")]
    batch = context.map(["a", "b", "c", "d"], vote, name="votes", config=MapConfig(
        max_concurrency=1, completion_config=CompletionConfig(should_complete=quorum_with(outcome))))
    return [batch.status.value, batch.completion_reason.value, batch.total_count,
            batch.get_results(), thrown(batch)]
