"""The architecture the issue "one home for a model deployment" settled, guarded.

- the config is decided once per plan;
- ``program.py`` and ``infra/declare`` read only the decided plan and build no Azure name;
- every Azure name comes from ``infra/naming.py``;
- no module of ``infra/`` or ``components/`` is over 450 lines, and no function over 80.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

import infra.topology
from infra.config import PROJECT_ROOT
from infra.plan import make_plan
from tests.helpers import PLAN_DATE

INFRA = PROJECT_ROOT / "infra"
DECLARING = [INFRA / "program.py", *sorted((INFRA / "declare").glob("*.py"))]
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 450, 80
AZURE_NAME_PREFIXES = ("oai-", "pe-", "ag-", "log-", "appi-", "apim-", "rg-", "alz-", "pool-", "vnet-", "snet-", "nsg-")
"""How the Azure names infra/naming.py builds begin."""
LOGICAL_NAMES = {("declare/network.py", "vnet-")}
"""Pulumi logical names (part of the URN, never sent to Azure) that happen to share a prefix."""


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_config_is_decided_once_per_plan(stack, monkeypatch):
    calls: list[dt.date] = []
    build = infra.topology.build

    def counting(lz, catalog, today, *args, **kwargs):
        calls.append(today)
        return build(lz, catalog, today, *args, **kwargs)

    monkeypatch.setattr(infra.topology, "build", counting)
    plan = make_plan(stack, PLAN_DATE)
    assert plan.ok and plan.resources
    assert calls == [PLAN_DATE]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


@pytest.mark.parametrize("path", DECLARING, ids=lambda p: p.name)
def test_the_program_and_declarations_read_only_the_decided_plan(path):
    tree = _tree(path)
    config_reads = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "config"]
    if path.name == "program.py":
        # the one read: the stack config handed to the decision (pulumi.Config()), nothing of it used here
        config_reads = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("lz",)]
    assert config_reads == [], f"{path.name} reads the raw config at lines {config_reads}"
    deciding = {"infra.tenancy", "infra.network", "infra.gateway", "infra.costs", "infra.operations"}
    deciding |= {"infra.deployments", "infra.catalog", "infra.parity", "infra.rules", "infra.config.models"}
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported.isdisjoint(deciding), f"{path.name} imports {sorted(imported & deciding)}: decisions live there"


def _string_literals(tree: ast.Module) -> list[str]:
    """String constants, and the literal parts of f-strings."""
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


@pytest.mark.parametrize(
    "path", sorted(p for p in INFRA.rglob("*.py") if p.name != "naming.py"), ids=lambda p: str(p.relative_to(INFRA))
)
def test_every_azure_name_comes_from_naming(path):
    found = [
        s
        for s in _string_literals(_tree(path))
        if s.startswith(AZURE_NAME_PREFIXES) and (path.relative_to(INFRA).as_posix(), s) not in LOGICAL_NAMES
    ]
    assert found == [], f"{path.relative_to(PROJECT_ROOT)} writes Azure names itself: {found}"


def test_the_name_check_knows_the_real_prefixes():
    from infra import naming

    assert naming.private_endpoint("x").startswith(AZURE_NAME_PREFIXES)
    assert naming.pool("g").startswith(AZURE_NAME_PREFIXES)


def _sources() -> list[Path]:
    return sorted([*INFRA.rglob("*.py"), *(PROJECT_ROOT / "components").rglob("*.py")])


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_modules_and_functions_stay_small(path):
    lines = path.read_text().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(PROJECT_ROOT)} has {lines} lines"
    long = [
        (n.name, n.end_lineno - n.lineno + 1)
        for n in ast.walk(_tree(path))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == [], f"{path.relative_to(PROJECT_ROOT)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


REQUEST_READERS = {
    "deployments.py": "resolves each request into deployments, once",
    "tenancy.py": "the config rule that a request's regions are the stack's",
    "parity.py": "compares the requests of two stacks' configs",
}


def test_only_the_deployment_slice_reads_a_teams_model_requests():
    """Nothing downstream reads the raw request: costs, quotas, lifecycle, outputs and views read the resolved
    ``Deployment`` (``catalog.models`` is the catalog's own list, not a request)."""
    readers = set()
    for path in INFRA.rglob("*.py"):
        for n in ast.walk(_tree(path)):
            if isinstance(n, ast.Attribute) and n.attr == "models":
                base = n.value.id if isinstance(n.value, ast.Name) else getattr(n.value, "attr", "")
                if base not in ("catalog", "self"):  # the catalog's own models
                    readers.add(path.relative_to(INFRA).as_posix())
    assert readers == set(REQUEST_READERS)
