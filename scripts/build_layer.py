#!/usr/bin/env python3
"""Build the durable-lambda Lambda layer (and, optionally, the platform function zips).

The layer is ``python/durable_lambda`` (without the dev-only ``testing`` package) plus
pydantic-settings and its dependencies as manylinux x86_64 wheels for python3.12; boto3 is
left out because the Lambda runtime provides it.

    python scripts/build_layer.py                      # build/durable-lambda-layer.zip
    python scripts/build_layer.py --functions          # + build/functions/<name>.zip
    python scripts/build_layer.py --layer-dir DIR      # unpacked tree (used by `sam build`)
    aws lambda publish-layer-version --layer-name durable-lambda \
        --zip-file fileb://build/durable-lambda-layer.zip \
        --compatible-runtimes python3.12 --compatible-architectures x86_64

Zips are reproducible (sorted entries, fixed timestamps), so Terraform's
``filebase64sha256`` only changes when the content does.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_x86_64"
PLATFORM_FUNCTIONS = ("router", "timer_forwarder", "signal_forwarder", "dlq_redriver")
#: never shipped: dev-only code, caches, and what the runtime already has
EXCLUDED_DIRS = {"testing", "cli", "__pycache__", "bin"}
EXCLUDED_DISTRIBUTIONS = re.compile(r"^(boto3|botocore|s3transfer|jmespath)[-_.]", re.I)
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def layer_requirements(requirements_file: Path = ROOT / "requirements.txt") -> list[str]:
    """The layer's third-party requirements, pinned as in requirements.txt.

    pydantic-settings must be pinned there; pydantic / pydantic-core are pinned too when
    requirements-dev.txt pins them (so the layer ships the versions the tests ran with).
    """
    pins = [line.split("#")[0].strip() for line in requirements_file.read_text().splitlines()
            if re.match(r"^(pydantic-settings|pydantic|pydantic-core)==", line.strip())]
    if not any(pin.startswith("pydantic-settings==") for pin in pins):
        pins = []
    if not pins:
        raise SystemExit(f"no 'pydantic-settings==' pin found in {requirements_file}")
    return pins


def install_dependencies(target: Path, requirements: list[str]) -> None:
    """pip-install ``requirements`` as python3.12 manylinux x86_64 wheels into ``target``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--platform", PLATFORM, "--implementation", "cp", "--python-version", PYTHON_VERSION,
         "--only-binary=:all:", "--no-compile", "--no-warn-conflicts", "--target", str(target), *requirements],
        check=True)
    for path in list(target.iterdir()):
        if EXCLUDED_DISTRIBUTIONS.match(path.name) or path.name in EXCLUDED_DIRS:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def copy_package(source: Path, target: Path) -> None:
    """Copy the ``durable_lambda`` package from ``source`` without its excluded parts."""
    package = source / "durable_lambda"
    if not (package / "__init__.py").is_file():
        raise SystemExit(f"{package} is not the durable_lambda package")
    shutil.copytree(package, target / "durable_lambda",
                    ignore=shutil.ignore_patterns(*EXCLUDED_DIRS, "*.pyc"))


def build_layer_tree(destination: Path, source: Path, requirements: list[str]) -> Path:
    """Write the unpacked layer (``python/...``) into ``destination``; returns python/."""
    python_dir = destination / "python"
    python_dir.mkdir(parents=True, exist_ok=True)
    install_dependencies(python_dir, requirements)
    copy_package(source, python_dir)
    return python_dir


def _files(base: Path) -> Iterable[Path]:
    return sorted(p for p in base.rglob("*") if p.is_file()
                  and not EXCLUDED_DIRS.intersection(p.relative_to(base).parts[:-1])
                  and p.suffix != ".pyc")


def write_zip(base: Path, output: Path) -> int:
    """Zip every file under ``base`` (paths relative to it) reproducibly; returns the size."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in _files(base):
            info = zipfile.ZipInfo(path.relative_to(base).as_posix(), FIXED_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return output.stat().st_size


def build_layer_zip(output: Path, source: Path, requirements: list[str]) -> int:
    """Build the layer zip at ``output``; returns its size in bytes."""
    with tempfile.TemporaryDirectory(prefix="durable-layer-") as staging:
        build_layer_tree(Path(staging), source, requirements)
        return write_zip(Path(staging), output)


def build_function_zips(output_dir: Path, names: Iterable[str] = PLATFORM_FUNCTIONS) -> dict[str, int]:
    """Zip ``functions/<name>/`` into ``output_dir/<name>.zip`` (handler ``app.handler``)."""
    sizes = {}
    for name in names:
        source = ROOT / "functions" / name
        if not (source / "app.py").is_file():
            raise SystemExit(f"{source}/app.py is missing: the platform function {name} has no handler")
        sizes[name] = write_zip(source, output_dir / f"{name}.zip")
    return sizes


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "durable-lambda-layer.zip",
                        help="layer zip to write (default: build/durable-lambda-layer.zip)")
    parser.add_argument("--layer-dir", type=Path,
                        help="write the unpacked layer tree here instead of a zip (sam build)")
    parser.add_argument("--source", type=Path, default=ROOT / "layer",
                        help="directory holding the durable_lambda package (default: layer/)")
    parser.add_argument("--functions", action="store_true",
                        help="also zip the platform functions into build/functions/")
    parser.add_argument("--functions-dir", type=Path, default=ROOT / "build" / "functions")
    args = parser.parse_args(argv)
    requirements = layer_requirements()
    if args.layer_dir:
        python_dir = build_layer_tree(args.layer_dir, args.source, requirements)
        print(f"layer tree: {python_dir}")
    else:
        size = build_layer_zip(args.output, args.source, requirements)
        print(f"layer zip: {args.output} ({size:,} bytes, {size / 2**20:.1f} MiB)")
    if args.functions:
        for name, size in build_function_zips(args.functions_dir).items():
            print(f"function zip: {args.functions_dir / (name + '.zip')} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
