#!/usr/bin/env python3
"""Build the durable-lambda Lambda layer, one zip per Python runtime and architecture.

The layer is ``python/durable_lambda`` (without the dev-only ``testing`` package) plus
pydantic-settings and its dependencies as manylinux wheels of the chosen runtime and
architecture; boto3 is left out because the Lambda runtime provides it. pydantic-core is
compiled, so a layer built for python3.12 on x86_64 does not import on python3.13 or on
arm64: build (and attach) the variant of the function.

    python scripts/build_layer.py                                 # every variant the registry has wheels for
    python scripts/build_layer.py --python 3.13 --arch arm64      # build/durable-lambda-layer-python3.13-arm64.zip
    python scripts/build_layer.py --python 3.12 --arch x86_64 --output layer.zip
    python scripts/build_layer.py --python 3.13 --arch arm64 --layer-dir DIR   # unpacked tree (sam build)
    python scripts/build_layer.py --functions-only                # build/functions/<name>.zip (Terraform)
    aws lambda publish-layer-version --layer-name durable-lambda \
        --zip-file fileb://build/durable-lambda-layer-python3.13-arm64.zip \
        --compatible-runtimes python3.13 --compatible-architectures arm64

Wheels are downloaded once into ``build/wheels`` (``--cache-dir``, or the environment
variable ``DURABLE_LAYER_WHEEL_CACHE``) and installed from there afterwards without the index.
Zips are reproducible (sorted entries, fixed timestamps and modes): the same sources and
wheels give the same bytes, so Terraform's hashes change only when the content does.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build"
PYTHON_VERSIONS = ("3.12", "3.13", "3.14")
ARCHITECTURES = ("x86_64", "arm64")
#: Lambda architecture -> (pip platform tag, CPython extension-suffix machine, ELF e_machine)
PLATFORMS = {"x86_64": ("manylinux2014_x86_64", "x86_64-linux-gnu", 62),
             "arm64": ("manylinux2014_aarch64", "aarch64-linux-gnu", 183)}
PLATFORM_FUNCTIONS = ("router", "timer_forwarder", "signal_forwarder", "dlq_redriver")
#: never shipped: dev-only code, caches, console scripts, and what the runtime already has
EXCLUDED_DIRS = {"testing", "cli", "__pycache__", "bin"}
#: where Lambda extracts a layer's python/ directory (the path tracebacks of its bytecode name)
LAYER_PYTHON_PATH = "/opt/python"
EXCLUDED_DISTRIBUTIONS = re.compile(r"^(boto3|botocore|s3transfer|jmespath)[-_.]", re.I)
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


class NoWheels(RuntimeError):
    """The registry has no binary wheels of a requirement for this runtime/architecture."""


@dataclass(frozen=True, order=True)
class Variant:
    """One Lambda runtime + architecture, e.g. python3.13 on arm64."""

    python: str  # "3.13"
    arch: str    # "x86_64" | "arm64"

    @classmethod
    def parse(cls, python: str, arch: str) -> "Variant":
        python = python.removeprefix("python")
        if python not in PYTHON_VERSIONS:
            raise ValueError(f"python {python!r}: expected one of {', '.join(PYTHON_VERSIONS)}")
        arch = {"aarch64": "arm64", "amd64": "x86_64"}.get(arch, arch)
        if arch not in ARCHITECTURES:
            raise ValueError(f"arch {arch!r}: expected one of {', '.join(ARCHITECTURES)}")
        return cls(python, arch)

    @property
    def runtime(self) -> str:
        return f"python{self.python}"

    @property
    def platform(self) -> str:
        return PLATFORMS[self.arch][0]

    @property
    def extension_suffix(self) -> str:
        """The suffix CPython gives compiled modules of this variant."""
        return f".cpython-{self.python.replace('.', '')}-{PLATFORMS[self.arch][1]}.so"

    @property
    def elf_machine(self) -> int:
        return PLATFORMS[self.arch][2]

    @property
    def zip_name(self) -> str:
        return f"durable-lambda-layer-{self.runtime}-{self.arch}.zip"

    @property
    def bytecode_tag(self) -> str:
        """The cache tag of this runtime's bytecode files (``*.cpython-313.pyc``)."""
        return f"cpython-{self.python.replace('.', '')}"

    def __str__(self) -> str:
        return f"{self.runtime}/{self.arch}"


ALL_VARIANTS = tuple(Variant(p, a) for p in PYTHON_VERSIONS for a in ARCHITECTURES)


def layer_requirements(requirements_file: Path = ROOT / "requirements.txt") -> list[str]:
    """The layer's third-party requirements, pinned as in requirements.txt.

    pydantic-settings must be pinned there; pydantic / pydantic-core are pinned too when
    requirements.txt pins them (so the layer ships the versions the tests ran with).
    """
    pins = [line.split("#")[0].strip() for line in requirements_file.read_text().splitlines()
            if re.match(r"^(pydantic-settings|pydantic|pydantic-core)==", line.strip())]
    if not any(pin.startswith("pydantic-settings==") for pin in pins):
        raise SystemExit(f"no 'pydantic-settings==' pin found in {requirements_file}")
    return pins


def default_cache_dir() -> Path:
    return Path(os.environ.get("DURABLE_LAYER_WHEEL_CACHE") or BUILD_DIR / "wheels")


def _pip(command: str, variant: Variant, *args: str) -> list[str]:
    return [sys.executable, "-m", "pip", command, "--disable-pip-version-check",
            "--platform", variant.platform, "--implementation", "cp",
            "--python-version", variant.python, "--only-binary=:all:", *args]


def install_dependencies(target: Path, requirements: list[str], variant: Variant,
                         cache_dir: Optional[Path] = None) -> None:
    """pip-install ``requirements`` as ``variant`` wheels into ``target``.

    From the wheel cache without the index when it has everything; otherwise the missing
    wheels are downloaded into the cache first.
    """
    cache = cache_dir or default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    install = _pip("install", variant, "--quiet", "--no-compile", "--no-warn-conflicts",
                   "--no-index", "--find-links", str(cache), "--target", str(target), *requirements)
    if subprocess.run(install, capture_output=True, text=True).returncode != 0:
        download = subprocess.run(_pip("download", variant, "--quiet", "--dest", str(cache),
                                       *requirements), capture_output=True, text=True)
        if download.returncode != 0:
            message = (download.stderr or download.stdout).strip()
            if "No matching distribution" in message or "Could not find a version" in message:
                raise NoWheels(f"{variant}: no wheels on the registry: {message.splitlines()[-1]}")
            raise SystemExit(f"pip download for {variant} failed:\n{message}")
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        subprocess.run(install, check=True)
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


def find_interpreter(version: str) -> Optional[str]:
    """An interpreter of Python ``version`` ("3.13") on this machine (PATH, then pyenv's
    versions), or None."""
    candidates = [shutil.which(f"python{version}") or ""]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(str(p) for p in Path(pyenv_root).glob(f"versions/{version}*/bin/python{version}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def compile_bytecode(python_dir: Path, variant: Variant) -> bool:
    """Byte-compile the layer tree with an interpreter of the variant's Python version.

    Lambda extracts layers to a read-only /opt, so a layer without bytecode is compiled from
    source on every cold start (+400-500 ms measured by ``scripts/bench_cold_start.py
    --no-pyc``). Bytecode is architecture-independent but tied to the minor version. The
    ``unchecked-hash`` mode stores no source timestamp (reproducible zips) and skips the
    stat on import. Returns False, with a warning, when no such interpreter is here."""
    interpreter = find_interpreter(variant.python)
    if interpreter is None:
        print(f"warning: no python{variant.python} here: the {variant} layer ships without "
              "bytecode (slower cold starts)", file=sys.stderr)
        return False
    subprocess.run([interpreter, "-m", "compileall", "-q", "-d", LAYER_PYTHON_PATH,
                    "--invalidation-mode", "unchecked-hash", str(python_dir)], check=True,
                   env={**os.environ, "PYTHONHASHSEED": "0"})
    return True


def build_layer_tree(destination: Path, source: Path, requirements: list[str], variant: Variant,
                     cache_dir: Optional[Path] = None, bytecode: bool = True) -> Path:
    """Write the unpacked layer (``python/...``) of ``variant`` into ``destination``."""
    python_dir = destination / "python"
    python_dir.mkdir(parents=True, exist_ok=True)
    install_dependencies(python_dir, requirements, variant, cache_dir)
    copy_package(source, python_dir)
    if bytecode:
        compile_bytecode(python_dir, variant)
    check_compiled_files(python_dir, variant)
    return python_dir


def _files(base: Path) -> Iterable[Path]:
    """Every file of the staged tree (its ``__pycache__`` is the bytecode built for it)."""
    skipped = EXCLUDED_DIRS - {"__pycache__"}
    return sorted(p for p in base.rglob("*") if p.is_file()
                  and not skipped.intersection(p.relative_to(base).parts[:-1]))


def write_zip(base: Path, output: Path) -> int:
    """Zip every file under ``base`` (paths relative to it) reproducibly; returns the size."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in _files(base):
            info = zipfile.ZipInfo(path.relative_to(base).as_posix(), FIXED_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    partial.replace(output)  # never leave a half-written zip where Terraform looks for one
    return output.stat().st_size


def elf_machine(header: bytes) -> Optional[int]:
    """e_machine of a little-endian ELF header, None when ``header`` is not one."""
    if header[:4] != b"\x7fELF" or len(header) < 20:
        return None
    return int.from_bytes(header[18:20], "little")


def compiled_file_problems(files: Iterable[tuple[str, bytes]], variant: Variant) -> list[str]:
    """What is wrong with the compiled modules among ``(name, first bytes)`` for ``variant``:
    a CPython tag of another version or machine, or an ELF header of another machine."""
    problems = []
    for name, header in files:
        if name.endswith(".pyc"):
            if f".{variant.bytecode_tag}." not in name.rsplit("/", 1)[-1]:
                problems.append(f"{name}: bytecode not of {variant.bytecode_tag}")
            continue
        if not name.endswith(".so"):
            continue
        tagged = re.search(r"\.cpython-\d+-[a-z0-9_]+-linux-gnu\.so$", name)
        if tagged and not name.endswith(variant.extension_suffix):
            problems.append(f"{name}: not {variant.extension_suffix}")
        elif not tagged and not name.endswith(".abi3.so"):
            problems.append(f"{name}: no CPython tag")
        machine = elf_machine(header)
        if machine != variant.elf_machine:
            problems.append(f"{name}: ELF machine {machine}, expected {variant.elf_machine} ({variant.arch})")
    return problems


def check_compiled_files(base: Path, variant: Variant) -> None:
    found = [(p.relative_to(base).as_posix(), p.read_bytes()[:64])
             for pattern in ("*.so", "*.pyc") for p in base.rglob(pattern)]
    problems = compiled_file_problems(found, variant)
    if problems:
        raise SystemExit(f"layer {variant}: wrong compiled files:\n  " + "\n  ".join(problems))


def build_layer_zip(output: Path, source: Path, requirements: list[str], variant: Variant,
                    cache_dir: Optional[Path] = None, bytecode: bool = True) -> int:
    """Build the layer zip of ``variant`` at ``output``; returns its size in bytes."""
    with tempfile.TemporaryDirectory(prefix="durable-layer-") as staging:
        build_layer_tree(Path(staging), source, requirements, variant, cache_dir, bytecode)
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


def chosen_variants(pythons: Sequence[str], archs: Sequence[str]) -> list[Variant]:
    try:
        return sorted({Variant.parse(p, a) for p in (pythons or PYTHON_VERSIONS)
                       for a in (archs or ARCHITECTURES)})
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", action="append", default=[], metavar="3.X",
                        help=f"runtime to build for, repeatable ({', '.join(PYTHON_VERSIONS)}; "
                             "default: all the registry has wheels for)")
    parser.add_argument("--arch", action="append", default=[], metavar="ARCH",
                        help=f"architecture, repeatable ({', '.join(ARCHITECTURES)}; default: both)")
    parser.add_argument("--output-dir", type=Path, default=BUILD_DIR,
                        help="where durable-lambda-layer-<runtime>-<arch>.zip go (default: build/)")
    parser.add_argument("--output", type=Path, help="zip path for a single variant")
    parser.add_argument("--layer-dir", type=Path,
                        help="write the unpacked layer tree of a single variant here (sam build)")
    parser.add_argument("--source", type=Path, default=ROOT / "layer",
                        help="directory holding the durable_lambda package (default: layer/)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="wheel cache (default: $DURABLE_LAYER_WHEEL_CACHE or build/wheels)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="ship sources only (default: byte-compile each variant with an "
                             "interpreter of its version when one is on this machine)")
    parser.add_argument("--functions", action="store_true",
                        help="also zip the platform functions into --functions-dir")
    parser.add_argument("--functions-only", action="store_true",
                        help="zip only the platform functions (no layer)")
    parser.add_argument("--functions-dir", type=Path, default=BUILD_DIR / "functions")
    args = parser.parse_args(argv)

    if not args.functions_only:
        explicit = bool(args.python or args.arch)
        variants = chosen_variants(args.python, args.arch)
        single = args.output or args.layer_dir
        if single and len(variants) != 1:
            parser.error("--output and --layer-dir build one variant: give one --python and one --arch")
        requirements = layer_requirements()
        built = 0
        for variant in variants:
            try:
                if args.layer_dir:
                    python_dir = build_layer_tree(args.layer_dir, args.source, requirements, variant,
                                                  args.cache_dir, not args.no_bytecode)
                    print(f"layer tree ({variant}): {python_dir}")
                else:
                    output = args.output or args.output_dir / variant.zip_name
                    size = build_layer_zip(output, args.source, requirements, variant,
                                           args.cache_dir, not args.no_bytecode)
                    print(f"layer zip ({variant}): {output} ({size:,} bytes, {size / 2**20:.1f} MiB)")
                built += 1
            except NoWheels as exc:
                if explicit:
                    raise SystemExit(str(exc)) from exc
                print(f"skipped: {exc}", file=sys.stderr)
        if not built:
            raise SystemExit("no layer variant could be built")
    if args.functions or args.functions_only:
        for name, size in build_function_zips(args.functions_dir).items():
            print(f"function zip: {args.functions_dir / (name + '.zip')} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
