"""Cold start: what the first call of an entry point loads, the start-up timeout check, and the
benchmark that measures it (``scripts/bench_cold_start.py``; no timed assertion here)."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Callable

import pytest

from durable_lambda.core import startup
from durable_lambda.core.errors import InvalidRequestError
from durable_lambda.core.settings import reset_settings

ROOT = Path(__file__).resolve().parent.parent


def _fresh_process(script: str, **env: str) -> str:
    """Run ``script`` in a fresh interpreter with only the layer and ``env`` set (AWS_ and
    DURABLE_ variables of this process removed); its standard output."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DURABLE_"))}
    clean.update(AWS_REGION="us-east-1", PYTHONPATH=str(ROOT / "layer"), **env)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=clean, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_first_client_loads_botocore_only() -> None:
    """The actor's first client (as the router's, the forwarders'…) comes from botocore: boto3's
    session would also import its resource layer and s3transfer, which no call uses."""
    script = ("import sys\nfrom durable_lambda import actor\n"
              "from durable_lambda.core.aws import client\n"
              "assert client('dynamodb').meta.service_model.service_name == 'dynamodb'\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 's3transfer'}))")
    output = _fresh_process(script, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
                            DURABLE_TABLE="t")
    assert output.split() == ["[]"]


def test_a_workflow_loads_only_what_a_step_needs() -> None:
    """Decorating a durable handler and making its host build none of what most workflows
    never use: map/parallel (their configuration, BatchResult, completion policy, scheduler),
    wait_for_condition's configuration and strategies, the retry presets (a failed step loads
    them) and the SQS batch machinery (the first SQS event loads it)."""
    script = ("import sys\nfrom durable_lambda.workflows import DurableContext, durable_execution\n"
              "from durable_lambda.workflows.host import default_host\n"
              "handler = durable_execution(lambda event, context: None); default_host()\n"
              "print(sorted(m for m in sys.modules if m.startswith('durable_lambda.') and (\n"
              "    'batch' in m or 'completion' in m or m.rsplit('.', 1)[1] in\n"
              "    ('waits', 'retries', 'sqs_batch'))))")
    assert _fresh_process(script, DURABLE_WORKFLOW_TABLE="t").split() == ["[]"]


def test_config_exports_what_it_loads_lazily() -> None:
    """``config`` still has every SDK name (the map/parallel and wait-for-condition types load
    at their first use), for ``from ... import``, ``import *``, attribute access and ``dir``."""
    script = ("import sys\nimport durable_lambda.workflows.config as config\n"
              "loaded = 'durable_lambda.workflows.batch_config' in sys.modules\n"
              "from durable_lambda.workflows.config import MapConfig, WaitForConditionConfig\n"
              "from durable_lambda.workflows import batch_config, waits\n"
              "assert MapConfig is batch_config.MapConfig is config.MapConfig\n"
              "assert WaitForConditionConfig is waits.WaitForConditionConfig\n"
              "assert {'ParallelBranch', 'complete_batch', 'WaitForConditionDecision'} <= "
              "set(dir(config))\n"
              "try:\n    config.NoSuchConfig\nexcept AttributeError as e:\n    print(e)\n"
              "print(loaded)\n"
              "star = {}\nexec('from durable_lambda.workflows.config import *', star)\n"
              "assert star['CompletionStatus'] is batch_config.CompletionStatus\n"
              "assert star['StepConfig'] is config.StepConfig")
    assert _fresh_process(script).splitlines() == [
        "module 'durable_lambda.workflows.config' has no attribute 'NoSuchConfig'", "False"]


def test_clients_share_one_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second service's client reuses the first one's botocore session (endpoints, defaults
    and credentials loaded once): a fresh session per client made every later first call pay
    about as much as the first one."""
    import botocore.session

    from durable_lambda.core import aws

    made: list[Any] = []
    real = botocore.session.get_session

    def counting() -> Any:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(botocore.session, "get_session", counting)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    reset_settings()
    aws.reset_clients()
    try:
        assert aws.client("dynamodb") is not aws.client("sqs")
        assert aws.client("scheduler") is aws.client("scheduler")
        assert len(made) == 1
        aws.reset_clients()  # tests and SnapStart restores start from a new session
        aws.client("sqs")
        assert len(made) == 2
    finally:
        aws.reset_clients()
        reset_settings()


def test_first_client_does_not_list_every_service(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore checks a requested service against a walk of every service directory of its
    data (~900 ``listdir`` calls, 25-30 ms of a cold start); our loader lists only the services
    asked for. Models, versions, ``AWS_DATA_PATH`` overrides and errors stay botocore's."""
    import botocore.exceptions
    import botocore.loaders

    from durable_lambda.core import aws
    from durable_lambda.core.service_models import RequestedServicesLoader

    walks: list[str] = []
    real = botocore.loaders.Loader.list_available_services

    def counting(self: Any, type_name: str) -> Any:
        walks.append(type_name)
        return real(self, type_name)

    monkeypatch.setattr(botocore.loaders.Loader, "list_available_services", counting)
    # an AWS_DATA_PATH model (a user's override) still wins over botocore's own
    override = tmp_path / "sqs" / "2012-11-05"
    override.mkdir(parents=True)
    stock = botocore.loaders.Loader().load_service_model("sqs", "service-2")
    custom = {**stock, "metadata": {**stock["metadata"], "serviceFullName": "Overridden SQS"}}
    (override / "service-2.json").write_text(json.dumps(custom))
    walks.clear()
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    reset_settings()
    aws.reset_clients()
    try:
        dynamodb, sqs = aws.client("dynamodb"), aws.client("sqs")
        assert walks == []
        assert dynamodb.meta.service_model.api_version == "2012-08-10"
        assert sqs.meta.service_model.metadata["serviceFullName"] == "Overridden SQS"
        loader = aws._session.get_component("data_loader")
        assert isinstance(loader, RequestedServicesLoader)
        assert loader.list_available_services("service-2") == ["dynamodb", "sqs"]
        with pytest.raises(botocore.exceptions.UnknownServiceError, match="dynamodb"):
            aws.client("dynamodbb")  # a typo: botocore's message lists every valid service
        assert walks == ["service-2"]
    finally:
        aws.reset_clients()
        reset_settings()


@pytest.mark.parametrize("service", ["dynamodb", "sqs", "lambda", "scheduler", "events"])
def test_plain_dict_models_equal_botocores(service: str) -> None:
    """Our loader reads the same data as botocore's own (plain dicts instead of OrderedDict):
    service model, endpoint rules and endpoints compare equal, key order included."""
    import botocore.loaders

    from durable_lambda.core.service_models import loader_for

    stock, ours = botocore.loaders.create_loader(None), loader_for(None)
    for type_name in ("service-2", "endpoint-rule-set-1"):
        theirs, mine = (loader.load_service_model(service, type_name) for loader in (stock, ours))
        assert mine == theirs and type(mine) is dict
        assert json.dumps(mine) == json.dumps(theirs)  # same key order
    assert ours.load_data("endpoints") == stock.load_data("endpoints")


def test_a_data_form_we_do_not_read_is_left_to_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a botocore version ship its models in another form than .json / .json.gz, our
    loader hands the file to botocore's own instead of failing to find it."""
    import botocore.loaders

    from durable_lambda.core import service_models

    monkeypatch.setattr(service_models, "_OPENERS", ((".json", open),))  # .gz "unknown"
    stock = botocore.loaders.create_loader(None).load_service_model("dynamodb", "service-2")
    assert service_models.loader_for(None).load_service_model("dynamodb", "service-2") == stock


@pytest.mark.parametrize("char, allowed", [
    ("\t", True), ("\n", True), ("\r", True), (" ", True), ("\ud7ff", True), ("\ue000", True),
    ("\ufffd", True), ("\U00010000", True), ("\U0010ffff", True), ("é", True),
    ("\x00", False), ("\x08", False), ("\x0b", False), ("\x0c", False), ("\x0e", False),
    ("\x1f", False), ("\ud800", False), ("\udfff", False), ("\ufffe", False), ("\uffff", False),
])
def test_sqs_text_is_the_sqs_character_set(char: str, allowed: bool) -> None:
    """``_SQS_TEXT`` is written as its complement (it compiles ten times faster); each edge of
    SQS's allowed set (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF)."""
    from durable_lambda.core.sqs_batch import _SQS_TEXT

    assert bool(_SQS_TEXT.fullmatch(f"a{char}b")) is allowed


# --- the timeout check at the first invocation ----------------------------------------------

def _context(remaining_ms: int) -> Any:
    return types.SimpleNamespace(function_name="durable-fn", aws_request_id="r-1",
                                 get_remaining_time_in_millis=lambda: remaining_ms)


@pytest.fixture
def first_invocation(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A process whose first invocation is still to come, settings from a clean environment."""
    for name in [k for k in os.environ if k.startswith("DURABLE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(startup, "_checked", False)
    reset_settings()
    yield monkeypatch
    reset_settings()


def _actor_call(context: Any) -> None:
    from durable_lambda.actors.handler import actor

    handler = actor(lambda ctx, payload: None)
    with pytest.raises(InvalidRequestError):  # refused before any AWS call
        handler({"actorId": ""}, context)


def _workflow_call(context: Any) -> None:
    from durable_lambda.workflows.execution import durable_execution
    from durable_lambda.workflows.hosting import LambdaHost

    function = durable_execution(lambda event, ctx: None)
    with pytest.raises(InvalidRequestError):  # refused before any AWS call
        LambdaHost().handle(function, {"input": 1, "name": ""}, context)


ENTRY_POINTS = {"actor": _actor_call, "durable hosting": _workflow_call}


@pytest.mark.parametrize("call", ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_short_timeout_warns_once_naming_the_setting(
        first_invocation: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        call: Callable[[Any], None]) -> None:
    """SAM's and Terraform's default 3 s timeout leaves the 10 s sync wait no time at all."""
    with caplog.at_level(logging.WARNING, logger="durable_lambda"):
        call(_context(2_990))
        call(_context(2_990))
    warnings = [r.getMessage() for r in caplog.records if "DURABLE_SYNC_WAIT_SECONDS" in
                r.getMessage()]
    assert len(warnings) == 1
    assert "DURABLE_SYNC_WAIT_SECONDS=10" in warnings[0] and "at least 16 s" in warnings[0]


@pytest.mark.parametrize("remaining_ms, wait, warned", [
    (15_990, None, False),   # a 16 s timeout: the smallest the durable_function module takes
    (14_990, None, True),    # 15 s: the wait is cut short (the module refuses it)
    (7_990, "2.5", False),   # a short wait needs a short timeout only
    (6_990, "2.5", True),
    (2_990, "0", False),     # synchronous calls do not wait at all
])
def test_threshold_is_the_sync_wait_plus_five_seconds(
        first_invocation: pytest.MonkeyPatch, remaining_ms: int, wait: Any,
        warned: bool) -> None:
    if wait is not None:
        first_invocation.setenv("DURABLE_SYNC_WAIT_SECONDS", wait)
    assert (startup.check_timeout(_context(remaining_ms)) is not None) is warned


def test_no_check_without_a_lambda_context_or_with_bad_settings(
        first_invocation: pytest.MonkeyPatch) -> None:
    assert startup.check_timeout(None) is None
    first_invocation.setattr(startup, "_checked", False)
    first_invocation.setenv("DURABLE_SYNC_WAIT_SECONDS", "-1")  # the call reports it itself
    assert startup.check_timeout(_context(1_000)) is None


# --- the benchmark ----------------------------------------------------------------------------

def test_bench_reaches_the_first_request_of_every_entry_point() -> None:
    """One sample of each candidate: each import, settings load, client and first invocation
    runs up to its first HTTP request (never sent). Times are printed, not asserted."""
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_cold_start.py"),
                          "--runs", "1"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {line.split()[0] for line in out.stdout.splitlines()[2:]}
    assert rows == {"sdk", "actor", "workflow", "router", "timer_forwarder",
                    "signal_forwarder", "redriver"}
