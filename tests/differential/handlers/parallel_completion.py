"""parallel completion (input selects): default all_successful, first_successful, all_completed;
a failing middle branch; status enum, counts, reason, throw_if_error."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig, StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


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


def fail(_):
    raise PermissionError("access denied")


POLICIES = {"default": None, "first_successful": CompletionConfig.first_successful(),
            "all_completed": CompletionConfig.all_completed()}


@durable_execution
def handler(event, context: DurableContext):
    policy = POLICIES[event["policy"]]
    config = ParallelConfig(max_concurrency=1) if policy is None else \
        ParallelConfig(max_concurrency=1, completion_config=policy)
    batch = context.parallel([
        lambda child: child.step(fail, name="denied",
                                 config=StepConfig(retry_strategy=RetryPresets.none())),
        lambda child: child.step(lambda _: "b", name="b"),
        lambda child: child.step(lambda _: "c", name="c"),
    ], name="branches", config=config)
    return {
        "status": probe(lambda: [type(batch.status).__name__, batch.status.value]),
        "reason": probe(lambda: batch.completion_reason.value),
        "total": batch.total_count, "succeeded": batch.success_count,
        "failed": batch.failure_count, "results": batch.get_results(),
        "throw_if_error": thrown(batch),
    }
