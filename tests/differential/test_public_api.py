"""Every public name of the official package (its ``__all__``) and of its modules ``config``,
``retries``, ``waits``, ``exceptions``, ``types``, ``serdes`` and ``plugin`` must be importable from
``durable_lambda.workflows`` / the same-named submodule, with the same signature: parameter names,
kinds and defaults (``inspect.signature``), for functions, class constructors and the public
methods of classes; enums with the same members and values.

A module's public names are the names it defines at top level (classes, functions, assignments not
starting with ``_``), read from its source; TypeVars/ParamSpecs and the module ``logger`` are not API.
"""
from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
from typing import Any, Optional

import pytest

from tests.differential.harness import OFFICIAL, OURS, official_unavailable_reason

pytestmark = pytest.mark.skipif(official_unavailable_reason() is not None,
                                reason=official_unavailable_reason() or "")

MODULES = ["", "config", "retries", "waits", "exceptions", "types", "serdes", "plugin"]
_NOT_API_CALLS = {"TypeVar", "ParamSpec", "NewType"}
_NOT_API_NAMES = {"logger"}


def _module(base: str, sub: str) -> Any:
    return importlib.import_module(f"{base}.{sub}" if sub else base)


def official_names(sub: str) -> list[str]:
    module = _module(OFFICIAL, sub)
    if not sub:
        return sorted(module.__all__)
    tree = ast.parse(inspect.getsource(module))
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) in _NOT_API_CALLS:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.extend(t.id for t in targets if isinstance(t, ast.Name))
    return sorted({n for n in names if not n.startswith("_") and n not in _NOT_API_NAMES})


def _default(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "<required>"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if repr(value) == "<factory>":
        return "<factory>"
    return f"<{type(value).__name__}>"


def signature_of(obj: Any) -> Optional[list[tuple[str, str, str]]]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return [(p.name, p.kind.name, _default(p.default)) for p in sig.parameters.values()]


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "enum" if issubclass(obj, enum.Enum) else "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        return "function"
    if inspect.ismodule(obj):
        return "module"
    return "value"


def _official_members(cls: type) -> dict[str, Any]:
    """Public attributes a class defines itself or inherits from the official package."""
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if not getattr(klass, "__module__", "").startswith(OFFICIAL):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") or name == "__call__":
                members[name] = value
    if dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            members.setdefault(field.name, field)
    return members


def _member_signature(cls: type, name: str, raw: Any) -> Optional[list[tuple[str, str, str]]]:
    if isinstance(raw, property) or isinstance(raw, dataclasses.Field):
        return None
    try:
        value = getattr(cls, name)
    except AttributeError:
        return None
    return signature_of(value) if callable(value) else None


def compare_name(sub: str, name: str, official: Any, ours_module: Any) -> list[str]:
    where = f"{OURS}{'.' + sub if sub else ''}.{name}"
    if not hasattr(ours_module, name):
        return [f"missing: {where} ({_kind(official)})"]
    ours = getattr(ours_module, name)
    if name == "__version__":
        return []
    problems: list[str] = []
    kind, ours_kind = _kind(official), _kind(ours)
    if kind != ours_kind:
        return [f"{where}: is a {ours_kind}, the official one is a {kind}"]
    if kind == "enum":
        expected = {m.name: m.value for m in official}
        actual = {m.name: m.value for m in ours}
        if expected != actual:
            problems.append(f"{where}: members {actual}, official {expected}")
        return problems
    if kind == "value":
        if isinstance(official, (bool, int, float, str, tuple, frozenset)):
            if official != ours:
                problems.append(f"{where}: value {ours!r}, official {official!r}")
        elif type(official).__name__ != type(ours).__name__:
            problems.append(f"{where}: a {type(ours).__name__}, official a "
                            f"{type(official).__name__}")
        return problems
    expected_sig, actual_sig = signature_of(official), signature_of(ours)
    if expected_sig != actual_sig:
        problems.append(f"{where}{'()' if kind == 'function' else ' constructor'}: signature "
                        f"{actual_sig}, official {expected_sig}")
    if kind == "class":
        ours_fields = {f.name for f in dataclasses.fields(ours)} if dataclasses.is_dataclass(ours) \
            else set()
        for member, raw in sorted(_official_members(official).items()):
            if not hasattr(ours, member) and member not in ours_fields:
                problems.append(f"{where}.{member}: missing member")
                continue
            if not hasattr(ours, member):
                continue  # a field without a class-level default: present, nothing to call
            ours_raw = inspect.getattr_static(ours, member, None)
            if callable(getattr(official, member, None)) and isinstance(ours_raw, property):
                problems.append(f"{where}.{member}: a property, the official one is a method")
                continue
            expected_member = _member_signature(official, member, raw)
            if expected_member is not None:
                actual_member = signature_of(getattr(ours, member))
                if expected_member != actual_member:
                    problems.append(f"{where}.{member}(): signature {actual_member}, official "
                                    f"{expected_member}")
    return problems


def public_api_differences(sub: str) -> list[str]:
    official_module = _module(OFFICIAL, sub)
    try:
        ours_module = _module(OURS, sub)
    except Exception as exc:  # noqa: BLE001 - the whole module is missing
        return [f"module {OURS}{'.' + sub if sub else ''} does not import "
                f"({type(exc).__name__}: {exc}); its official names: "
                f"{', '.join(official_names(sub))}"]
    problems: list[str] = []
    for name in official_names(sub):
        problems.extend(compare_name(sub, name, getattr(official_module, name), ours_module))
    return problems


@pytest.mark.parametrize("sub", MODULES, ids=lambda s: s or "package")
def test_public_names_and_signatures(sub):
    problems = public_api_differences(sub)
    assert not problems, (f"{len(problems)} differences from {OFFICIAL}{'.' + sub if sub else ''}"
                          ":\n  " + "\n  ".join(problems))
