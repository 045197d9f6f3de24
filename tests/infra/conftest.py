"""Fixtures for the infrastructure tests: the template expanded, the Terraform module evaluated,
the template deployed on the local AWS, and the tools (sam, terraform) when present."""
from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
import subprocess
from typing import Any, Optional

import boto3
import pytest

from durable_lambda.testing.local_aws import LocalAws

from . import canonical

ROOT = canonical.ROOT
SAM_VENV_BIN = ROOT / ".venv-sam" / "bin"
TF_PLUGIN_MIRROR = Path(os.environ.get("DURABLE_TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
PLACEHOLDER_HANDLER = "def handler(event, context):\n    return event\n"


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def function_code(name: str) -> dict[str, str]:
    """functions/<name>/*.py when the platform function exists, else a placeholder handler
    (moto never runs Lambda code: the rehearsals check resources, not behaviour)."""
    source = ROOT / "functions" / name
    files = {p.relative_to(source).as_posix(): p.read_text() for p in sorted(source.rglob("*.py"))
             if "__pycache__" not in p.parts} if source.is_dir() else {}
    return files or {"app.py": PLACEHOLDER_HANDLER}


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return canonical.load_template()


@pytest.fixture(scope="session")
def expanded(template: dict[str, Any]) -> dict[str, Any]:
    return canonical.expand_template(template)


@pytest.fixture(scope="session")
def sam_model(expanded: dict[str, Any]) -> dict[str, Any]:
    return canonical.sam_model(expanded)


@pytest.fixture(scope="session")
def tf_parsed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """durable_fabric with its defaults (the zips built by the module: no input needed)."""
    work = tmp_path_factory.mktemp("tfparse")
    return canonical.load_terraform(canonical.FABRIC_MODULE, {}, work)


@pytest.fixture(scope="session")
def tf_model(tf_parsed: dict[str, Any]) -> dict[str, Any]:
    return canonical.tf_model(tf_parsed)


#: every toggle away from its default, as SAM parameters and as Terraform variables
TOGGLED_PARAMETERS = {"PythonRuntime": "python3.13", "Architecture": "arm64",
                      "TracingMode": "Active", "LogFormat": "Text", "SnapStart": "true",
                      "ExecutionRetentionDays": "30", "CreateSsmParameters": "false"}
TOGGLED_VARIABLES = {"python_runtime": "python3.13", "architecture": "arm64",
                     "tracing_mode": "Active", "log_format": "Text", "snap_start": True,
                     "execution_retention_days": 30, "create_ssm_parameters": False}


@pytest.fixture(scope="session")
def sam_model_toggled(template: dict[str, Any]) -> dict[str, Any]:
    expanded = canonical.expand_template(template, parameters=TOGGLED_PARAMETERS)
    return canonical.sam_model(expanded, TOGGLED_PARAMETERS)


@pytest.fixture(scope="session")
def tf_model_toggled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("tfparse-toggled")
    return canonical.tf_model(canonical.load_terraform(canonical.FABRIC_MODULE, TOGGLED_VARIABLES, work))


@dataclass
class Stack:
    """template.yaml deployed on the local AWS."""

    endpoint_url: str
    prefix: str
    status: str
    outputs: dict[str, str]


def for_moto(expanded: dict[str, Any]) -> dict[str, Any]:
    """The expanded template with what moto's CloudFormation cannot create worked around:
    it skips AWS::Scheduler::ScheduleGroup, so a Ref to the group (its name) would be empty --
    and an empty SSM parameter value is refused. The group's name is written out instead
    (the tests that need the group create it by that name). It skips AWS::CloudWatch::Alarm
    too, and fails on a GetAtt of a skipped resource: an alarm's Arn is written out."""
    group = {"Fn::Sub": "durable-${StageName}-timers"}
    alarms = {k: v["Properties"]["AlarmName"] for k, v in expanded["Resources"].items()
              if v["Type"] == "AWS::CloudWatch::Alarm"}

    def rewrite(node: Any) -> Any:
        if node == {"Ref": "TimerScheduleGroup"}:
            return group
        if isinstance(node, dict) and list(node) == ["Fn::GetAtt"] and node["Fn::GetAtt"][0] in alarms:
            name = alarms[node["Fn::GetAtt"][0]]["Fn::Sub"]
            return {"Fn::Sub": f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{name}"}
        if isinstance(node, dict):
            return {k: rewrite(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    return rewrite(expanded)


def deploy_stack(local_aws: LocalAws, expanded: dict[str, Any], stage: str) -> Stack:
    """Upload placeholder code to local S3 and create the expanded template as a stack."""
    endpoint = local_aws.endpoint_url
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="code.zip", Body=zip_bytes({"app.py": PLACEHOLDER_HANDLER}))
    cloudformation = boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1")
    name = f"durable-lambda-{stage}"
    cloudformation.create_stack(
        StackName=name, TemplateBody=json.dumps(for_moto(expanded)),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        Parameters=[{"ParameterKey": "StageName", "ParameterValue": stage},
                    {"ParameterKey": "TableDeletionProtection", "ParameterValue": "false"}])
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    return Stack(endpoint, f"durable-{stage}", stack["StackStatus"],
                 {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])})


@pytest.fixture
def cfn_stack(local_aws: LocalAws, expanded: dict[str, Any]) -> Iterator[Stack]:
    """A fresh local AWS with template.yaml deployed as stage ``cfn``."""
    local_aws.reset()
    yield deploy_stack(local_aws, expanded, "cfn")
    local_aws.reset()


def sam_executable() -> Optional[str]:
    """``sam`` on PATH, else the one in .venv-sam (see docs/deploy.md)."""
    found = shutil.which("sam")
    if found:
        return found
    candidate = SAM_VENV_BIN / "sam"
    return str(candidate) if candidate.exists() else None


def terraform_cli_config(directory: Path) -> Path:
    """A CLI config that installs providers only from the local mirror (never a registry)."""
    path = directory / "cli.tfrc"
    path.write_text('provider_installation {\n  filesystem_mirror {\n'
                    f'    path = "{TF_PLUGIN_MIRROR}"\n  }}\n}}\n')
    return path


def terraform_missing() -> Optional[str]:
    """Why the Terraform rehearsal cannot run here, or None."""
    if not shutil.which("terraform"):
        return "terraform is not installed"
    if not (TF_PLUGIN_MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        return f"no hashicorp/aws provider mirror at {TF_PLUGIN_MIRROR} (set DURABLE_TF_PLUGIN_MIRROR)"
    return None


def fresh_checkout(destination: Path) -> Path:
    """What a clone of the repository holds for Terraform -- no build/ directory."""
    for name in ("terraform", "scripts", "functions"):
        shutil.copytree(ROOT / name, destination / name,
                        ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "__pycache__"))
    shutil.copytree(ROOT / "layer" / "durable_lambda", destination / "layer" / "durable_lambda",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "requirements.txt", destination / "requirements.txt")
    assert not (destination / "build").exists()
    return destination


class Terraform:
    """terraform/ copied to a temp dir, pointed at the local AWS."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env

    def run(self, *args: str, timeout: float = 420, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(["terraform", *args, "-no-color"],
                                cwd=self.workdir, env=self.env, capture_output=True, text=True,
                                timeout=timeout)
        assert not check or result.returncode == 0, f"terraform {args[0]}:\n{result.stdout[-4000:]}\n{result.stderr}"
        return result

    @classmethod
    def local(cls, workdir: Path, local_aws: LocalAws, scratch: Path,
              env: Optional[dict[str, str]] = None) -> "Terraform":
        """``workdir`` pointed at the local AWS (provider override file, mirror-only CLI
        config in ``scratch``, dummy credentials) and initialised."""
        endpoints = "\n".join(f'    {s} = "{local_aws.endpoint_url}"' for s in TF_SERVICES)
        (workdir / "local_override.tf").write_text(PROVIDER_OVERRIDE.format(endpoints=endpoints))
        full_env = {**os.environ, "TF_CLI_CONFIG_FILE": str(terraform_cli_config(scratch)),
                    "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing", **(env or {})}
        full_env.pop("AWS_PROFILE", None)
        terraform = cls(workdir, full_env)
        terraform.run("init", "-input=false", "-backend=false", timeout=120)
        return terraform

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout)
        return {k: v["value"] for k, v in raw.items()}


PROVIDER_OVERRIDE = """provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {{
{endpoints}
  }}
}}
"""
TF_SERVICES = ("dynamodb", "sqs", "lambda", "iam", "sts", "events", "scheduler", "cloudwatchlogs",
               "ssm", "cloudwatch", "sns", "kms")
