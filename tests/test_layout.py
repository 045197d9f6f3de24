"""The package layout stays the architecture: no import cycles, no oversized module, parts
depend only downwards (core <- actors/platform/workflows <- testing)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "layer" / "durable_lambda"
MAX_MODULE_LINES = 450
#: which parts each part may import (besides itself)
ALLOWED = {
    "core": set(),
    "actors": {"core"},
    "workflows": {"core"},
    "platform": {"core", "actors", "workflows"},
    "testing": {"core", "actors", "workflows", "platform"},
    "cli": {"core", "actors", "workflows", "platform", "testing"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every durable_lambda module ``path`` imports, anywhere in the file (TYPE_CHECKING and
    function-level imports count: they are still dependencies)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name.startswith("durable_lambda"):
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, modules) - {name} for name, path in paths.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_relative_imports_and_no_import_cycles() -> None:
    graph = _graph()
    # package __init__ files only re-export lazily (strings), so edges to parents are fine
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"import cycles: {cycles}"
    for path in PACKAGE.rglob("*.py"):
        assert "from ." not in path.read_text(), f"{path}: use absolute imports"


def test_parts_depend_only_downwards() -> None:
    wrong = []
    for module, deps in _graph().items():
        part = _part(module)
        if part not in ALLOWED:
            continue
        for dep in deps:
            other = _part(dep)
            if other in ALLOWED and other != part and other not in ALLOWED[part]:
                wrong.append(f"{module} -> {dep}")
    assert not wrong, "imports against the layering: " + ", ".join(sorted(wrong))


def test_no_module_over_the_size_limit() -> None:
    big = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines: {big}"


def test_public_api_still_imports_where_users_import_it() -> None:
    import durable_lambda
    import durable_lambda.workflows as workflows

    for name in durable_lambda.__all__:
        assert getattr(durable_lambda, name) is not None
    for name in workflows.__all__:
        assert getattr(workflows, name) is not None
    from durable_lambda import ActorClient, actor  # noqa: F401
    from durable_lambda.actors import ActorContext, WorkflowService  # noqa: F401
