"""Every field of every hook info a plugin receives, over a workflow with a step that retries, a
step that fails, a wait, a callback completed from outside, a wait_for_condition that polls, a
child context, a sequential map and a chained invoke. Ids are the SDK's deterministic operation ids (the same on
both) shortened; the execution's own operation id, times, request ids and ARNs are replaced by
placeholders. Change notifications are kept apart: how many calls there are (they merge) and
when they run (another thread) are not specified."""
import threading

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import (
    CallbackConfig, Duration, JitterStrategy, MapConfig, StepConfig)
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin
from aws_durable_execution_sdk_python.retries import (
    RetryStrategyConfig, create_retry_strategy)
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig, WaitStrategyConfig, create_wait_strategy)

HOOKS = []    # every hook but on_operation_change, in call order
CHANGES = []  # on_operation_change: [invocation, info]
STATE = {"invocation": 0, "execution_ids": set(), "flaky": 0}
LOCK = threading.Lock()


def ident(value):
    if value is None:
        return None
    return "<execution>" if value in STATE["execution_ids"] else value[:10]


def error(err):
    if err is None:
        return None
    return {"type": getattr(err, "type", None), "message": getattr(err, "message", None),
            "data": getattr(err, "data", None),
            "stack_trace": None if getattr(err, "stack_trace", None) is None else "<trace>"}


def present(value):
    return None if value is None else "<set>"


def operation(info):
    """All fields of an OperationInfo (and of its subclasses)."""
    execution = info.operation_type.value == "EXECUTION"
    out = {"id": ident(info.operation_id), "type": info.operation_type.value,
           "sub_type": info.sub_type,
           # the execution's name is the runner's choice ("execution-name" on the official one)
           "name": present(info.name) if execution else info.name,
           "parent": ident(info.parent_id),
           "start_time": present(info.start_time), "end_time": present(info.end_time),
           "is_replayed": info.is_replayed, "status": info.status.value,
           "result": info.result, "error": error(info.error), "attempt": info.attempt}
    for extra in ("is_replay_children", "outcome"):
        if hasattr(info, extra):
            value = getattr(info, extra)
            out[extra] = getattr(value, "value", value)
    return out


def operations(mapping):
    """An operation map in its order (keys checked against the infos' ids)."""
    return [[ident(key), operation(info)] for key, info in mapping.items()]


def invocation(info):
    out = {"request_id": present(info.request_id), "execution_arn": present(info.execution_arn),
           "is_first_invocation": info.is_first_invocation,
           "execution_start_time": present(info.execution_start_time),
           "execution_input": info.execution_input,
           "operations": operations(info.operations)}
    if hasattr(info, "updated_operations"):
        out["updated_operations"] = operations(info.updated_operations)
    if hasattr(info, "status"):
        out.update(status=info.status.value, error=error(info.error),
                   execution_result=info.execution_result)
    return out


class Recorder(DurableInstrumentationPlugin):
    def record(self, hook, payload):
        with LOCK:
            HOOKS.append([STATE["invocation"], hook, payload])

    def on_invocation_start(self, info):
        STATE["invocation"] += 1
        STATE["execution_ids"].update(
            op_id for op_id, op in info.operations.items()
            if op.operation_type.value == "EXECUTION")
        self.record("invocation_start", invocation(info))

    def on_invocation_end(self, info):
        self.record("invocation_end", invocation(info))

    def on_operation_start(self, info):
        self.record("operation_start", operation(info))

    def on_operation_end(self, info):
        self.record("operation_end", operation(info))

    def on_user_function_start(self, info):
        self.record("user_function_start", operation(info))

    def on_user_function_end(self, info):
        self.record("user_function_end", operation(info))

    def on_operation_change(self, info):
        with LOCK:
            CHANGES.append([STATE["invocation"], present(info.execution_arn),
                            operations(info.updated_operations), operations(info.operations)])


class Factory:
    def create_plugin(self, info):
        return Recorder()


def observe():
    """The hooks, and per invocation: the newest state of every operation a change notification
    reported, and the operation map of the invocation's last notification."""
    changes = {}
    for number, arn, updated, full in CHANGES:
        entry = changes.setdefault(str(number), {"arn": arn, "updated": {}, "last": None})
        entry["updated"].update({op_id: info for op_id, info in updated})
        entry["last"] = full
    return {"hooks": HOOKS, "changes": changes}


@durable_execution
def quote(event, context: DurableContext):
    return context.step(lambda _: {"sku": event["sku"], "price": 42}, name="lookup")


def flaky(step_context):
    STATE["flaky"] += 1
    if step_context.attempt < 2:
        raise ValueError(f"attempt {step_context.attempt} failed")
    return {"attempt": step_context.attempt}


def doomed(step_context):
    raise RuntimeError("no luck")


def poll(state, check_context):
    return {"polls": state["polls"] + 1}


def square(child, item, index, items):
    return child.step(lambda _: item * item, name=f"square-{index}")


@durable_execution(plugins=[Factory()])
def handler(event, context: DurableContext):
    retry = create_retry_strategy(RetryStrategyConfig(
        max_attempts=3, initial_delay=Duration.from_seconds(2),
        jitter_strategy=JitterStrategy.NONE))
    first = context.step(flaky, name="flaky", config=StepConfig(retry_strategy=retry))
    try:
        context.step(doomed, name="doomed", config=StepConfig(
            retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1))))
    except Exception as exc:  # noqa: BLE001
        first = {**first, "doomed": type(exc).__name__}
    context.wait(Duration.from_seconds(1), name="pause")
    callback = context.create_callback(
        name="approval", config=CallbackConfig(timeout=Duration.from_minutes(10)))
    approval = callback.result()
    polls = context.wait_for_condition(poll, WaitForConditionConfig(
        wait_strategy=create_wait_strategy(WaitStrategyConfig(
            should_continue_polling=lambda state: state["polls"] < 2,
            initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)),
        initial_state={"polls": 0}), name="job-done")
    inner = context.run_in_child_context(
        lambda child: child.step(lambda _: "in child", name="inner"), name="child")
    squares = context.map([2, 3], square, name="squares", config=MapConfig(max_concurrency=1))
    price = context.invoke("quote", {"sku": "A-1"}, name="get-price")
    return {"first": first, "approval": approval, "polls": polls, "inner": inner,
            "squares": squares.get_results(), "price": price}
