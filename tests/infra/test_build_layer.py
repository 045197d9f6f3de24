"""scripts/build_layer.py and `sam build` produce a layer that AWS Lambda (python3.12, x86_64)
can load: durable_lambda without its dev-only testing package, pydantic-settings with its
compiled dependencies, no boto3."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT, SAM_VENV_BIN, sam_executable


def _python312() -> str:
    """A real python3.12 (pyenv's shim on PATH may refuse to run one)."""
    for candidate in [*sorted(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12")),
                      shutil.which("python3.12")]:
        if candidate and subprocess.run([str(candidate), "-c", "pass"], capture_output=True,
                                        timeout=30).returncode == 0:
            return str(candidate)
    return "python3.12-not-found"


PYTHON312 = _python312()


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_layer", ROOT / "scripts" / "build_layer.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def layer_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("layer") / "durable-lambda-layer.zip"
    assert _build_script().main(["--output", str(output)]) == 0
    return output


def test_layer_zip_has_the_runtime_and_its_dependencies_only(layer_zip: Path) -> None:
    names = zipfile.ZipFile(layer_zip).namelist()
    assert names and all(n.startswith("python/") for n in names)
    assert "python/durable_lambda/__init__.py" in names
    assert "python/durable_lambda/platform/router.py" in names
    assert not [n for n in names if n.startswith("python/durable_lambda/testing")]
    assert "python/pydantic_settings/__init__.py" in names
    assert [n for n in names if n.startswith("python/pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu")]
    assert not [n for n in names if n.startswith(("python/boto3", "python/botocore"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    unpacked = sum(i.file_size for i in zipfile.ZipFile(layer_zip).infolist())
    assert unpacked < 250 * 2**20  # Lambda's unzipped limit for function + layers


def test_layer_zip_is_reproducible(layer_zip: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    _build_script().main(["--output", str(again)])
    assert again.read_bytes() == layer_zip.read_bytes()


@pytest.mark.skipif(not Path(PYTHON312).exists(), reason="python3.12 (the Lambda runtime's) not installed")
def test_layer_imports_on_python312_without_site_packages(layer_zip: Path, tmp_path: Path) -> None:
    """Like /opt/python in Lambda: only the layer on the path (boto3 is not needed to import)."""
    zipfile.ZipFile(layer_zip).extractall(tmp_path)
    probe = ("import sys; sys.path.insert(0, sys.argv[1]);"
             "from durable_lambda.core.settings import get_settings;"
             "assert get_settings().require('queue') == 'q';"
             "import pydantic_core, durable_lambda;"
             "assert pydantic_core.__file__.startswith(sys.argv[1]);"
             "import importlib.util as u;"
             "assert u.find_spec('durable_lambda.testing') is None;"
             "assert u.find_spec('boto3') is None")
    env = {"PATH": os.environ.get("PATH", ""), "DURABLE_QUEUE": "q"}
    result = subprocess.run([PYTHON312, "-I", "-S", "-c", probe, str(tmp_path / "python")],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr


def test_function_zips_have_the_handler_at_the_root(tmp_path: Path) -> None:
    sizes = _build_script().build_function_zips(tmp_path)
    assert set(sizes) == {"router", "timer_forwarder", "signal_forwarder", "dlq_redriver"}
    for name in sizes:
        assert "app.py" in zipfile.ZipFile(tmp_path / f"{name}.zip").namelist()


def test_sam_build_uses_the_same_layer_build(tmp_path: Path) -> None:
    sam = sam_executable()
    if not sam:
        pytest.skip("aws-sam-cli is not installed (see docs/deploy.md: .venv-sam)")
    if not Path(PYTHON312).exists():
        pytest.skip("sam build needs python3.12 on PATH")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": os.pathsep.join([str(SAM_VENV_BIN), str(Path(PYTHON312).parent),
                                    os.environ.get("PATH", "")])}
    result = subprocess.run(
        [sam, "build", "--template-file", str(ROOT / "template.yaml"),
         "--build-dir", str(tmp_path / "build"), "--cache-dir", str(tmp_path / "cache")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layer = tmp_path / "build" / "DurableLayer" / "python"
    assert (layer / "durable_lambda" / "__init__.py").is_file()
    assert not (layer / "durable_lambda" / "testing").exists()
    assert (layer / "pydantic_settings").is_dir()
    for function in ("Router", "TimerForwarder", "SignalForwarder", "DlqRedriver"):
        assert (tmp_path / "build" / function / "app.py").is_file()
    assert "DurableLayer" in (tmp_path / "build" / "template.yaml").read_text()
