"""Bad Terraform inputs fail the plan with a message naming what is wrong; a fresh checkout
plans without any build/ (local AWS only)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from durable_lambda.testing.local_aws import LocalAws

from .conftest import Terraform, terraform_missing
from .conftest import fresh_checkout

FABRIC = ('{ layer_arn = "arn:aws:lambda:us-east-1:123456789012:layer:durable-dev-runtime:1", '
          'user_function_policy_arn = "arn:aws:iam::123456789012:policy/durable-dev-user-function", '
          'user_function_prefix = "durable-", user_function_environment = { DURABLE_TABLE = "t" }, '
          'event_bus_name = "durable-dev-bus", '
          'failed_events_queue_arn = "arn:aws:sqs:us-east-1:123456789012:durable-dev-failed-events", '
          'python_runtime = "python3.12", architecture = "x86_64" }')
ROOT_MODULE = """
variable "function_name" {
  type = string
}
variable "stage_name" {
  type = string
}
variable "timeout" {
  type = number
}
variable "memory_size" {
  type    = number
  default = null
}
variable "runtime" {
  type    = string
  default = null
}
variable "sync_wait_seconds" {
  type    = number
  default = null
}
module "function" {
  source            = "../terraform/modules/durable_function"
  fabric            = %(fabric)s
  function_name     = var.function_name
  role_name         = "r"
  timeout           = var.timeout
  memory_size       = var.memory_size
  runtime           = var.runtime
  sync_wait_seconds = var.sync_wait_seconds
  tags              = { team = "t" }
  event_patterns    = { reset = jsonencode({ source = ["my-app"] }) }
}
module "fabric" {
  source     = "../terraform/modules/durable_fabric"
  stage_name = var.stage_name
}
output "environment" {
  value = module.function.environment
}
"""


@pytest.fixture
def root(local_aws: LocalAws, tmp_path: Path) -> Terraform:
    reason = terraform_missing()
    if reason:
        pytest.skip(reason)
    checkout = fresh_checkout(tmp_path / "checkout")
    workdir = checkout / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text(ROOT_MODULE % {"fabric": FABRIC})
    return Terraform.local(workdir, local_aws, tmp_path)


def _plan(root: Terraform, function_name: str, stage_name: str = "dev",
          target: Optional[str] = "module.function", timeout: int = 30, **variables: object) -> str:
    extra = [f"-var={k}={v}" for k, v in variables.items()]
    if target:
        extra.append(f"-target={target}")
    result = root.run("plan", "-input=false", "-out=plan.tfplan",
                      f"-var=function_name={function_name}", f"-var=stage_name={stage_name}",
                      f"-var=timeout={timeout}", *extra, timeout=180, check=False)
    return f"{result.returncode}\n{result.stdout}\n{result.stderr}"


def _one_line(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_function_outside_the_prefix_is_refused(root: Terraform) -> None:
    assert _plan(root, "durable-counter").startswith("0\n")
    refused = _plan(root, "other-counter")
    assert not refused.startswith("0\n")
    assert "must start with the fabric's user_function_prefix 'durable-'" in _one_line(refused)


def test_bad_stage_name_is_named(root: Terraform) -> None:
    refused = _plan(root, "durable-counter", stage_name="Prod_1", target="module.fabric")
    assert not refused.startswith("0\n")
    assert "stage_name: lower-case letters" in _one_line(refused)


def test_a_timeout_within_the_sync_wait_budget_is_refused(root: Terraform) -> None:
    """Lambda's default 3 s (or 15 s) leaves a synchronous call no time after its lease wait."""
    for too_short in (3, 15):
        refused = _plan(root, "durable-counter", timeout=too_short)
        assert not refused.startswith("0\n")
        assert (f"timeout {too_short} s is too short for durable-counter: it must exceed the sync "
                "wait budget DURABLE_SYNC_WAIT_SECONDS (10 s) + 5 s, i.e. be at least 16 s") in _one_line(refused)
    assert _plan(root, "durable-counter", timeout=16).startswith("0\n")
    # a shorter wait budget allows a shorter timeout, and reaches the environment
    assert _plan(root, "durable-counter", timeout=8, sync_wait_seconds=2).startswith("0\n")
    console = subprocess.run(
        ["terraform", "console", "-var=function_name=durable-counter", "-var=stage_name=dev",
         "-var=timeout=8", "-var=sync_wait_seconds=2"],
        input="jsonencode(module.function.environment)\n", cwd=root.workdir, env=root.env,
        capture_output=True, text=True, timeout=180)
    assert json.loads(json.loads(console.stdout.strip())) == {
        "DURABLE_TABLE": "t", "DURABLE_SYNC_WAIT_SECONDS": "2"}, console.stdout + console.stderr


def test_a_runtime_other_than_the_layers_is_refused(root: Terraform) -> None:
    refused = _plan(root, "durable-counter", runtime="python3.13")
    assert not refused.startswith("0\n")
    assert "runtime python3.13 of durable-counter differs from the layer's python3.12" in _one_line(refused)
    assert _plan(root, "durable-counter", runtime="python3.12").startswith("0\n")


def test_little_memory_warns(root: Terraform) -> None:
    """A check block: a warning, not an error (checks run only in an untargeted plan)."""
    warned = _plan(root, "durable-counter", target=None, memory_size=128)
    assert warned.startswith("0\n")
    assert "memory_size 128 MB: durable-lambda functions are recommended 256 MB or more" in _one_line(warned)


def test_event_wiring_delivers_the_direct_invoke_shape(root: Terraform) -> None:
    """The rule's target has the input transformer; the rule carries the tags."""
    assert _plan(root, "durable-counter").startswith("0\n")
    plan = json.loads(root.run("show", "-json", "plan.tfplan").stdout)
    after = {c["address"]: c["change"]["after"] for c in plan["resource_changes"]}
    target = after['module.function.aws_cloudwatch_event_target.wiring["reset"]']
    assert target["input_transformer"] == [{
        "input_paths": {"actorId": "$.detail.actorId", "payload": "$.detail"},
        "input_template": '{"actorId": "<actorId>", "payload": <payload>, "sync": false}'}]
    assert after['module.function.aws_cloudwatch_event_rule.wiring["reset"]']["tags"] == {"team": "t"}


def test_the_fabric_plans_on_a_fresh_checkout(root: Terraform) -> None:
    """No build/ and no zip inputs: the plan works; apply would build the zips."""
    checkout = root.workdir.parent
    assert _plan(root, "durable-counter", target="module.fabric").startswith("0\n")
    assert not (checkout / "build").exists()
    plan = json.loads(root.run("show", "-json", "plan.tfplan").stdout)
    after = {c["address"]: c["change"]["after"] for c in plan["resource_changes"]}
    assert after["module.fabric.terraform_data.layer_build[0]"]["input"] == str(
        checkout / "build" / "durable-lambda-layer-python3.12-x86_64.zip")
    assert after["module.fabric.terraform_data.functions_build[0]"]["input"] == str(checkout / "build" / "functions")
    layer = after["module.fabric.aws_lambda_layer_version.runtime"]
    assert (layer["compatible_runtimes"], layer["compatible_architectures"]) == (["python3.12"], ["x86_64"])
