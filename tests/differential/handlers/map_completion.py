"""map completion policies (input selects): default (fail fast), min_successful, tolerated failure
count / percentage, all_completed, all_successful, first_successful; status, counts, reason, and
what throw_if_error raises."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig
from aws_durable_execution_sdk_python.retries import RetryPresets
from aws_durable_execution_sdk_python.config import StepConfig


def probe(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return f"!{type(exc).__name__}: {exc}"


def thrown(batch):
    try:
        batch.throw_if_error()
        return None
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None),
                getattr(error, "message", str(error))]


POLICIES = {
    "default": None,
    "min_successful": CompletionConfig(min_successful=2),
    "tolerated_count": CompletionConfig(tolerated_failure_count=1),
    "tolerated_percentage": CompletionConfig(tolerated_failure_percentage=30),
    "all_completed": CompletionConfig.all_completed(),
    "all_successful": CompletionConfig.all_successful(),
    "first_successful": CompletionConfig.first_successful(),
}


def work(child, item, index, items):
    def run(_):
        if item % 2 == 0:
            raise ValueError(f"even item {item}")
        return item * 10
    return child.step(run, name=f"work-{index}",
                      config=StepConfig(retry_strategy=RetryPresets.none()))


@durable_execution
def handler(event, context: DurableContext):
    policy = POLICIES[event["policy"]]
    config = MapConfig(max_concurrency=1) if policy is None else \
        MapConfig(max_concurrency=1, completion_config=policy)
    batch = context.map([1, 2, 3, 4, 5, 6], work, name="items", config=config)
    return {
        "status": probe(lambda: [type(batch.status).__name__, batch.status.value]),
        "reason": probe(lambda: batch.completion_reason.value),
        "total": batch.total_count, "succeeded": batch.success_count,
        "failed": batch.failure_count, "started": batch.started_count,
        "indexes": [item.index for item in batch.all],
        "results": batch.get_results(),
        "errors": probe(lambda: [[e.type, e.message] for e in batch.get_errors()]),
        "throw_if_error": thrown(batch),
    }
