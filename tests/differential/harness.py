"""Differential harness: one official-SDK program, run on the official local runner and on ours.

A handler module under ``tests/differential/handlers/`` is written once against the official
``aws_durable_execution_sdk_python`` API (imports, decorators, configs, error classes). The harness
loads it twice:

* **official** - as written, and runs it on ``aws_durable_execution_sdk_python_testing``'s
  ``DurableFunctionTestRunner`` (``skip_time=True``);
* **ours** - the same source file executed under an import alias map (every import of
  ``aws_durable_execution_sdk_python`` or ``aws_durable_execution_sdk_python.<sub>`` resolves to
  ``durable_lambda.workflows`` / ``durable_lambda.workflows.<sub>``; nothing else changes), run on
  ``durable_lambda.testing.durable_runner.DurableTestRunner``.

Both runs yield status, result, error and the execution history in the ``GetDurableExecutionHistory``
event format. Histories are normalised (``normalise_history``): ids, timestamps, ARNs, callback ids
and request ids are dropped; EventType, SubType, Name, the parent linkage (as the parent's
``SubType:Name`` path), an operation ordinal (so events of one operation can be told apart) and every
``*Details`` payload are kept. ``assert_equivalent`` compares status, result, error, history (event for
event) and any scenario observations, and fails with a readable diff.

Where the official *local* runner leaves out a field that the real service writes, the official
history is first brought to the service's documented form (``service_form``); each such fix-up says
which field and why. Those are the only changes made to the reference.
"""
from __future__ import annotations

import builtins
import contextlib
import difflib
import importlib
import json
import logging
import random
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

OFFICIAL = "aws_durable_execution_sdk_python"
OFFICIAL_TESTING = "aws_durable_execution_sdk_python_testing"
OURS = "durable_lambda.workflows"
HANDLERS = Path(__file__).with_name("handlers")

#: pip lines that install the reference into the dev venv (also in requirements-dev.txt).
REFERENCE_REQUIREMENTS = ("aws-durable-execution-sdk-python==3.0.0",
                          "aws-durable-execution-sdk-python-testing==1.4.0")


def official_unavailable_reason() -> Optional[str]:
    """None when the official SDK and its testing SDK import; otherwise why not."""
    try:
        importlib.import_module(OFFICIAL)
        importlib.import_module(OFFICIAL_TESTING)
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, and say why
        return (f"official reference not importable ({type(exc).__name__}: {exc}); install "
                f"{' '.join(REFERENCE_REQUIREMENTS)} into the dev venv")
    return None


# ---------------------------------------------------------------------------------------------
# Loading one handler module, as written or under the alias map
# ---------------------------------------------------------------------------------------------

def map_official_name(name: str) -> Optional[str]:
    """``aws_durable_execution_sdk_python[.sub]`` -> ``durable_lambda.workflows[.sub]``; else None."""
    if name == OFFICIAL or name.startswith(OFFICIAL + "."):
        return OURS + name[len(OFFICIAL):]
    return None


def _aliased_import(name: str, globals_: Any = None, locals_: Any = None,
                    fromlist: Sequence[str] = (), level: int = 0) -> types.ModuleType:
    mapped = map_official_name(name) if level == 0 else None
    if mapped is None:
        return builtins.__import__(name, globals_, locals_, fromlist, level)
    module = builtins.__import__(mapped, globals_, locals_, fromlist, level)
    if not fromlist:
        # ``import aws_durable_execution_sdk_python.x`` binds the top-level official name, which
        # stands for our ``durable_lambda.workflows`` (not ``durable_lambda``).
        return sys.modules[OURS]
    return module


_ALIASED_BUILTINS = {**builtins.__dict__, "__import__": _aliased_import}


def load_handler_module(stem: str, *, ours: bool) -> types.ModuleType:
    """A fresh module object for ``handlers/<stem>.py`` (module state is per run).

    With ``ours=True`` the module's ``__builtins__`` carry an ``__import__`` that maps the official
    package names onto ours, so every import statement in it (top level or inside functions) gets
    our implementation; the official modules in ``sys.modules`` are untouched.
    """
    path = HANDLERS / f"{stem}.py"
    # Both variants get the same module name, so user-defined exception classes have the same
    # fully-qualified name (the wire ErrorType) on both sides; runs never overlap.
    module = types.ModuleType(f"differential_handlers.{stem}")
    module.__file__ = str(path)
    if ours:
        module.__dict__["__builtins__"] = _ALIASED_BUILTINS
    sys.modules[module.__name__] = module  # dataclasses and typing look the module up
    code = compile(path.read_text(), str(path), "exec")
    exec(code, module.__dict__)  # noqa: S102 - our own test programs
    return module


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Succeed:
    """Complete the callback operation named ``name`` with the raw payload ``payload``."""

    name: str
    payload: Any = None  # JSON value; sent as json.dumps(payload) bytes (None: no payload)


@dataclass(frozen=True)
class Fail:
    """Fail the callback operation named ``name`` with this error object."""

    name: str
    message: str
    error_type: str
    data: Optional[str] = None


@dataclass(frozen=True)
class Heartbeat:
    """Send one heartbeat for the callback operation named ``name``."""

    name: str


Action = Union[Succeed, Fail, Heartbeat]
Fixup = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Scenario:
    """One official-SDK program and how to drive it.

    ``functions`` maps a chained-invoke function name to the attribute of the handler module that
    implements it (registered on both runners). ``actions`` are applied in order to callbacks (the
    official runner waits for each callback to exist, ours finds it among the operations).
    ``observe(module)`` returns extra values to compare (e.g. what a plugin recorded).
    ``fixups`` turn the official *local* history into the service's documented form where the
    scenario needs more than the generic ``service_form`` (each one documents why).
    """

    module: str
    input: Any = None
    handler: str = "handler"
    functions: dict[str, str] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    observe: Optional[Callable[[types.ModuleType], Any]] = None
    fixups: tuple[Fixup, ...] = ()
    seed: int = 20240901
    ordered: bool = True  # False: branches run concurrently, compare history as a multiset


@dataclass
class RunOutcome:
    status: str
    result: Any
    error: Optional[dict[str, Any]]
    history: list[dict[str, Any]]  # raw events, AWS format (after service_form for official)
    observations: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def normalised(self) -> list[dict[str, Any]]:
        return normalise_history(self.history)


class HandlerLoadError(AssertionError):
    """The handler module does not even load on our implementation (missing name/module...)."""


# ---------------------------------------------------------------------------------------------
# Running on the official local runner
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Same jitter on both sides: both SDKs draw jitter from the global ``random`` generator, once
    per retry/poll decision, so seeding it before each run makes jittered delays comparable."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def _quiet_official_logs() -> None:
    # The official SDK logs every failed attempt with a traceback (logger.exception); keep the
    # test output readable. The root logger (used by context.logger) is left alone.
    for name in (OFFICIAL, OFFICIAL_TESTING):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def run_official(scenario: Scenario) -> RunOutcome:
    from aws_durable_execution_sdk_python.lambda_service import ErrorObject
    from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

    _quiet_official_logs()
    module = load_handler_module(scenario.module, ours=False)
    handler = getattr(module, scenario.handler)
    with _seeded(scenario.seed), DurableFunctionTestRunner(
            handler, skip_time=True, poll_interval=0.02) as runner:
        for function_name, attribute in scenario.functions.items():
            runner.register_durable_function(function_name, getattr(module, attribute))
        arn = runner.run_async(input=json.dumps(scenario.input), execution_timeout=120)
        for action in scenario.actions:
            callback_id = runner.wait_for_callback(arn, name=action.name, timeout=30)
            if isinstance(action, Succeed):
                runner.send_callback_success(
                    callback_id, None if action.payload is None
                    else json.dumps(action.payload).encode())
            elif isinstance(action, Fail):
                runner.send_callback_failure(callback_id, ErrorObject(
                    message=action.message, type=action.error_type, data=action.data,
                    stack_trace=None))
            else:
                runner.send_callback_heartbeat(callback_id)
        result = runner.wait_for_result(arn, timeout=120)
        execution = runner._store.load(arn)  # noqa: SLF001 - the checkpoint updates it received
        raw = runner._executor.get_execution_history(  # noqa: SLF001 - every page at once
            arn, include_execution_data=True, max_items=1_000_000).events
        events = [event.to_dict() for event in raw]
        history = service_form(events, execution.updates)
        for fixup in scenario.fixups:
            history = fixup(history)
    status = (result.execution_status or result.status).value
    value = json.loads(result.result) if result.result is not None else None
    error = None
    if result.error is not None:
        error = _drop_none({"ErrorType": result.error.type, "ErrorMessage": result.error.message,
                            "ErrorData": result.error.data,
                            "StackTrace": "<stack trace>" if result.error.stack_trace else None})
    observations = scenario.observe(module) if scenario.observe else None
    return RunOutcome(status, value, error, history, observations)


# ---------------------------------------------------------------------------------------------
# Running on ours
# ---------------------------------------------------------------------------------------------

def run_ours(scenario: Scenario) -> RunOutcome:
    from durable_lambda.testing import durable_runner

    try:
        module = load_handler_module(scenario.module, ours=True)
    except Exception as exc:  # noqa: BLE001 - reported as the difference it is
        raise HandlerLoadError(
            f"handler module {scenario.module!r} does not load on {OURS} "
            f"(only the import names were mapped): {type(exc).__name__}: {exc}") from exc
    handler = getattr(module, scenario.handler)
    functions = {name: getattr(module, attr) for name, attr in scenario.functions.items()}
    notes: list[str] = []
    with _seeded(scenario.seed):
        runner = durable_runner.DurableTestRunner(handler, functions=functions)
        result = runner.run(scenario.input)
        for action in scenario.actions:
            try:
                callback_id = _ours_callback_id(result, action.name)
                if isinstance(action, Succeed):
                    # The official runner sends raw bytes; ours takes a JSON value and sends
                    # json.dumps(value) - the same bytes for the payloads used here.
                    result = runner.send_callback_success(callback_id, action.payload)
                elif isinstance(action, Fail):
                    result = runner.send_callback_failure(callback_id, durable_runner.ErrorObject(
                        action.error_type, action.message, action.data))
                else:
                    result = runner.send_callback_heartbeat(callback_id)
            except Exception as exc:  # noqa: BLE001 - recorded; the comparison shows the rest
                notes.append(f"could not apply {action!r} on ours: {type(exc).__name__}: {exc}")
                break
        # The official runner lets real time pass (callback timeouts and heartbeat timeouts fire
        # on their own); on ours, time only moves when told to.
        for _ in range(900):
            if result.status is not durable_runner.ExecutionStatus.RUNNING:
                break
            result = runner.advance_time(1)
    error = _drop_none(dict(result.error.to_dict())) if result.error is not None else None
    if error and error.get("StackTrace"):
        error["StackTrace"] = "<stack trace>"
    observations = scenario.observe(module) if scenario.observe else None
    return RunOutcome(result.status.value, unalias(result.result), unalias(error),
                      unalias(list(result.history)), unalias(observations), notes)


def unalias(value: Any) -> Any:
    """Our package path in place of the official one, in every string (wire ErrorTypes such as
    ``durable_lambda.workflows.exceptions.StepError``, also inside payloads).

    The comparison applies the same name mapping to error types that the loader applies to
    imports: a class ``<module>.<Class>`` of ours stands for ``aws_durable_execution_sdk_python.
    <module>.<Class>``; the submodule and class name must still match the official ones.
    """
    if isinstance(value, str):
        return value.replace(OURS + ".", OFFICIAL + ".")
    if isinstance(value, dict):
        return {unalias(k): unalias(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [unalias(v) for v in value]
    return value


def _ours_callback_id(result: Any, name: str) -> str:
    candidates = [op for op in result.operations if op.name == name and op.callback_id]
    if not candidates:
        raise LookupError(f"no callback operation named {name!r} (execution status "
                          f"{result.status.value}, operations "
                          f"{sorted({op.name for op in result.operations if op.name})})")
    return candidates[-1].callback_id


# ---------------------------------------------------------------------------------------------
# The service's documented form of the official local history
# ---------------------------------------------------------------------------------------------

def service_form(events: list[dict[str, Any]], updates: Sequence[Any]) -> list[dict[str, Any]]:
    """Fill in what the official local runner leaves out and the service writes.

    Sources: the Lambda API reference of ``GetDurableExecutionHistory`` event types
    (https://docs.aws.amazon.com/lambda/latest/api/API_CallbackStartedDetails.html,
    API_ChainedInvokeStartedDetails.html, API_StepSucceededDetails.html, API_RetryDetails.html,
    API_InvocationCompletedDetails.html). The values come from the checkpoint updates the official
    SDK sent to the local runner, so they are what the service would have received.
    """
    events = [json.loads(json.dumps(event, default=str)) for event in events]
    starts: dict[str, Any] = {}
    poll_payloads: dict[str, list[Optional[str]]] = {}
    for update in updates:
        action = update.action.value
        if action == "START" and update.operation_id not in starts:
            starts[update.operation_id] = update
        if action == "RETRY" and update.error is None:
            poll_payloads.setdefault(update.operation_id, []).append(update.payload)
    attempts: dict[str, int] = {}
    polls_seen: dict[str, int] = {}
    for event in events:
        kind, op_id = event["EventType"], event.get("Id")
        if kind == "StepStarted":
            attempts[op_id] = attempts.get(op_id, 0) + 1
        if kind == "CallbackStarted":
            # CallbackStartedDetails.Timeout / HeartbeatTimeout (seconds): the service records the
            # CallbackOptions of the START; the local runner drops them.
            options = getattr(starts.get(op_id), "callback_options", None)
            details = event.setdefault("CallbackStartedDetails", {})
            if options is not None and options.timeout_seconds:
                details["Timeout"] = options.timeout_seconds
            if options is not None and options.heartbeat_timeout_seconds:
                details["HeartbeatTimeout"] = options.heartbeat_timeout_seconds
        elif kind == "ChainedInvokeStarted":
            # ChainedInvokeStartedDetails.ExecutedVersion: the version Lambda ran; every invoke
            # here names an unqualified function, which the service reports as "$LATEST". The
            # local runner resolves no versions and leaves the field out.
            details = event.setdefault("ChainedInvokeStartedDetails", {})
            details["ExecutedVersion"] = "$LATEST"
            # ChainedInvokeStartedDetails.TenantId (API reference, ChainedInvokeStartedDetails):
            # the service records the START's ChainedInvokeOptions.TenantId when one was given;
            # the local runner leaves it out.
            invoke_options = getattr(starts.get(op_id), "chained_invoke_options", None)
            tenant = getattr(invoke_options, "tenant_id", None)
            if tenant:
                details["TenantId"] = tenant
        elif kind == "StepSucceeded":
            details = event.setdefault("StepSucceededDetails", {})
            retry = details.get("RetryDetails") or {}
            if "NextAttemptDelaySeconds" in retry:
                # A wait_for_condition poll that continues (checkpoint action RETRY without an
                # error): the service's StepSucceeded carries Result = the polled state the SDK
                # checkpointed; the local runner drops the payload.
                index = polls_seen.get(op_id, 0)
                polls_seen[op_id] = index + 1
                payloads = poll_payloads.get(op_id, [])
                if index < len(payloads) and payloads[index] is not None:
                    details["Result"] = {"Payload": payloads[index], "Truncated": False}
            elif attempts.get(op_id, 0) > 1:
                # The final StepSucceeded of an operation that took several attempts (step retries
                # or wait_for_condition polls): StepSucceededDetails.RetryDetails is required in
                # the API and carries the attempt that succeeded; the local runner omits it.
                details["RetryDetails"] = {"CurrentAttempt": attempts[op_id]}
    return events


def callback_timeout_fires_before_wait(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Service ordering of a callback that times out while the code sits in a longer wait.

    The callback's timeout is its own timer: on the service a 3 s callback timeout during a 6 s
    wait is recorded (CallbackTimedOut, then the invocation it triggers) before the wait elapses.
    The official local runner skips the wait's time but runs callback timeouts on the wall clock,
    so it records WaitSucceeded first. Swap the two back into time order.
    """
    events = list(events)
    wait_at = next(i for i, e in enumerate(events) if e["EventType"] == "WaitSucceeded")
    timed_out_at = next(i for i, e in enumerate(events) if e["EventType"] == "CallbackTimedOut")
    if timed_out_at > wait_at:
        events[wait_at], events[timed_out_at] = events[timed_out_at], events[wait_at]
    return events


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

_DROPPED_KEYS = {
    "EventId", "EventTimestamp", "Id", "ParentId",   # identity / time of the event itself
    "ScheduledEndTimestamp", "StartTimestamp", "EndTimestamp", "RequestId",  # times, request ids
    "Truncated",            # depends on IncludeExecutionData of the history request
    "ExecutionTimeout",     # a start parameter of the runner, not behaviour of the program
}
_PLACEHOLDERS = {"DurableExecutionArn": "<arn>", "CallbackId": "<callback-id>"}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _DROPPED_KEYS or item is None:
                continue
            if key in _PLACEHOLDERS:
                out[key] = _PLACEHOLDERS[key]
                continue
            if key == "StackTrace":
                # Compared by presence only: its lines are file paths of the engine itself.
                out[key] = "<stack trace>"
                continue
            out[key] = _clean(item)
        return out
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if not isinstance(value, (str, int, float, bool)):
        return str(value)
    return value


def normalise_history(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events without ids/timestamps/ARNs, with parent linkage as a path of ``SubType:Name``."""
    ops: dict[str, tuple[Optional[str], Optional[str], Optional[str]]] = {}
    ordinal: dict[str, int] = {}
    for event in events:
        op_id = event.get("Id")
        if op_id and not event["EventType"].startswith(("Execution", "Invocation")):
            ops.setdefault(op_id, (event.get("SubType"), event.get("Name"), event.get("ParentId")))
            ordinal.setdefault(op_id, len(ordinal) + 1)

    def path(op_id: Optional[str], depth: int = 0) -> Optional[str]:
        if not op_id or depth > 50:
            return None
        sub_type, name, parent = ops.get(op_id, ("?", op_id[:8], None))
        here = f"{sub_type}:{name}"
        above = path(parent, depth + 1)
        return f"{above}/{here}" if above else here

    out: list[dict[str, Any]] = []
    for event in events:
        kind = event["EventType"]
        norm: dict[str, Any] = {"EventType": kind}
        is_operation = not kind.startswith(("Execution", "Invocation"))
        if is_operation:
            if event.get("SubType") is not None:
                norm["SubType"] = event["SubType"]
            if event.get("Name") is not None:
                norm["Name"] = event["Name"]
            if event.get("Id") in ordinal:
                norm["Op"] = ordinal[event["Id"]]
            parent = path(event.get("ParentId"))
            if parent:
                norm["Parent"] = parent
        for key, value in event.items():
            if key.endswith("Details"):
                details = _clean(value)
                if kind == "StepSucceeded" and details.get("RetryDetails") == {"CurrentAttempt": 1}:
                    # First-attempt success: the API marks RetryDetails required, the local runner
                    # writes none; an attempt-1 RetryDetails and none are treated alike.
                    details.pop("RetryDetails")
                for timeout_key in ("Timeout", "HeartbeatTimeout"):
                    if kind == "CallbackStarted" and details.get(timeout_key) == 0:
                        details.pop(timeout_key)  # 0 means "no timeout"; absent says the same
                if details:
                    norm[key] = details
        out.append(norm)
    return out


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------

def _line(event: dict[str, Any]) -> str:
    rest = {k: v for k, v in event.items() if k != "EventType"}
    return f"{event['EventType']:<24} {json.dumps(rest, sort_keys=True, default=str)}"


def history_diff(expected: Sequence[dict[str, Any]], actual: Sequence[dict[str, Any]]) -> str:
    return "\n".join(difflib.unified_diff(
        [_line(e) for e in expected], [_line(e) for e in actual],
        fromfile="official (service form)", tofile="ours", lineterm="", n=2))


#: a chained invoke's end, which the child execution reports on its own clock
_CHILD_ENDS = {"ChainedInvokeSucceeded", "ChainedInvokeFailed", "ChainedInvokeTimedOut",
               "ChainedInvokeStopped"}


def _child_end_first(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put a child's end before an InvocationCompleted right next to it. Whether the parent's
    invocation ends before or after its child execution finishes is a race (the official local
    runner runs the child on another thread, and so does the service): both orders are the same
    behaviour, so both histories are compared in one canonical order."""
    out = [dict(e) for e in events]
    for i in range(1, len(out)):
        if out[i]["EventType"] in _CHILD_ENDS and out[i - 1]["EventType"] == "InvocationCompleted":
            out[i - 1], out[i] = out[i], out[i - 1]
    return out


def differences(official: RunOutcome, ours: RunOutcome, ordered: bool = True) -> list[str]:
    problems: list[str] = []
    if official.status != ours.status:
        problems.append(f"status: official {official.status}, ours {ours.status}")
    if official.result != ours.result:
        problems.append("result differs:\n  official: "
                        f"{json.dumps(official.result, sort_keys=True, default=str)}\n  ours:     "
                        f"{json.dumps(ours.result, sort_keys=True, default=str)}")
    if official.error != ours.error:
        problems.append(f"execution error differs:\n  official: {official.error}\n"
                        f"  ours:     {ours.error}")
    if official.observations != ours.observations:
        problems.append("observations differ:\n  official: "
                        f"{json.dumps(official.observations, sort_keys=True, default=str)}\n"
                        f"  ours:     {json.dumps(ours.observations, sort_keys=True, default=str)}")
    expected, actual = _child_end_first(official.normalised), _child_end_first(ours.normalised)
    if not ordered:
        # Concurrent branches: which operation checkpoints first, and how many invocations the
        # branches' timers take (the official local runner delivers simultaneous timers one by one
        # on wall-clock threads), is scheduling, not behaviour. Every operation event is still
        # compared, as a multiset; InvocationCompleted events are left out.
        def unordered(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
            kept = ({k: v for k, v in e.items() if k != "Op"} for e in events
                    if e["EventType"] != "InvocationCompleted")
            return sorted(kept, key=_line)
        expected, actual = unordered(expected), unordered(actual)
    if expected != actual:
        problems.append(f"history differs ({len(expected)} official events, {len(actual)} ours):\n"
                        + history_diff(expected, actual))
    problems.extend(ours.notes)
    return problems


def assert_equivalent(scenario: Scenario) -> tuple[RunOutcome, RunOutcome]:
    """Run ``scenario`` on both and fail with every difference found."""
    official = run_official(scenario)
    ours = run_ours(scenario)
    problems = differences(official, ours, scenario.ordered)
    if problems:
        raise AssertionError(f"[{scenario.module}] ours differs from the official SDK:\n"
                             + "\n\n".join(problems))
    return official, ours


