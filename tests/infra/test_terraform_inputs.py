"""Bad Terraform inputs fail the plan with a message naming what is wrong (local AWS only)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from durable_lambda.testing.local_aws import LocalAws

from .conftest import ROOT, Terraform, terraform_missing

FABRIC = ('{ layer_arn = "arn:aws:lambda:us-east-1:123456789012:layer:durable-dev-runtime:1", '
          'user_function_policy_arn = "arn:aws:iam::123456789012:policy/durable-dev-user-function", '
          'user_function_prefix = "durable-", user_function_environment = { DURABLE_TABLE = "t" }, '
          'event_bus_name = "durable-dev-bus" }')


@pytest.fixture
def root(local_aws: LocalAws, tmp_path: Path) -> Terraform:
    reason = terraform_missing()
    if reason:
        pytest.skip(reason)
    shutil.copytree(ROOT / "terraform" / "modules", tmp_path / "modules")
    workdir = tmp_path / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text(
        'variable "function_name" {\n  type = string\n}\n'
        'variable "stage_name" {\n  type = string\n}\n'
        'module "function" {\n  source = "../modules/durable_function"\n'
        f"  fabric = {FABRIC}\n  function_name = var.function_name\n  role_name = \"r\"\n}}\n"
        'module "fabric" {\n  source = "../modules/durable_fabric"\n'
        '  stage_name = var.stage_name\n  layer_zip_path = "${path.module}/layer.zip"\n'
        '  functions_zip_dir = path.module\n}\n'
        'output "environment" {\n  value = module.function.environment\n}\n')
    return Terraform.local(workdir, local_aws, tmp_path)


def _plan(root: Terraform, function_name: str, stage_name: str = "dev",
          target: str = "module.function") -> str:
    result = root.run("plan", "-input=false", f"-target={target}",
                      f"-var=function_name={function_name}", f"-var=stage_name={stage_name}",
                      timeout=180, check=False)
    return f"{result.returncode}\n{result.stdout}\n{result.stderr}"


def test_function_outside_the_prefix_is_refused(root: Terraform) -> None:
    assert _plan(root, "durable-counter").startswith("0\n")
    refused = _plan(root, "other-counter")
    assert not refused.startswith("0\n")
    assert "must start with the fabric's user_function_prefix 'durable-'" in " ".join(refused.split())


def test_bad_stage_name_is_named(root: Terraform) -> None:
    refused = _plan(root, "durable-counter", stage_name="Prod_1", target="module.fabric")
    assert not refused.startswith("0\n")
    assert "stage_name: lower-case letters" in " ".join(refused.split())
