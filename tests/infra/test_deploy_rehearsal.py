"""Deploy rehearsals on the local AWS (moto server on 127.0.0.1, never real AWS).

1. template.yaml, expanded by aws-sam-translator, created as a CloudFormation stack.
2. terraform/examples/complete applied with `terraform apply` from a fresh copy of the
   repository (no build/: the modules build the layer, function and counter zips themselves),
   when terraform and the provider mirror are present; compared with the stack resource by
   resource, planned again (nothing to rebuild or replace), then destroyed.

Known gaps of moto's CloudFormation (5.2), masked where the two deployments are compared and
covered by the static parity tests instead: it skips AWS::Scheduler::ScheduleGroup (conftest's
for_moto writes the group's name where the template Refs it; inside Fn::Sub strings -- the
schedule ARN in the policies -- it stays empty), skips AWS::Lambda::Alias (referenced only
with SnapStart on, which the rehearsal leaves off), ignores the tables'
TimeToLiveSpecification / SSESpecification, skips AWS::CloudWatch::Alarm (conftest's
for_moto writes an alarm's ARN where the outputs GetAtt it; Terraform's alarms are compared
with the static model), does not attach layers created in the stack, and
returns a log group's Arn without the ":*" real CloudFormation appends. Known gaps of moto's
Lambda API seen by the provider on the second plan: it does not return logging_config,
snap_start and dead_letter_config, and reformats a queue's redrive policy.
"""
from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from durable_lambda.testing.local_aws import LocalAws

from . import deployed, monitoring_model
from .conftest import ROOT, Stack, Terraform, deploy_stack, terraform_missing
from .conftest import fresh_checkout
from .deployed import Reader

FABRIC_RULES = ("durable-STAGE-signals", "durable-STAGE-dlq-redrive")


def test_template_deploys_as_a_stack(cfn_stack: Stack, sam_model: dict[str, Any]) -> None:
    assert cfn_stack.status == "CREATE_COMPLETE"
    reader = Reader(cfn_stack.endpoint_url, cfn_stack.prefix)
    assert {t: s["keys"] for t, s in deployed.tables(reader).items()} == {
        t: s["keys"] for t, s in sam_model["tables"].items()}
    queues = deployed.queues(reader)
    work = queues["WorkQueue"]
    assert (work["FifoQueue"], work["ContentBasedDeduplication"], work["DeduplicationScope"],
            work["FifoThroughputLimit"], work["VisibilityTimeout"], work["SqsManagedSseEnabled"]) == (
        "true", "false", "messageGroup", "perMessageGroupId", "360", "true")
    assert work["RedrivePolicy"] == ("arn:aws:sqs:us-east-1:123456789012:durable-STAGE-dlq.fifo", 5)
    assert queues["DeadLetterQueue"]["MessageRetentionPeriod"] == "1209600"
    rules = deployed.rules(reader)
    assert rules["durable-STAGE-signals"]["pattern"] == {
        "source": ["durable-lambda"], "detail-type": ["ActorSignal", "WorkflowCallback"]}
    assert rules["durable-STAGE-signals"]["targets"][0][1:3] == (
        "arn:aws:lambda:us-east-1:123456789012:function:durable-STAGE-signal-forwarder",
        "arn:aws:sqs:us-east-1:123456789012:durable-STAGE-failed-events")
    assert rules["durable-STAGE-dlq-redrive"]["schedule"] == "rate(5 minutes)"
    assert deployed.event_sources(reader) == [
        ("arn:aws:sqs:us-east-1:123456789012:durable-STAGE-work.fifo", 10,
         ["ReportBatchItemFailures"], 50)]
    functions = deployed.functions(reader)
    assert set(functions) == {"Router", "TimerForwarder", "SignalForwarder", "DlqRedriver"}
    for config in functions.values():
        assert set(config["environment"]) == set(sam_model["functions"]["Router"]["environment"])
        assert config["runtime"] == "python3.12"


def test_stack_publishes_the_ssm_parameters(cfn_stack: Stack) -> None:
    """/durable-lambda/<stage>/: the same values as the stack's outputs."""
    parameters = deployed.ssm_parameters(cfn_stack.endpoint_url, "cfn")
    outputs = cfn_stack.outputs
    environment = json.loads(outputs["UserFunctionEnvironment"])
    assert parameters["layer-arn"] == outputs["LayerArn"]
    assert parameters["user-function-policy-arn"] == outputs["UserFunctionPolicyArn"]
    assert (parameters["user-function-prefix"], parameters["max-receive-count"],
            parameters["max-redrives"]) == ("durable-", "5", "3")
    assert json.loads(parameters["environment"]) == environment
    per_setting = {k.removeprefix("env/"): v for k, v in parameters.items() if k.startswith("env/")}
    assert set(per_setting) == set(environment)
    # DURABLE_SCHEDULE_GROUP: the Fn::Sub of the outputs meets moto's gap (module docstring)
    assert {k: v for k, v in per_setting.items() if k != "DURABLE_SCHEDULE_GROUP"} == {
        k: v for k, v in environment.items() if k != "DURABLE_SCHEDULE_GROUP"}
    assert per_setting["DURABLE_SCHEDULE_GROUP"] == "durable-cfn-timers"


def test_stack_outputs_give_a_working_user_environment(cfn_stack: Stack) -> None:
    """The UserFunctionEnvironment output names resources that exist and accept calls."""
    environment = json.loads(cfn_stack.outputs["UserFunctionEnvironment"])
    endpoint = cfn_stack.endpoint_url
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    for variable in ("DURABLE_TABLE", "DURABLE_LOCKS_TABLE", "DURABLE_WORKFLOW_TABLE"):
        assert ddb.describe_table(TableName=environment[variable])["Table"]["TableStatus"] == "ACTIVE"
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    for variable in ("DURABLE_QUEUE", "DURABLE_DLQ", "DURABLE_PARKED_QUEUE"):
        name = environment[variable].rsplit("/", 1)[1]
        assert sqs.get_queue_url(QueueName=name)["QueueUrl"].endswith(name)
    events = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1")
    assert events.describe_event_bus(Name=environment["DURABLE_BUS_NAME"])["Name"]
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    assert lam.get_function(FunctionName=environment["DURABLE_TIMER_TARGET_ARN"])
    assert environment["DURABLE_MAX_RECEIVE_COUNT"] == "5"
    assert cfn_stack.outputs["TimerForwarderArn"] == environment["DURABLE_TIMER_TARGET_ARN"]


# ---------------------------------------------------------------- terraform


def _masked(model: dict[str, Any]) -> dict[str, Any]:
    """Drop what moto's CloudFormation cannot deploy (module docstring) from a described model."""
    model = json.loads(json.dumps(model))
    for table in model["tables"].values():
        table.pop("ttl"), table.pop("sse")
    for function in model["functions"].values():
        function.pop("layers")
    for statements in model["iam"].values():
        if isinstance(statements, dict):
            for sid, (actions, resources) in statements.items():
                resources = [r.removesuffix(":*") if ":log-group:" in r else r for r in resources]
                statements[sid] = [actions, ["<schedule-group>/*" if ":schedule/" in r else r
                                             for r in resources]]
    model["rules"] = {k: v for k, v in model["rules"].items() if k in FABRIC_RULES}
    return model


def terraform_build_env() -> dict[str, str]:
    """The example builds its zips with this Python (it has pip); wheels from the shared cache."""
    return {"TF_VAR_build_python": sys.executable,
            "DURABLE_LAYER_WHEEL_CACHE": os.environ.get("DURABLE_LAYER_WHEEL_CACHE",
                                                        str(ROOT / "build" / "wheels"))}


@pytest.fixture
def terraform(local_aws: LocalAws, tmp_path: Path) -> Terraform:
    reason = terraform_missing()
    if reason:
        pytest.skip(reason)
    checkout = fresh_checkout(tmp_path / "checkout")
    return Terraform.local(checkout / "terraform" / "examples" / "complete", local_aws, tmp_path, {
        "TF_VAR_stage_name": "tf", "TF_VAR_table_deletion_protection": "false",
        **terraform_build_env()})


def _second_plan_changes(terraform: Terraform) -> dict[str, Any]:
    """{address: (actions, changed attributes)} of what a plan right after apply would do."""
    terraform.run("plan", "-input=false", "-out=second.tfplan", timeout=300)
    plan = json.loads(terraform.run("show", "-json", "second.tfplan").stdout)
    changes = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        changed = sorted(k for k in set(before) | set(after)
                         if before.get(k) != after.get(k) and k not in change["change"].get("after_unknown", {}))
        changes[change["address"]] = (actions, changed)
    return changes


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_terraform_example_applies_like_the_template_and_destroys(
        terraform: Terraform, local_aws: LocalAws, expanded: dict[str, Any]) -> None:
    local_aws.reset()
    stack = deploy_stack(local_aws, expanded, "cfn")
    assert stack.status == "CREATE_COMPLETE"
    terraform.run("apply", "-input=false", "-auto-approve", "-parallelism=20", timeout=900)
    try:
        endpoint = local_aws.endpoint_url
        from_terraform = deployed.describe(endpoint, "durable-tf")
        from_template = deployed.describe(endpoint, stack.prefix)
        assert _masked(from_terraform) == _masked(from_template)
        # what moto's CloudFormation cannot show, Terraform's deployment shows for real
        assert all(t["ttl"] == "ttl" and t["sse"] for t in from_terraform["tables"].values())
        assert set(deployed.point_in_time_recovery(Reader(endpoint, "durable-tf")).values()) == {"ENABLED"}
        assert all(f["layers"] == 1 for f in from_terraform["functions"].values())
        outputs = terraform.outputs()
        _check_built_layer(terraform.workdir.parents[2], endpoint, outputs)
        _check_example_function(outputs, endpoint)
        _check_ssm_parameters(outputs, endpoint)
        _check_monitoring(endpoint, stack, expanded)
        # Planned again: no zip rebuilt, no layer version, function or alias replaced, no code
        # uploaded again (the updates left are moto's gaps, module docstring)
        changes = _second_plan_changes(terraform)
        assert not {a: c for a, c in changes.items() if c[0] != ["update"]}, changes
        assert not {a: c for a, c in changes.items() if "source_code_hash" in c[1] or "filename" in c[1]}, changes
        assert not [a for a in changes if "terraform_data" in a or "layer_version" in a], changes
    finally:
        terraform.run("destroy", "-input=false", "-auto-approve", "-parallelism=20", timeout=900)
    ddb = boto3.client("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="us-east-1")
    assert not [t for t in ddb.list_tables()["TableNames"] if t.startswith("durable-tf-")]
    lam = boto3.client("lambda", endpoint_url=local_aws.endpoint_url, region_name="us-east-1")
    assert not [f for f in lam.list_functions()["Functions"]
                if f["FunctionName"].startswith("durable-tf-")]
    local_aws.reset()


def _check_built_layer(checkout: Path, endpoint: str, outputs: dict[str, Any]) -> None:
    """The fabric built the real layer of its runtime/architecture and published it."""
    built = checkout / "build" / "durable-lambda-layer-python3.12-x86_64.zip"
    assert built.is_file()
    names = zipfile.ZipFile(built).namelist()
    assert "python/durable_lambda/__init__.py" in names
    assert [n for n in names if n.endswith(".cpython-312-x86_64-linux-gnu.so")]
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    name, version = outputs["layer_arn"].rsplit(":", 2)[-2:]
    layer = lam.get_layer_version(LayerName=name, VersionNumber=int(version))
    assert layer["CompatibleRuntimes"] == ["python3.12"]
    assert layer["CompatibleArchitectures"] == ["x86_64"]
    assert layer["Content"]["CodeSize"] == built.stat().st_size
    assert {p.name for p in (checkout / "build" / "functions").iterdir()} == {
        "router.zip", "timer_forwarder.zip", "signal_forwarder.zip", "dlq_redriver.zip"}


def _check_ssm_parameters(outputs: dict[str, Any], endpoint: str) -> None:
    parameters = deployed.ssm_parameters(endpoint, "tf")
    environment = outputs["user_function_environment"]
    assert parameters["layer-arn"] == outputs["layer_arn"]
    assert json.loads(parameters["environment"]) == environment
    assert {k.removeprefix("env/"): v for k, v in parameters.items() if k.startswith("env/")} == environment


def _check_monitoring(endpoint: str, stack: Stack, expanded: dict[str, Any]) -> None:
    """Terraform's alarms are the template's (moto's CloudFormation skips alarms: compared
    with the static model), and both deployments render one dashboard body."""
    from_terraform = Reader(endpoint, "durable-tf")
    expected = monitoring_model.expected_alarms(monitoring_model.sam_monitoring(expanded))
    assert monitoring_model.deployed_alarms(from_terraform) == expected
    assert monitoring_model.deployed_dashboard(from_terraform) == monitoring_model.deployed_dashboard(
        Reader(endpoint, stack.prefix))


def _check_example_function(outputs: dict[str, Any], endpoint: str) -> None:
    """modules/durable_function: layer, settings, policy and event wiring of the counter."""
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    config = lam.get_function_configuration(FunctionName=outputs["counter_function_name"])
    assert [layer["Arn"] for layer in config["Layers"]] == [outputs["layer_arn"]]
    variables = config["Environment"]["Variables"]
    assert variables == {**outputs["user_function_environment"], "DURABLE_ACTOR_TYPE": "counter"}
    invoke_config = lam.get_function_event_invoke_config(FunctionName=config["FunctionName"])
    assert invoke_config["MaximumRetryAttempts"] == 2  # DURABLE_MAX_INVOCATION_ATTEMPTS (3) - 1
    failed_events = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    queue_arn = failed_events.get_queue_attributes(
        QueueUrl=failed_events.get_queue_url(QueueName="durable-tf-failed-events")["QueueUrl"],
        AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert invoke_config["DestinationConfig"]["OnFailure"] == {"Destination": queue_arn}
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    role = config["Role"].rsplit("/", 1)[1]
    attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    assert attached == ["durable-tf-user-function"]
    events = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1")
    rule_name = outputs["rule_arns"]["reset"].rsplit("/", 1)[1]
    targets = events.list_targets_by_rule(Rule=rule_name, EventBusName="durable-tf-bus")["Targets"]
    assert [t["Arn"] for t in targets] == [config["FunctionArn"]]
