"""The layout holds: one slice per concern, no import cycle, a program that only declares what was decided."""

from __future__ import annotations

import ast
import re
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
    slices = ("network", "tenancy", "gateway", "gateway_checks", "deployments", "costs", "operations")
    for slice_ in (f"infra.{s}" for s in slices):
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
    for slice_ in ("network", "tenancy", "gateway_checks", "costs", "operations", "parity"):
        assert "def checks(" in (INFRA / f"{slice_}.py").read_text(), slice_


# Every Azure type fact comes from the registry (infra/azure_types.py): no other module of infra/ or policy/
# writes a type token or an ARM path. components/ registers its types through the SDK and stays out of scope.
TYPE_TOKEN = re.compile(r"azure-native:[a-z]+(?:/v[0-9a-z]+)?:[A-Z]\w*")
ARM_PATH = re.compile(r"Microsoft\\?\.[A-Z][A-Za-z]+/[A-Za-z]+")
TYPE_FACTS_ALLOWED = {
    # a subnet delegation's service name (API Management v2 VNet integration), not a type the landing zone declares
    ("infra/network.py", "Microsoft.Web/serverFarms"),
    # the shapes of IDs a stack file gives for resources the landing zone does not create (a subnet, a hub's DNS
    # zone, a central workspace): the config package validates shape and imports nothing but its own
    ("infra/config/types.py", "Microsoft.Network/virtualNetworks"),
    ("infra/config/types.py", "Microsoft.Network/privateDnsZones"),
    ("infra/config/types.py", "Microsoft.OperationalInsights/workspaces"),
}


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String values in code, an f-string with ``{}`` for each field; docstrings and other bare strings are prose."""
    prose = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    in_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.JoinedStr):
            out.append((n.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in n.values)))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in prose | in_fstring:
            out.append((n.lineno, n.value))
    return out


def _type_facts(source: str) -> list[tuple[int, str]]:
    return sorted(
        (line, match.group(0).replace("\\", ""))
        for line, text in _strings(ast.parse(source))
        for match in [*TYPE_TOKEN.finditer(text), *ARM_PATH.finditer(text)]
    )


def test_every_azure_type_fact_comes_from_the_registry():
    found = []
    for path in sorted([*INFRA.rglob("*.py"), *(PROJECT_ROOT / "policy").rglob("*.py")]):
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        if rel == "infra/azure_types.py":
            continue
        found += [
            f"{rel}:{line}: {fact}"
            for line, fact in _type_facts(path.read_text())
            if (rel, fact) not in TYPE_FACTS_ALLOWED
        ]
    assert found == [], "use infra.azure_types (the policy pack: policy/azure_types.json) instead:\n" + "\n".join(found)


def test_the_type_fact_check_can_fail():
    source = (
        'ACCOUNT = "azure-native:cognitiveservices:Account"\n'
        'CONNECTION = "azure-native:cognitiveservices/v20251201:ProjectConnection"\n'
        'ID = f"/subscriptions/{s}/providers/Microsoft.CognitiveServices/accounts/{a}"\n'
        'PATTERN = r"providers/Microsoft\\.Network/virtualNetworks/"\n'
        'def f():\n    """Prose may name Microsoft.Network/virtualNetworks, azure-native:network:VirtualNetwork."""\n'
        'KEY = "azure-native:subscriptionId"  # a config key, not a type\n'
    )
    assert _type_facts(source) == [
        (1, "azure-native:cognitiveservices:Account"),
        (2, "azure-native:cognitiveservices/v20251201:ProjectConnection"),
        (3, "Microsoft.CognitiveServices/accounts"),
        (4, "Microsoft.Network/virtualNetworks"),
    ]
