"""The layout holds: one slice per concern, no import cycle, a program that only declares what was decided."""

from __future__ import annotations

import ast
from pathlib import Path

from infra import naming
from infra.config import PROJECT_ROOT

INFRA = PROJECT_ROOT / "infra"


def _imports(path: Path) -> set[str]:
    """The ``infra`` modules a module imports at import time (not under TYPE_CHECKING, not inside functions)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("infra"):
            if node.module == "infra":
                found |= {f"infra.{a.name}" for a in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("infra")}
    return found


def _module(path: Path) -> str:
    rel = path.relative_to(PROJECT_ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in INFRA.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for imported in _imports(path):
            # "infra.config.models" -> that module; "infra.config" -> the package
            deps.add(imported if imported in modules else imported.rsplit(".", 1)[0])
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*trail, node, dep]
            if dep not in state and (found := visit(dep, [*trail, node])):
                return found
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node, [])):
            return found
    return None


def test_no_import_cycle_between_infra_modules():
    graph = _graph()
    assert "infra.topology" in graph and "infra.gateway" in graph["infra.topology"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_check_can_fail():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_slices_do_not_import_the_hub():
    """Slices read each other's specs from ``infra.specs``, never from the module that runs them."""
    graph = _graph()
    for slice_ in ("infra.network", "infra.tenancy", "infra.gateway", "infra.costs", "infra.operations"):
        assert "infra.topology" not in graph[slice_], slice_
        assert "infra.program" not in graph[slice_], slice_


def test_program_reads_no_config_and_builds_no_azure_names():
    tree = ast.parse((INFRA / "program.py").read_text())
    config_reads = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "config"]
    assert config_reads == [], f"program.py reads raw config at lines {config_reads}"
    # Azure names start with these (infra/naming.py); only naming.py may write them.
    prefixes = ("oai-", "pe-", "ag-", "log-", "appi-", "apim-", "rg-", "alz-", "pool-", "budget-contoso")
    literals = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith(prefixes)
    ]
    assert literals == []
    assert naming.private_endpoint("x") == "pe-x"  # the prefixes above are the real ones


def test_the_config_package_has_shape_only():
    """Rules between values live in the slices: the config models hold no cross-field check."""
    models = (INFRA / "config" / "models.py").read_text()
    assert "model_validator" not in models and "def checks" not in models
    for slice_ in ("network", "tenancy", "gateway", "costs", "operations", "parity"):
        assert "def checks(" in (INFRA / f"{slice_}.py").read_text(), slice_
