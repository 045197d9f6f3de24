"""Static checks of the infrastructure: cfn-lint, `sam validate --lint`, checkov (every skip
justified in place), `terraform fmt` / `terraform validate`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, sam_executable, terraform_cli_config, terraform_missing

OFFLINE_AWS = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "SAM_CLI_TELEMETRY": "0"}


def run(command: list[str], timeout: float = 180, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **OFFLINE_AWS, **kwargs.pop("env", {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=kwargs.pop("cwd", ROOT), **kwargs)


def test_cfn_lint_is_clean() -> None:
    result = run([sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
                  "template.yaml"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint() -> None:
    sam = sam_executable()
    if not sam:
        pytest.skip("aws-sam-cli is not installed (see docs/deploy.md: .venv-sam); "
                    "test_cfn_lint_is_clean runs the same linter on the transformed template")
    result = run([sam, "validate", "--lint", "--template-file", "template.yaml"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def _checkov(*target: str, framework: str) -> dict[str, Any]:
    result = run([sys.executable, "-m", "checkov.main", *target, "--framework", framework,
                  "--output", "json", "--skip-download"], timeout=300)
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    return {
        "failed": [f"{c['check_id']} {c['resource']} ({c['file_path']})"
                   for r in reports for c in r["results"]["failed_checks"]],
        "skipped": [(c["check_id"], c["resource"], (c.get("check_result") or {}).get("suppress_comment") or "")
                    for r in reports for c in r["results"]["skipped_checks"]],
        "parsing_errors": [e for r in reports for e in r["results"].get("parsing_errors", [])],
        "passed": sum(r["summary"]["passed"] for r in reports),
    }


@pytest.mark.parametrize("target,framework", [
    (("--file", "template.yaml"), "cloudformation"),
    (("--directory", "terraform"), "terraform"),
], ids=["template", "terraform"])
def test_checkov_passes_with_every_skip_justified(target: tuple[str, ...], framework: str) -> None:
    report = _checkov(*target, framework=framework)
    assert report["passed"] > 50
    assert not report["parsing_errors"]
    assert not report["failed"], "\n".join(report["failed"])
    unjustified = [s for s in report["skipped"] if len(s[2].strip()) < 20]
    assert not unjustified, unjustified


@pytest.fixture(scope="module")
def terraform_cli(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    reason = terraform_missing()
    if reason:
        pytest.skip(reason)
    config = terraform_cli_config(tmp_path_factory.mktemp("tfcli"))
    return {"TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}


def test_terraform_is_formatted(terraform_cli: dict[str, str]) -> None:
    result = run(["terraform", "fmt", "-check", "-recursive", "-diff", "terraform"], env=terraform_cli)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("directory", ["modules/durable_fabric", "modules/durable_function",
                                       "examples/complete"])
def test_terraform_validates(directory: str, terraform_cli: dict[str, str], tmp_path: Path) -> None:
    copy = tmp_path / "terraform"
    shutil.copytree(ROOT / "terraform", copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    workdir = copy / directory
    init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"],
               cwd=workdir, env=terraform_cli)
    assert init.returncode == 0, init.stdout + init.stderr
    result = run(["terraform", "validate", "-no-color"], cwd=workdir, env=terraform_cli)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["durable_fabric", "durable_function"])
def test_module_readmes_list_every_input_and_output(module: str) -> None:
    """Each module's README has a row per variable (with its default) and per output."""
    import re

    directory = ROOT / "terraform" / "modules" / module
    readme = (directory / "README.md").read_text()
    readme = readme[readme.index("## Inputs"):]
    source = "".join(p.read_text() for p in sorted(directory.glob("*.tf")))
    variables = re.findall(r'^variable "(\w+)"', source, flags=re.M)
    outputs = re.findall(r'^output "(\w+)"', source, flags=re.M)
    assert variables and outputs
    for name in variables + outputs:
        assert re.search(rf"^\| `{name}` \|", readme, flags=re.M), f"{module}/README.md: no row for {name}"
    for name, body in re.findall(r'^variable "(\w+)" \{(.*?)^\}', source, flags=re.M | re.S):
        default = re.search(r"^  default\s+=\s+(.+)$", body, flags=re.M)
        row = re.search(rf"^\| `{name}` \|.*$", readme, flags=re.M).group(0)
        assert (f"`{default.group(1).strip()}`" if default else "**required**") in row, name


def test_the_terraform_walkthrough_in_docs_deploy_md_validates(
        terraform_cli: dict[str, str], tmp_path: Path) -> None:
    """The copy-paste Terraform of docs/deploy.md §3 (SSM data sources + durable_function)."""
    import re

    text = (ROOT / "docs" / "deploy.md").read_text()
    section = text[text.index("### Terraform (in your own configuration)"):]
    snippet = re.search(r"```hcl\n(.*?)```", section, flags=re.S).group(1)
    assert "aws_ssm_parameter" in snippet and "ImportValue" not in snippet
    source = ROOT / "terraform" / "modules" / "durable_function"
    snippet = re.sub(r'source = "[^"]*"', f'source = "{source}"', snippet, count=1)
    (tmp_path / "main.tf").write_text(snippet)
    init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"],
               cwd=tmp_path, env=terraform_cli)
    assert init.returncode == 0, init.stdout + init.stderr
    result = run(["terraform", "validate", "-no-color"], cwd=tmp_path, env=terraform_cli)
    assert result.returncode == 0, result.stdout + result.stderr


def test_samconfig_builds_the_layer_variant_it_deploys(expanded: dict[str, Any]) -> None:
    """sam build picks the layer variant from its parameter overrides: per environment of
    samconfig.toml they name the same PythonRuntime and Architecture as the deploy's."""
    import re
    import tomllib

    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for environment, commands in config.items():
        if not isinstance(commands, dict) or "deploy" not in commands:
            continue
        chosen = {}
        for command in ("build", "deploy"):
            overrides = commands[command]["parameters"].get("parameter_overrides", "")
            values = dict(re.findall(r'(\w+)="([^"]*)"', overrides))
            assert set(values) <= set(expanded["Parameters"]), (environment, command)
            chosen[command] = (values.get("PythonRuntime"), values.get("Architecture"))
        assert chosen["build"] == chosen["deploy"] and None not in chosen["build"], environment
