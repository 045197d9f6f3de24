"""Deploy rehearsals on the local AWS (moto server on 127.0.0.1, never real AWS).

1. template.yaml, expanded by aws-sam-translator, created as a CloudFormation stack.
2. terraform/examples/complete applied with `terraform apply` (when terraform and the provider
   mirror are present), compared with the stack resource by resource, then destroyed.

Known gaps of moto's CloudFormation (5.2), masked where the two deployments are compared and
covered by the static parity tests instead: it skips AWS::Scheduler::ScheduleGroup (so
DURABLE_SCHEDULE_GROUP and the schedule ARN in UserFunctionPolicy stay unresolved), ignores
the tables' TimeToLiveSpecification / SSESpecification, does not attach layers created in the
stack, and returns a log group's Arn without the ":*" real CloudFormation appends.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest

from durable_lambda.testing.local_aws import LocalAws

from . import deployed
from .conftest import (ROOT, Stack, Terraform, deploy_stack, function_code, terraform_missing,
                       zip_bytes)
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
        assert set(config["environment"]) == set(sam_model["functions"]["Router"]["environment"]) - {
            "DURABLE_SCHEDULE_GROUP"}  # moto gap, see module docstring


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
        function["environment"].pop("DURABLE_SCHEDULE_GROUP", None)
    for statements in model["iam"].values():
        if isinstance(statements, dict):
            for sid, (actions, resources) in statements.items():
                resources = [r.removesuffix(":*") if ":log-group:" in r else r for r in resources]
                statements[sid] = [actions, ["<schedule-group>/*" if ":schedule/" in r else r
                                             for r in resources]]
    model["rules"] = {k: v for k, v in model["rules"].items() if k in FABRIC_RULES}
    return model


def _build_artifacts(build: Path) -> None:
    """Small zips: moto stores code, it never runs it."""
    (build / "functions").mkdir(parents=True)
    (build / "durable-lambda-layer.zip").write_bytes(
        zip_bytes({"python/durable_lambda/__init__.py": "# layer placeholder for the rehearsal\n"}))
    for name in ("router", "timer_forwarder", "signal_forwarder", "dlq_redriver"):
        (build / "functions" / f"{name}.zip").write_bytes(zip_bytes(function_code(name)))
    counter = ROOT / "terraform" / "examples" / "complete" / "counter" / "app.py"
    (build / "counter.zip").write_bytes(zip_bytes({"app.py": counter.read_text()}))


@pytest.fixture
def terraform(local_aws: LocalAws, tmp_path: Path) -> Terraform:
    reason = terraform_missing()
    if reason:
        pytest.skip(reason)
    shutil.copytree(ROOT / "terraform", tmp_path / "terraform",
                    ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    _build_artifacts(tmp_path / "build")
    return Terraform.local(tmp_path / "terraform" / "examples" / "complete", local_aws, tmp_path, {
        "TF_VAR_stage_name": "tf", "TF_VAR_table_deletion_protection": "false",
        "TF_VAR_build_dir": str(tmp_path / "build")})


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_terraform_example_applies_like_the_template_and_destroys(
        terraform: Terraform, local_aws: LocalAws, expanded: dict[str, Any]) -> None:
    local_aws.reset()
    stack = deploy_stack(local_aws, expanded, "cfn")
    assert stack.status == "CREATE_COMPLETE"
    terraform.run("apply", "-input=false", "-auto-approve", "-parallelism=20")
    try:
        endpoint = local_aws.endpoint_url
        from_terraform = deployed.describe(endpoint, "durable-tf")
        from_template = deployed.describe(endpoint, stack.prefix)
        assert _masked(from_terraform) == _masked(from_template)
        # what moto's CloudFormation cannot show, Terraform's deployment shows for real
        assert all(t["ttl"] == "ttl" and t["sse"] for t in from_terraform["tables"].values())
        assert set(deployed.point_in_time_recovery(Reader(endpoint, "durable-tf")).values()) == {"ENABLED"}
        assert all(f["layers"] == 1 for f in from_terraform["functions"].values())
        _check_example_function(terraform.outputs(), endpoint)
    finally:
        terraform.run("destroy", "-input=false", "-auto-approve", "-parallelism=20")
    ddb = boto3.client("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="us-east-1")
    assert not [t for t in ddb.list_tables()["TableNames"] if t.startswith("durable-tf-")]
    lam = boto3.client("lambda", endpoint_url=local_aws.endpoint_url, region_name="us-east-1")
    assert not [f for f in lam.list_functions()["Functions"]
                if f["FunctionName"].startswith("durable-tf-")]
    local_aws.reset()


def _check_example_function(outputs: dict[str, Any], endpoint: str) -> None:
    """modules/durable_function: layer, settings, policy and event wiring of the counter."""
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    config = lam.get_function_configuration(FunctionName=outputs["counter_function_name"])
    assert [layer["Arn"] for layer in config["Layers"]] == [outputs["layer_arn"]]
    variables = config["Environment"]["Variables"]
    assert variables == {**outputs["user_function_environment"], "DURABLE_ACTOR_TYPE": "counter"}
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    role = config["Role"].rsplit("/", 1)[1]
    attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    assert attached == ["durable-tf-user-function"]
    events = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1")
    rule_name = outputs["rule_arns"]["reset"].rsplit("/", 1)[1]
    targets = events.list_targets_by_rule(Rule=rule_name, EventBusName="durable-tf-bus")["Targets"]
    assert [t["Arn"] for t in targets] == [config["FunctionArn"]]
