"""BatchResult / BatchItem / CompletionConfig: the SDK's names and semantics."""
from __future__ import annotations

import pytest

from durable_lambda.workflows import CompletionConfig, MapConfig, ParallelConfig
from durable_lambda.workflows.batch_result import (
    BatchCompletionError, BatchItem, BatchItemStatus, BatchResult, CompletionReason)
from durable_lambda.workflows.completion_policy import CompletionPolicy
from durable_lambda.workflows.config import (
    CompletionOutcome, CompletionStatus, complete_batch, continue_batch)
from durable_lambda.workflows.exceptions import ChildContextError, ValidationError
from durable_lambda.workflows.model import ErrorObject
from durable_lambda.workflows.outcome import OutcomeStatus

from .helpers import Harness

OK, BAD, RUN = BatchItemStatus.SUCCEEDED, BatchItemStatus.FAILED, BatchItemStatus.STARTED


def raise_on(bad):
    def branch(c, item, i, xs):
        if item in bad:
            raise ValueError(f"bad {item}")
        return item
    return branch


def test_status_is_the_enum_and_failed_when_any_item_failed() -> None:
    def handler(e, ctx):
        res = ctx.map([1, 2, 3], raise_on({2}), config=MapConfig(
            max_concurrency=1, completion_config=CompletionConfig.all_completed()))
        assert res.status is BatchItemStatus.FAILED  # the enum, not "SUCCEEDED"
        return [res.completion_reason.value, res.has_failure, res.get_results(),
                [err.error_type for err in res.get_errors()]]

    h = Harness(handler)
    assert h.invoke().status is OutcomeStatus.SUCCEEDED, h.ops()
    assert h.result() == ["ALL_COMPLETED", True, [1, 3], ["ValueError"]]


def test_total_counts_only_branches_that_started() -> None:
    def handler(e, ctx):
        res = ctx.map([1, 2, 3, 4], lambda c, item, i, xs: item, config=MapConfig(
            max_concurrency=1, completion_config=CompletionConfig(min_successful=2)))
        return [res.total_count, res.success_count, res.started_count,
                [i.index for i in res.all], res.completion_reason.value, res.status.value]

    h = Harness(handler)
    h.invoke()
    assert h.result() == [2, 2, 0, [0, 1], "MIN_SUCCESSFUL_REACHED", "SUCCEEDED"]
    assert "map-item-2" not in {op.name for op in h.ops()}


def test_throw_if_error_raises_the_first_failed_item_as_child_context_error() -> None:
    caught = []

    def handler(e, ctx):
        res = ctx.map([1, 2, 3], raise_on({2, 3}), config=MapConfig(
            max_concurrency=1, completion_config=CompletionConfig.all_completed()))
        try:
            res.throw_if_error()  # any failed item, whatever the completion reason
        except ChildContextError as error:
            caught.append(error)
            raise

    out = Harness(handler).invoke()
    assert out.status is OutcomeStatus.FAILED
    [error] = caught
    assert (error.error_type, error.message) == ("ValueError", "bad 2")
    assert error.__cause__ is not None and str(error.__cause__) == "bad 2"


def test_default_map_fails_fast_and_parallel_default_is_all_successful() -> None:
    def handler(e, ctx):
        m = ctx.map([1, 2, 3, 4], raise_on({2}), config=MapConfig(max_concurrency=1))
        p = ctx.parallel([lambda c: 1 / 0, lambda c: "never"],
                         config=ParallelConfig(max_concurrency=1))
        return [m.completion_reason.value, m.total_count, p.completion_reason.value,
                p.total_count]

    h = Harness(handler)
    h.invoke()
    assert h.result() == ["FAILURE_TOLERANCE_EXCEEDED", 2, "FAILURE_TOLERANCE_EXCEEDED", 1]


@pytest.mark.parametrize("config,reason,total", [
    (CompletionConfig(tolerated_failure_count=1), "FAILURE_TOLERANCE_EXCEEDED", 3),
    (CompletionConfig(tolerated_failure_count=2), "ALL_COMPLETED", 4),
    (CompletionConfig(tolerated_failure_percentage=40), "FAILURE_TOLERANCE_EXCEEDED", 3),
    (CompletionConfig(tolerated_failure_percentage=50), "ALL_COMPLETED", 4),
    (CompletionConfig.all_completed(), "ALL_COMPLETED", 4),
])
def test_failure_tolerance(config: CompletionConfig, reason: str, total: int) -> None:
    def handler(e, ctx):
        res = ctx.map([0, 1, 1, 0], raise_on({1}),
                      config=MapConfig(max_concurrency=1, completion_config=config))
        return [res.completion_reason.value, res.total_count]

    h = Harness(handler)
    h.invoke()
    assert h.result() == [reason, total]


def test_custom_should_complete_decides_and_can_fail_the_batch() -> None:
    seen: list[CompletionStatus] = []

    def decide(status: CompletionStatus):
        seen.append(status)
        return complete_batch(CompletionOutcome.FAILED) if status.success_count >= 2 \
            else continue_batch()

    def handler(e, ctx):
        res = ctx.map(["a", "b", "c"], lambda c, item, i, xs: item, config=MapConfig(
            max_concurrency=1, completion_config=CompletionConfig(should_complete=decide)))
        assert res.status is BatchItemStatus.FAILED
        with pytest.raises(BatchCompletionError):
            res.throw_if_error()
        return [res.completion_reason.value, res.total_count]

    h = Harness(handler)
    h.invoke()
    assert h.result() == ["CUSTOM_COMPLETION_FAILED", 2]
    assert seen[0].completed_count == 0 and seen[0].items[0].status is None
    assert [i.status for i in seen[-1].items] == [OK, OK, None]


def test_completion_config_validation_and_factories() -> None:
    with pytest.raises(ValidationError):
        CompletionConfig(min_successful=0)
    with pytest.raises(ValidationError):
        CompletionConfig(tolerated_failure_count=-1)
    with pytest.raises(ValidationError):
        CompletionConfig(tolerated_failure_percentage=101)
    with pytest.raises(ValidationError):
        CompletionConfig(min_successful=1, should_complete=lambda s: continue_batch())
    with pytest.raises(ValidationError):
        MapConfig(max_concurrency=0)
    assert CompletionConfig.all_completed().tolerated_failure_percentage == 100
    assert CompletionConfig.first_successful().min_successful == 1
    assert CompletionConfig.all_successful() == CompletionConfig(None, 0, 0)


def test_min_successful_above_the_item_count_fails_before_the_batch_starts() -> None:
    def handler(e, ctx):
        ctx.map([1], lambda c, item, i, xs: item,
                config=MapConfig(completion_config=CompletionConfig(min_successful=2)))

    h = Harness(handler)
    out = h.invoke()
    assert out.status is OutcomeStatus.FAILED and "min_successful" in out.error.error_message
    assert h.ops() == []  # a bare ValidationError: no Map operation


def test_policy_rules() -> None:
    fail_fast = CompletionPolicy(4, CompletionConfig())
    assert fail_fast.tolerance_exceeded(1) and not fail_fast.tolerance_exceeded(0)
    quorum = CompletionPolicy(4, CompletionConfig(min_successful=2))
    assert not quorum.tolerance_exceeded(2)  # thresholds set: no fail fast
    assert quorum.reason(2, 0, None) is CompletionReason.MIN_SUCCESSFUL_REACHED
    assert quorum.reason(2, 2, None) is CompletionReason.ALL_COMPLETED


def test_dict_round_trip_and_inferred_reason() -> None:
    error = ErrorObject("ValueError", "bad")
    result = BatchResult([BatchItem(0, OK, {"x": 1}), BatchItem(1, BAD, error=error),
                          BatchItem(2, RUN)], CompletionReason.ALL_COMPLETED)
    data = result.to_dict()
    assert data["all"][1]["error"] == {"ErrorMessage": "bad", "ErrorType": "ValueError"}
    assert BatchResult.from_dict(data) == result
    del data["completionReason"]
    inferred = BatchResult.from_dict(data, CompletionConfig.all_completed())
    assert inferred.completion_reason is CompletionReason.ALL_COMPLETED
    assert BatchResult.from_dict(data).completion_reason is \
        CompletionReason.FAILURE_TOLERANCE_EXCEEDED  # default: fail fast
    assert result.get_errors() == [error] and result.get_results() == [{"x": 1}]
    assert [i.index for i in result.started()] == [2]


def test_a_failed_item_without_error_still_raises() -> None:
    result = BatchResult([BatchItem(3, BAD)], CompletionReason.ALL_COMPLETED)
    assert result.get_errors() == [None]
    with pytest.raises(ChildContextError, match="Batch item 3 failed"):
        result.throw_if_error()


def test_a_batch_result_decodes_in_a_process_that_never_loaded_map() -> None:
    """map/parallel load their modules at first use; a replay that meets a checkpointed
    BatchResult first (a child context that returned one) still decodes it."""
    import subprocess
    import sys
    from pathlib import Path

    from durable_lambda.workflows.serdes import ExtendedTypeSerDes, SerDesContext

    result = BatchResult([BatchItem(0, OK, {"x": 1}), BatchItem(1, RUN)],
                         CompletionReason.MIN_SUCCESSFUL_REACHED)
    wire = ExtendedTypeSerDes().serialize(result, SerDesContext("op-1", "arn"))
    script = (
        "import sys\n"
        "from durable_lambda.workflows.serdes import ExtendedTypeSerDes, SerDesContext\n"
        "assert 'durable_lambda.workflows.batch_result' not in sys.modules\n"
        "value = ExtendedTypeSerDes().deserialize(sys.argv[1], SerDesContext('op-1', 'arn'))\n"
        "print(type(value).__name__, value.to_dict())\n")
    layer = Path(__file__).resolve().parents[2] / "layer"
    out = subprocess.run([sys.executable, "-c", script, wire], capture_output=True, text=True,
                         env={"PYTHONPATH": str(layer)}, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == f"BatchResult {result.to_dict()}"
