"""init (scaffolded files work: their tests pass, the SAM template lints) and attach (the
snippet carries the deployed stack's real values, from CloudFormation outputs or SSM)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from durable_lambda.testing.local_aws import LocalAws
from tests.cli.conftest import ROOT, clean_env, run_cli

LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:durable-lambda:7"
POLICY = "arn:aws:iam::123456789012:policy/durable-test-user-functions"
FAILED_EVENTS = "arn:aws:sqs:us-east-1:123456789012:durable-test-failed-events"
ENVIRONMENT = {"DURABLE_TABLE": "durable-test-actors",
               "DURABLE_QUEUE": "https://sqs.us-east-1.amazonaws.com/123456789012/w.fifo",
               "DURABLE_MAX_RECEIVE_COUNT": "5"}


def test_init_writes_a_working_actor_and_workflow(tmp_path: Path) -> None:
    for kind, name in (("actor", "durable-dev-tally"), ("workflow", "durable-dev-orders")):
        result = run_cli("init", kind, name, cwd=tmp_path)
        assert result.code == 0, result.err
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == [
            "app.py", "main.tf", "sam.yaml", "test_app.py"]
    again = run_cli("init", "actor", "durable-dev-tally", cwd=tmp_path)
    assert again.code == 2 and "--force overwrites" in again.err
    assert run_cli("init", "actor", "durable-dev-tally", "--force", cwd=tmp_path).code == 0
    assert run_cli("init", "actor", "1bad name", cwd=tmp_path).code == 2

    for name in ("durable-dev-tally", "durable-dev-orders"):  # as the printed `next:` says
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(tmp_path / name), name], cwd=tmp_path, capture_output=True, text=True,
            env=clean_env(), timeout=300)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert "1 passed" in tests.stdout


def test_init_sam_template_lints_and_terraform_reads_ssm(tmp_path: Path) -> None:
    assert run_cli("init", "workflow", "durable-prod-pay", "--stage", "prod",
                   cwd=tmp_path).code == 0
    sam = (tmp_path / "durable-prod-pay" / "sam.yaml").read_text()
    assert "Default: /durable-lambda/prod/layer-arn" in sam
    assert "{{resolve:ssm:/durable-lambda/prod/env/DURABLE_QUEUE}}" in sam
    assert "LogFormat: JSON" in sam
    assert "Default: /durable-lambda/prod/failed-events-queue-arn" in sam
    assert "Destination: !Ref DurableFailedEventsQueueArn" in sam
    tf = (tmp_path / "durable-prod-pay" / "main.tf").read_text()
    assert 'name = "/durable-lambda/prod/environment"' in tf
    assert "jsondecode(data.aws_ssm_parameter.durable_environment.value)" in tf
    assert 'name = "/durable-lambda/prod/failed-events-queue-arn"' in tf
    assert "destination = data.aws_ssm_parameter.durable_failed_events_queue_arn.value" in tf
    assert tf.count("{") == tf.count("}")
    lint = shutil.which("cfn-lint") or str(Path(sys.executable).parent / "cfn-lint")
    if not Path(lint).exists():
        pytest.skip("cfn-lint is not installed (requirements-dev.txt)")
    done = subprocess.run([lint, str(tmp_path / "durable-prod-pay" / "sam.yaml")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _stack(endpoint: str, name: str) -> None:
    outputs = {"LayerArn": LAYER, "UserFunctionPolicyArn": POLICY,
               "UserFunctionPrefix": "durable-test-", "FailedEventsQueueArn": FAILED_EVENTS,
               "UserFunctionEnvironment": json.dumps(ENVIRONMENT),
               "RouterName": "durable-test-router",
               "DlqRedriverArn": "arn:aws:lambda:us-east-1:123456789012:function:durable-test-"
                                 "dlq-redriver"}
    template = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {k: {"Value": v} for k, v in outputs.items()}}
    boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing").create_stack(
        StackName=name, TemplateBody=json.dumps(template))


def test_attach_prints_the_stacks_real_values(local_aws: LocalAws) -> None:
    _stack(local_aws.endpoint_url, "durable-lambda-test")
    base = ("--endpoint-url", local_aws.endpoint_url, "--stack", "durable-lambda-test")
    sam = run_cli("attach", "durable-test-orders", *base)
    assert sam.code == 0, sam.err
    resource = yaml.safe_load(sam.out)["DurableTestOrders"]["Properties"]
    assert resource["Layers"] == [LAYER] and resource["Policies"] == [POLICY]
    assert resource["Environment"]["Variables"] == {**ENVIRONMENT}
    assert resource["LoggingConfig"] == {"LogFormat": "JSON"} and resource["Timeout"] >= 15
    assert resource["EventInvokeConfig"] == {"MaximumRetryAttempts": 2, "DestinationConfig": {
        "OnFailure": {"Type": "SQS", "Destination": FAILED_EVENTS}}}
    assert "warning" not in sam.err

    tf = run_cli("attach", "durable-test-orders", "--format", "terraform", *base)
    assert f'layers        = ["{LAYER}"]' in tf.out and f'policy_arn = "{POLICY}"' in tf.out
    assert 'DURABLE_TABLE = "durable-test-actors"' in tf.out
    assert f'destination = "{FAILED_EVENTS}"' in tf.out

    misnamed = run_cli("--json", "attach", "orders", *base)
    assert misnamed.code == 0 and "durable-test-orders" in misnamed.json()["warning"]
    assert "warning: the router invokes only functions named durable-test-*" in misnamed.err

    missing = run_cli("attach", "x", "--endpoint-url", local_aws.endpoint_url,
                      "--stack", "no-such-stack")
    assert missing.code == 4 and "does not exist" in missing.err
    assert run_cli("attach", "x").code == 2  # no fabric given


def test_attach_from_the_ssm_parameters(local_aws: LocalAws) -> None:
    ssm = boto3.client("ssm", endpoint_url=local_aws.endpoint_url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    for name, value in (("layer-arn", LAYER), ("user-function-policy-arn", POLICY),
                        ("user-function-prefix", "durable-"),
                        ("environment", json.dumps(ENVIRONMENT)),
                        ("env/DURABLE_TABLE", "from-env-param")):
        ssm.put_parameter(Name=f"/durable-lambda/ssmtest/{name}", Value=value, Type="String",
                          Overwrite=True)
    args = ("--json", "attach", "durable-x", "--stage", "ssmtest", "--endpoint-url",
            local_aws.endpoint_url)
    older = run_cli(*args)  # a fabric that does not publish the failed-events queue yet
    assert older.code == 0, older.err
    assert "no on-failure destination" in older.err
    assert "DestinationConfig" not in yaml.safe_load(older.json()["snippet"])["DurableX"][
        "Properties"]["EventInvokeConfig"]
    ssm.put_parameter(Name="/durable-lambda/ssmtest/failed-events-queue-arn", Value=FAILED_EVENTS,
                      Type="String", Overwrite=True)
    result = run_cli(*args)
    assert result.code == 0, result.err
    snippet = yaml.safe_load(result.json()["snippet"])["DurableX"]["Properties"]
    assert snippet["Layers"] == [LAYER]
    assert snippet["Environment"]["Variables"]["DURABLE_TABLE"] == "from-env-param"
    assert snippet["EventInvokeConfig"]["DestinationConfig"] == {
        "OnFailure": {"Type": "SQS", "Destination": FAILED_EVENTS}}
    assert "warning" not in result.err
    none = run_cli("attach", "x", "--stage", "nothing-here", "--endpoint-url",
                   local_aws.endpoint_url)
    assert none.code == 4 and "no SSM parameters under /durable-lambda/nothing-here/" in none.err


def test_commands_read_the_fabric_from_the_stack(local_aws: LocalAws) -> None:
    """--stack sets the DURABLE_* settings the commands use (here: the table named there)."""
    _stack(local_aws.endpoint_url, "durable-lambda-names")
    result = run_cli("actor", "state", "fn", "a", "--endpoint-url", local_aws.endpoint_url,
                     "--stack", "durable-lambda-names")
    assert result.code == 4 and "ResourceNotFoundException" in result.err  # no such table


def test_help_is_fast_to_reach_and_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.code == 0
    for command in ("init", "attach", "actor", "workflow", "callback", "dlq", "local"):
        assert command in result.out
    assert run_cli().code == 2 and run_cli("workflow").code == 2
    assert run_cli("nope").code == 2
    assert (ROOT / "pyproject.toml").read_text().count(
        'durable-lambda = "durable_lambda.cli.main:main"') == 1
