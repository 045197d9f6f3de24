"""scripts/build_layer.py and `sam build` produce, for every Lambda Python runtime and
architecture, a layer that runtime can load: durable_lambda without its dev-only packages,
pydantic-settings with the compiled pydantic-core of that runtime and architecture, no boto3.

Each layer's modules are imported with every Python interpreter on this machine of the
layer's version (pyenv's 3.12 and 3.13 here) and only the layer and what the Lambda runtime
provides (boto3) on the path; a layer whose interpreter is missing, or built for another
architecture than this machine's, is skipped with the reason.
"""
from __future__ import annotations

import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT, SAM_VENV_BIN, sam_executable


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_layer", ROOT / "scripts" / "build_layer.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BUILD = _build_script()
VARIANTS = BUILD.ALL_VARIANTS
HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower(), platform.machine())
#: what the Lambda Python runtime provides besides the standard library
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def _runs(candidate: Path) -> bool:
    try:
        return subprocess.run([str(candidate), "-c", "pass"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@lru_cache(maxsize=None)
def interpreters(version: str) -> tuple[str, ...]:
    """Every working CPython ``version`` here: pyenv's versions (its shims on PATH may refuse
    to run one) and ``python<version>`` on PATH."""
    roots = [Path(os.environ["PYENV_ROOT"])] if os.environ.get("PYENV_ROOT") else []
    pyenv = shutil.which("pyenv")
    if pyenv:
        result = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30)
        if result.returncode == 0 and result.stdout.strip():
            roots.append(Path(result.stdout.strip()))
    roots.append(Path.home() / ".pyenv")
    found: list[str] = []
    for root in dict.fromkeys(roots):
        for candidate in sorted(root.glob(f"versions/{version}*/bin/python{version}")):
            if str(candidate.resolve()) not in found and _runs(candidate):
                found.append(str(candidate.resolve()))
    on_path = shutil.which(f"python{version}")
    if on_path and _runs(Path(on_path)):
        probe = subprocess.run([on_path, "-c", "import sys; print(sys.executable)"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        if probe and str(Path(probe).resolve()) not in found:
            found.append(str(Path(probe).resolve()))
    return tuple(found)


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> dict[object, Path]:
    """Every variant, built once (wheels from the cache under build/ after the first run)."""
    output = tmp_path_factory.mktemp("layers")
    assert BUILD.main(["--output-dir", str(output)]) == 0
    built = {v: output / v.zip_name for v in VARIANTS}
    missing = [str(v) for v, path in built.items() if not path.is_file()]
    assert not missing, f"the registry has pydantic-core wheels for every variant, not built: {missing}"
    return built


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_each_zip_has_the_runtime_and_its_dependencies_only(variant: object, layers: dict[object, Path]) -> None:
    archive = zipfile.ZipFile(layers[variant])
    names = archive.namelist()
    assert names and all(n.startswith("python/") for n in names)
    assert "python/durable_lambda/__init__.py" in names
    assert not [n for n in names if n.startswith(("python/durable_lambda/testing/", "python/durable_lambda/cli/"))]
    assert "python/pydantic_settings/__init__.py" in names
    assert not [n for n in names if n.startswith(("python/boto3", "python/botocore"))]
    # bytecode only of this runtime, built for the layer (never the dev tree's caches)
    bytecode = [n for n in names if n.endswith(".pyc")]
    assert all(f".{variant.bytecode_tag}.pyc" in n and "/__pycache__/" in n for n in bytecode)
    if BUILD.find_interpreter(variant.python):  # compiled here: every source has its bytecode
        sources = [n for n in names if n.endswith(".py") and n.startswith(
            ("python/durable_lambda/", "python/pydantic/", "python/pydantic_settings/"))]
        cached = {n.replace("/__pycache__/", "/").replace(f".{variant.bytecode_tag}.pyc", ".py")
                  for n in bytecode}
        assert sources and not [n for n in sources if n not in cached]
    unpacked = sum(i.file_size for i in archive.infolist())
    assert unpacked < 250 * 2**20  # Lambda's unzipped limit for function + layers
    assert layers[variant].stat().st_size < 50 * 2**20  # direct upload limit


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_every_compiled_file_matches_the_runtime_and_architecture(
        variant: object, layers: dict[object, Path]) -> None:
    """File names carry the runtime's CPython tag and machine; ELF headers the machine."""
    archive = zipfile.ZipFile(layers[variant])
    compiled = [(n, archive.read(n)[:64]) for n in archive.namelist() if n.endswith(".so")]
    assert [n for n, _ in compiled if n.endswith(variant.extension_suffix)], "no pydantic-core"
    assert BUILD.compiled_file_problems(compiled, variant) == []


def test_the_check_refuses_a_file_of_another_variant() -> None:
    x86_312, arm_313 = BUILD.Variant("3.12", "x86_64"), BUILD.Variant("3.13", "arm64")
    elf_x86 = b"\x7fELF\x02\x01\x01" + bytes(11) + (62).to_bytes(2, "little")
    name = "python/pydantic_core/_pydantic_core" + x86_312.extension_suffix
    assert BUILD.compiled_file_problems([(name, elf_x86)], x86_312) == []
    problems = BUILD.compiled_file_problems([(name, elf_x86)], arm_313)
    assert len(problems) == 2 and "cpython-313-aarch64" in problems[0] and "ELF machine 62" in problems[1]
    pyc = "python/durable_lambda/__pycache__/__init__.cpython-312.pyc"
    assert BUILD.compiled_file_problems([(pyc, b"")], x86_312) == []
    assert "not of cpython-313" in BUILD.compiled_file_problems([(pyc, b"")], arm_313)[0]


def test_zip_names_and_variants() -> None:
    assert {v.zip_name for v in VARIANTS} == {
        f"durable-lambda-layer-python{p}-{a}.zip" for p in ("3.12", "3.13", "3.14") for a in ("arm64", "x86_64")}
    assert BUILD.Variant.parse("python3.13", "aarch64") == BUILD.Variant("3.13", "arm64")
    with pytest.raises(ValueError):
        BUILD.Variant.parse("3.11", "x86_64")


def test_a_zip_is_reproducible(layers: dict[object, Path], tmp_path: Path) -> None:
    variant = BUILD.Variant("3.13", "arm64")
    again = tmp_path / "again.zip"
    assert BUILD.main(["--python", "3.13", "--arch", "arm64", "--output", str(again)]) == 0
    assert again.read_bytes() == layers[variant].read_bytes()


def _runtime_provided(tmp_path: Path) -> Path:
    """boto3 and its dependencies, as the Lambda runtime has them (pure Python: any 3.x)."""
    import boto3

    site = Path(boto3.__file__).parent.parent
    provided = tmp_path / "runtime"
    provided.mkdir()
    for name in RUNTIME_PROVIDED:
        if (site / name).exists():
            (provided / name).symlink_to(site / name)
    return provided


PROBE = r"""
import importlib, importlib.util, pkgutil, sys
layer, provided = sys.argv[1], sys.argv[2]
sys.path[:0] = [layer, provided]
import durable_lambda, pydantic_core, pydantic_settings
assert pydantic_core.__file__.startswith(layer), pydantic_core.__file__
assert importlib.util.find_spec("durable_lambda.testing") is None
failed, imported = [], 0
for info in pkgutil.walk_packages(durable_lambda.__path__, "durable_lambda."):
    try:
        importlib.import_module(info.name)
        imported += 1
    except Exception as exc:
        failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
from durable_lambda.core.settings import get_settings
assert get_settings().require("queue") == "q"
print(imported)
assert not failed, "\n".join(failed)
"""


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_every_module_imports_with_each_interpreter_of_the_runtime(
        variant: object, layers: dict[object, Path], tmp_path: Path) -> None:
    """Like /opt/python in Lambda: the layer, then what the runtime provides; no site-packages."""
    if variant.arch != HOST_ARCH:
        pytest.skip(f"{variant}: built for {variant.arch}, this machine is {HOST_ARCH} "
                    "(its compiled files are checked by name and ELF header instead)")
    found = interpreters(variant.python)
    if not found:
        pytest.skip(f"{variant}: no Python {variant.python} interpreter on this machine "
                    f"(pyenv versions/{variant.python}*, python{variant.python} on PATH)")
    zipfile.ZipFile(layers[variant]).extractall(tmp_path / "opt")
    provided = _runtime_provided(tmp_path)
    modules = [p for p in (tmp_path / "opt" / "python" / "durable_lambda").rglob("*.py")
               if p.name != "__init__.py"]
    for interpreter in found:
        result = subprocess.run(
            [interpreter, "-I", "-S", "-B", "-c", PROBE, str(tmp_path / "opt" / "python"), str(provided)],
            capture_output=True, text=True, timeout=300,
            env={"PATH": os.environ.get("PATH", ""), "DURABLE_QUEUE": "q"})
        assert result.returncode == 0, f"{interpreter}:\n{result.stdout}\n{result.stderr}"
        assert int(result.stdout.strip().splitlines()[-1]) >= len(modules), result.stdout


def test_function_zips_have_the_handler_at_the_root(tmp_path: Path) -> None:
    sizes = BUILD.build_function_zips(tmp_path)
    assert set(sizes) == {"router", "timer_forwarder", "signal_forwarder", "dlq_redriver"}
    for name in sizes:
        assert "app.py" in zipfile.ZipFile(tmp_path / f"{name}.zip").namelist()


def test_sam_has_a_layer_build_for_every_runtime_and_architecture(expanded: dict) -> None:
    """template.yaml's ContextPath scripts/sam/layer/<PythonRuntime>-<Architecture>: one
    Makefile per allowed pair, building that variant."""
    parameters = expanded["Parameters"]
    pairs = {(r, a) for r in parameters["PythonRuntime"]["AllowedValues"]
             for a in parameters["Architecture"]["AllowedValues"]}
    assert pairs == {(v.runtime, v.arch) for v in VARIANTS}
    for runtime, arch in pairs:
        makefile = (ROOT / "scripts" / "sam" / "layer" / f"{runtime}-{arch}" / "Makefile").read_text()
        assert re.search(rf"^LAYER_PYTHON := {runtime.removeprefix('python')}$", makefile, re.M)
        assert re.search(rf"^LAYER_ARCH := {arch}$", makefile, re.M)


def _sam_build(tmp_path: Path, *overrides: str) -> Path:
    sam = sam_executable()
    if not sam:
        pytest.skip("aws-sam-cli is not installed (see docs/deploy.md: .venv-sam)")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": os.pathsep.join([str(SAM_VENV_BIN), os.environ.get("PATH", "")])}
    command = [sam, "build", "--template-file", str(ROOT / "template.yaml"),
               "--build-dir", str(tmp_path / "build"), "--cache-dir", str(tmp_path / "cache")]
    if overrides:
        command += ["--parameter-overrides", " ".join(overrides)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return tmp_path / "build"


def _compiled(layer: Path) -> list[str]:
    return sorted(p.name for p in layer.rglob("*.so"))


def test_sam_build_builds_the_chosen_variant(tmp_path: Path) -> None:
    """`sam build --parameter-overrides PythonRuntime=python3.13 Architecture=arm64` builds
    that layer (and the platform functions without any Python of the runtime)."""
    build = _sam_build(tmp_path, "PythonRuntime=python3.13", "Architecture=arm64")
    layer = build / "DurableLayer" / "python"
    assert (layer / "durable_lambda" / "__init__.py").is_file()
    assert not (layer / "durable_lambda" / "testing").exists()
    assert (layer / "pydantic_settings").is_dir()
    assert _compiled(layer) == ["_pydantic_core.cpython-313-aarch64-linux-gnu.so"]
    for function in ("Router", "TimerForwarder", "SignalForwarder", "DlqRedriver"):
        assert (build / function / "app.py").is_file()
    assert "DurableLayer" in (build / "template.yaml").read_text()


def test_sam_build_defaults_to_python312_on_x86_64(tmp_path: Path) -> None:
    build = _sam_build(tmp_path)
    assert _compiled(build / "DurableLayer" / "python") == ["_pydantic_core.cpython-312-x86_64-linux-gnu.so"]


def test_terraform_hashes_the_files_the_layer_ships() -> None:
    """durable_fabric decides a rebuild from the hash of durable_lambda's files outside its
    layer_excluded_dirs: they must be the script's EXCLUDED_DIRS, so a change to a shipped file
    rebuilds the layer and a change to a dev-only one does not."""
    source = (ROOT / "terraform" / "modules" / "durable_fabric" / "build.tf").read_text()
    listed = re.search(r"layer_excluded_dirs\s*=\s*\[([^]]*)\]", source)
    assert listed
    assert {x.strip().strip('"') for x in listed.group(1).split(",")} == BUILD.EXCLUDED_DIRS
