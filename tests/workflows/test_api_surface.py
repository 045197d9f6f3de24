"""The official SDK's public surface (aws-durable-execution-sdk-python 3.0.0) is ours: every name
of the package and of its modules imports from ``durable_lambda.workflows[.module]``, and (when
the SDK is installed in the dev venv) with the same fields, defaults, signatures and bases."""
from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect

import pytest

#: the SDK's public names, per module ("" = the package), as published in 3.0.0
SDK_NAMES = {
    "": "BatchCompletionError BatchItemStatus BatchResult CallbackError CallbackExternalError "
        "CallbackSubmitterError CallbackTimeoutError ChildContextError CompletionDecision "
        "CompletionItemStatus CompletionOutcome CompletionStatus DurableContext "
        "DurableExecutionsError DurableOperationError ExecutionError InvocationError InvokeError "
        "ParallelBranch PluginLoadError RetryableSerDesError SerDesError StepContext StepError "
        "ValidationError WaitForConditionError WithRetryConfig __version__ complete_batch "
        "continue_batch durable_execution durable_parallel_branch durable_step "
        "durable_wait_for_callback durable_with_child_context with_retry",
    "config": "BatchItemStatus CallbackConfig ChildConfig CompletionConfig CompletionDecision "
              "CompletionItemStatus CompletionOutcome CompletionStatus Duration InvokeConfig "
              "JitterStrategy MapConfig NestingType ParallelBranch ParallelConfig StepConfig "
              "StepSemantics WaitForCallbackConfig complete_batch continue_batch",
    "retries": "LinearRetryStrategyConfig RetryDecision RetryPresets RetryStrategyConfig "
               "WithRetryConfig create_linear_retry_strategy create_retry_strategy with_retry",
    "waits": "WaitForConditionConfig WaitForConditionDecision WaitStrategyConfig "
             "create_wait_strategy",
    "exceptions": "AwsErrorMetadata AwsErrorObj BAD_REQUEST_ERROR BackgroundThreadError "
                  "BotoClientError CallbackError CallbackExternalError CallbackSubmitterError "
                  "CallbackTimeoutError CheckpointError CheckpointErrorCategory ChildContextError "
                  "DurableApiErrorCategory DurableExecutionsError DurableOperationError "
                  "ExecutionError GetExecutionStateError INVALID_CHECKPOINT_TOKEN_PREFIX "
                  "INVALID_PARAMETER_VALUE_EXCEPTION InvalidStateError InvocationError InvokeError "
                  "NonDeterministicExecutionError OrderedLockError OrphanedChildException "
                  "PluginLoadError RetryableSerDesError SERVICE_ERROR SerDesError StepError "
                  "StepInterruptedError SuspendExecution TOO_MANY_REQUESTS_ERROR "
                  "TerminationReason TimedSuspendExecution UnrecoverableError ValidationError "
                  "WaitForConditionError register_operation_error",
    "types": "BatchResult Callback DurableContext DurableExecutionArn LambdaContext "
             "LoggerInterface OperationContext StepContext SummaryGenerator "
             "WaitForCallbackContext WaitForConditionCheckContext",
    "serdes": "BytesCodec Codec ContainerCodec DEFAULT_JSON_SERDES DateTimeCodec DecimalCodec "
              "EXTENDED_TYPES_SERDES EncodedValue ExtendedTypeSerDes JsonSerDes "
              "PassThroughSerDes PrimitiveCodec SerDes SerDesContext TYPE_CODEC TYPE_TOKEN "
              "TypeCodec TypeTag UuidCodec VALUE_TOKEN deserialize serialize",
    "plugin": "DurableInstrumentationPlugin DurableInstrumentationPluginFactory "
              "InvocationEndInfo InvocationInfo InvocationStartInfo InvocationStatus "
              "OperationChangeInfo OperationEndInfo OperationInfo OperationStartInfo "
              "OperationType PluginExecutor PluginHost PropagationInput PropagationMetadata "
              "UserFunctionEndInfo UserFunctionOutcome UserFunctionStartInfo",
    "logger": "LogInfo Logger",
    "identifier": "OperationIdNamespace OperationIdentifier",
    "context": "Callback DurableContext ExecutionContext durable_parallel_branch durable_step "
               "durable_wait_for_callback durable_with_child_context",
    "execution": "durable_execution",
}
#: names the issue asks for at the top level too (they live in submodules in the SDK)
EXTRA_TOP_LEVEL = ("StepInterruptedError NestingType WaitForCallbackContext ExtendedTypeSerDes "
                   "LinearRetryStrategyConfig create_linear_retry_strategy "
                   "DurableInstrumentationPlugin InvocationStatus InvocationStartInfo "
                   "InvocationEndInfo OperationStartInfo OperationEndInfo UserFunctionStartInfo "
                   "UserFunctionEndInfo StepFailedError")

OURS = "durable_lambda.workflows"
OFFICIAL = "aws_durable_execution_sdk_python"


def _ours(module: str):
    return importlib.import_module(f"{OURS}.{module}" if module else OURS)


@pytest.mark.parametrize("module", sorted(SDK_NAMES))
def test_every_sdk_name_imports_from_the_module_of_the_same_name(module: str) -> None:
    ours = _ours(module)
    missing = [name for name in SDK_NAMES[module].split() if not hasattr(ours, name)]
    assert not missing, f"{OURS}{'.' + module if module else ''} lacks {missing}"


def test_sdk_names_are_importable_from_the_package_too() -> None:
    package = _ours("")
    for name in [*EXTRA_TOP_LEVEL.split(), *SDK_NAMES["config"].split(),
                 *SDK_NAMES["retries"].split(), *SDK_NAMES["waits"].split()]:
        assert hasattr(package, name), name
    assert package.StepFailedError is package.StepError  # our older name stays an alias
    assert set(package.__all__) >= set(SDK_NAMES[""].split())


# -- parity with the installed SDK (dev dependency; skipped if it is not installed) -----------
def _official(module: str):
    pytest.importorskip(OFFICIAL)
    return importlib.import_module(f"{OFFICIAL}.{module}" if module else OFFICIAL)


def _defaults(cls: type) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            value = f.default_factory()  # type: ignore[misc]
        else:
            value = "<required>"
        out[f.name] = _comparable(value)
    return out


def _comparable(value: object) -> object:
    """Values compared across the two packages: enums by name, dataclasses by their fields."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {k: _comparable(v) for k, v in vars(value).items()})
    return value


def _pairs(module: str):
    official, ours = _official(module), _ours(module)
    for name in SDK_NAMES[module].split():
        yield name, getattr(official, name), getattr(ours, name)


@pytest.mark.parametrize("module", ["config", "retries", "waits", "types", "plugin", "serdes",
                                    "exceptions", "logger", "identifier"])
def test_dataclasses_have_the_sdk_fields_and_defaults(module: str) -> None:
    for name, theirs, mine in _pairs(module):
        if isinstance(theirs, type) and dataclasses.is_dataclass(theirs):
            assert dataclasses.is_dataclass(mine), name
            expected, actual = _defaults(theirs), _defaults(mine)
            # ours may accept more (documented extensions), never fewer or other defaults
            assert {k: actual.get(k, "<missing>") for k in expected} == expected, name


@pytest.mark.parametrize("module", ["config", "retries", "waits", "exceptions", "serdes", ""])
def test_enums_have_the_sdk_members(module: str) -> None:
    for name, theirs, mine in _pairs(module):
        if isinstance(theirs, type) and issubclass(theirs, enum.Enum):
            assert {m.name: m.value for m in theirs} == {m.name: m.value for m in mine}, name


@pytest.mark.parametrize("module", ["", "config", "retries", "waits", "serdes", "context"])
def test_functions_take_the_sdk_parameters(module: str) -> None:
    for name, theirs, mine in _pairs(module):
        if inspect.isfunction(theirs):
            expected = inspect.signature(theirs).parameters.values()
            actual = list(inspect.signature(mine).parameters.values())[:len(expected)]
            assert [(p.name, p.kind) for p in actual] == \
                [(p.name, p.kind) for p in expected], name
            # a default where the SDK has one; ours may add defaults (it accepts more calls)
            assert [_comparable(a.default) for a, e in zip(actual, expected)
                    if e.default is not inspect.Parameter.empty] == \
                [_comparable(e.default) for e in expected
                 if e.default is not inspect.Parameter.empty], name


def test_exceptions_have_the_sdk_bases_and_constructors() -> None:
    for name, theirs, mine in _pairs("exceptions"):
        if not (isinstance(theirs, type) and issubclass(theirs, BaseException)):
            continue
        sdk_bases = [c.__name__ for c in theirs.__mro__ if c.__module__.startswith(OFFICIAL)]
        our_bases = {c.__name__ for c in mine.__mro__}
        assert set(sdk_bases) <= our_bases, name
        expected = list(inspect.signature(theirs.__init__).parameters)
        assert list(inspect.signature(mine.__init__).parameters)[:len(expected)] == expected, name


def test_durable_context_has_the_sdk_methods() -> None:
    theirs, mine = _official("context").DurableContext, _ours("context").DurableContext
    for name, member in vars(theirs).items():
        if name.startswith("_") or not callable(member):
            continue
        assert hasattr(mine, name), name
        expected = list(inspect.signature(member).parameters)
        assert list(inspect.signature(getattr(mine, name)).parameters)[:len(expected)] == \
            expected, name
