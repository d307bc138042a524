"""Rules with IDs: every check names a rule, every rule has a source, and docs/checks.md is generated from them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pulumi
import pytest

from infra import program
from infra.checks_doc import COMMAND, CONCERNS, all_rules, concern, markdown
from infra.cli import main
from infra.config import PROJECT_ROOT, SECRETS_REFUSED
from infra.diagnostics import CONVENTION, RULES, error, rule, warning
from infra.network import RESERVED_RANGE
from tests.conftest import diagnostics_of
from tests.helpers import minimal_landing_zone, private_network, run_in_process, team, write_stack

INFRA = PROJECT_ROOT / "infra"
CHECKS_MD = PROJECT_ROOT / "docs" / "checks.md"
ID = re.compile(r"^[a-z]+(\.[a-z0-9-]+)+$")
EMITTERS = {"error", "warning", "info", "Diagnostic"}


def _modules() -> dict[str, ast.Module]:
    return {p.relative_to(PROJECT_ROOT).as_posix(): ast.parse(p.read_text()) for p in sorted(INFRA.rglob("*.py"))}


def _emitters(path: str, tree: ast.Module) -> dict[str, str]:
    """Local name -> what it is, for every emitter imported from infra.diagnostics (or defined there)."""
    found = {name: name for name in EMITTERS} if path == "infra/diagnostics.py" else {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "infra.diagnostics":
            found |= {(a.asname or a.name): a.name for a in node.names if a.name in EMITTERS}
    return found


def _called(func: ast.expr, emitters: dict[str, str]) -> str | None:
    if isinstance(func, ast.Name) and func.id in emitters:
        return emitters[func.id]
    if isinstance(func, ast.IfExp):  # (info if excused else error)(...)
        kinds = {_called(func.body, emitters), _called(func.orelse, emitters)}
        return next(iter(kinds - {None}), None) if None not in kinds else None
    return None


def emissions_without_a_rule(path: str, tree: ast.Module, emitters: dict[str, str]) -> list[str]:
    missing = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or (kind := _called(node.func, emitters)) is None:
            continue
        named = any(k.arg == "rule" for k in node.keywords)
        positional = len(node.args) >= (4 if kind == "Diagnostic" else 3)
        if not (named or positional):
            missing.append(f"{path}:{node.lineno}")
    return missing


def test_every_check_names_its_rule():
    """Every ``error(``, ``warning(``, ``info(`` and ``Diagnostic(`` in infra/ passes the rule it checks."""
    missing = []
    for path, tree in _modules().items():
        missing += emissions_without_a_rule(path, tree, _emitters(path, tree))
    assert missing == [], "these emit a diagnostic with no rule=: " + ", ".join(missing)


def test_the_scan_finds_an_emission_without_a_rule():
    tree = ast.parse(
        "from infra.diagnostics import error, info as note\n"
        "a = error('p', 'm', rule=R)\n"
        "b = note('p', 'm')\n"
        "c = (note if x else error)('p', 'm')\n"
    )
    assert emissions_without_a_rule("x.py", tree, _emitters("x.py", tree)) == ["x.py:3", "x.py:4"]


def _declared(modules: dict[str, ast.Module]) -> dict[str, tuple[str, str]]:
    """Rule ID -> (module path, the name it is bound to), for every ``NAME = rule("id", ...)``."""
    out = {}
    for path, tree in modules.items():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "rule"
                and isinstance(node.value.args[0], ast.Constant)
            ):
                out[node.value.args[0].value] = (path, node.targets[0].id)
    return out


def _dotted(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def test_every_rule_is_used_by_a_check():
    """A rule bound to a name is read in its module, or imported by another: none is declared and forgotten."""
    modules = _modules()
    declared = _declared(modules)
    assert set(declared) == {r.id for r in all_rules()}, "every rule is declared as NAME = rule(...) at top level"
    unused = []
    for rule_id, (path, name) in declared.items():
        read_here = any(
            isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(modules[path])
        )
        imported = any(
            isinstance(n, ast.ImportFrom) and n.module == _dotted(path) and any(a.name == name for a in n.names)
            for tree in modules.values()
            for n in ast.walk(tree)
        )
        if not (read_here or imported):
            unused.append(rule_id)
    assert unused == []


def test_rule_ids_are_stable_names_with_a_known_concern_and_a_source():
    rules = all_rules()
    assert len(rules) == len({r.id for r in rules}) >= 60
    for r in rules:
        assert ID.fullmatch(r.id), r.id
        assert concern(r) in CONCERNS, f"{r.id}: add its concern to infra/checks_doc.py CONCERNS"
        assert r.summary.endswith("."), r.id
        assert r.sources, r.id
        for source in r.sources:
            assert source.startswith("https://") or source.startswith(f"{CONVENTION}: "), (r.id, source)


def test_an_id_names_one_rule():
    with pytest.raises(ValueError, match="declared twice"):
        rule("gateway.retry-max", "error", "Another rule under the same ID.", "https://example.com")
    assert RULES["gateway.retry-max"].module == "infra.gateway"


def test_a_rule_is_emitted_at_its_own_severity():
    assert error("p", "m", rule=RESERVED_RANGE).rule == "network.reserved-range"
    with pytest.raises(ValueError, match="network.reserved-range is a error rule, emitted as warning"):
        warning("p", "m", rule=RESERVED_RANGE)


def test_docs_checks_md_is_generated_from_the_rules():
    """The page is what ``python -m infra checks`` prints: stale, it fails here, with the command to run."""
    assert CHECKS_MD.read_text() == markdown() + "\n", f"docs/checks.md is stale: run {COMMAND}"
    page = CHECKS_MD.read_text()
    for r in all_rules():
        assert f"| `{r.id}` | {r.severity} |" in page
    retry = "https://learn.microsoft.com/azure/api-management/retry-policy"
    assert f"[{retry.removeprefix('https://')}]({retry})" in page


def test_the_checks_command_prints_the_page(capsys: pytest.CaptureFixture[str]):
    assert main(["checks"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (CHECKS_MD.read_text(), "")


def test_findings_name_their_rule():
    """A rule's finding carries its ID: a reserved range (learn.microsoft.com/azure/virtual-network/
    virtual-networks-faq), an unknown key, a team file that is missing."""
    network = private_network(["swedencentral"])
    network["regions"]["swedencentral"]["vnet"]["addressSpace"] = "169.254.0.0/16"
    lz = minimal_landing_zone(network=network, teamFiles=["teams/nobody.yaml"], teams=[team("team-a", costCentre="x")])
    found = {(d.path, d.rule) for d in diagnostics_of(lz)}
    assert ("landingZone.network.regions.swedencentral.vnet.addressSpace", "network.reserved-range") in found
    assert ("landingZone.teams[0].costCentre", "config.unknown-key") in found
    assert ("landingZone.teamFiles[0]", "config.team-file-found") in found


def test_the_plan_json_gives_each_diagnostic_its_rule(tmp_path: Path):
    """The plan contract: ``rule`` beside severity, path and message; the text view is unchanged."""
    network = private_network(["swedencentral"])
    network["regions"]["swedencentral"]["vnet"]["addressSpace"] = "127.0.0.0/16"
    config = write_stack(tmp_path, minimal_landing_zone(network=network))
    code, out, _ = run_in_process("plan", "--stack", "test", "--config-file", str(config), "--format", "json")
    assert code == 1
    (reserved,) = [d for d in json.loads(out)["diagnostics"] if d["path"].endswith("vnet.addressSpace")]
    assert reserved["rule"] == "network.reserved-range" and reserved["severity"] == "error"
    code, text, _ = run_in_process("plan", "--stack", "test", "--config-file", str(config))
    assert "error: landingZone.network.regions.swedencentral.vnet.addressSpace: 127.0.0.0/16 overlaps" in text
    assert "network.reserved-range" not in text


def _rules_at(lz: dict) -> dict[str, str | None]:
    """YAML path -> the rule of the error there."""
    return {d.path: d.rule for d in diagnostics_of(lz) if d.severity == "error"}


def test_a_retired_model_and_a_retired_version_are_one_rule():
    """Both say the same thing to whoever filters on it, the family gone (gpt-4-32k, every version retired on
    2025-06-06, learn.microsoft.com/azure/foundry/openai/concepts/retired-models) or one version of a live model
    (gpt-4o 2024-05-13, retired on 2026-10-01: learn.microsoft.com/azure/foundry/openai/concepts/
    model-retirements): ``catalog.retired``."""
    models = [
        {"name": "gpt-4-32k", "version": "1106", "sku": "Standard", "capacity": 1},
        {"name": "gpt-4o", "version": "2024-05-13", "sku": "GlobalStandard", "capacity": 1},
    ]
    found = _rules_at(minimal_landing_zone(teams=[team("team-a", models=models)]))
    assert found["landingZone.teams[0].models[0].name"] == "catalog.retired"
    assert found["landingZone.teams[0].models[1].version"] == "catalog.retired"


def test_the_deployment_rules_name_theirs():
    """PTU sizing per region (from 15 PTU in steps of 5 for Global provisioned: learn.microsoft.com/azure/
    ai-foundry/openai/how-to/provisioned-throughput-onboarding), an unknown version, and, once decided, a
    spillover target of another team (learn.microsoft.com/azure/ai-services/openai/how-to/
    spillover-traffic-management)."""
    ptu = {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 17}
    standard = {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 1}
    found = _rules_at(minimal_landing_zone(teams=[team("team-a", models=[ptu, {**standard, "version": "1999-01-01"}])]))
    assert found == {
        "landingZone.teams[0].models[0].capacity": "catalog.ptu-step",
        "landingZone.teams[0].models[1].version": "catalog.known-version",
    }
    spill = {**ptu, "capacity": 15, "deploymentName": "team-b-ptu", "spilloverDeploymentName": "team-a-std"}
    teams = [team("team-a", models=[{**standard, "deploymentName": "team-a-std"}]), team("team-b", models=[spill])]
    found = _rules_at(minimal_landing_zone(teams=teams))
    assert found == {"landingZone.teams[1].models[0].spilloverDeploymentName": "deployments.spillover-team"}


def test_each_name_used_twice_names_its_own_rule():
    """Duplicates share one check, each caller its rule: names of teams, regions and filters; a subdomain,
    a global DNS name (learn.microsoft.com/azure/ai-services/cognitive-services-custom-subdomains); a quota per
    region, model and deployment type (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits)."""
    quota = {"region": "swedencentral", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 100}
    regions = [
        {"name": "swedencentral", "role": "primary", "customSubdomain": "contoso-ai"},
        {"name": "francecentral", "role": "secondary", "customSubdomain": "contoso-ai"},
    ]
    lz = minimal_landing_zone(regions=regions, teams=[team("team-a"), team("team-a")], quotas=[quota, quota])
    found = _rules_at(lz)
    assert found["landingZone.teams[1].name"] == "tenancy.unique-name"
    assert found["landingZone.regions[1].customSubdomain"] == "tenancy.unique-subdomain"
    assert found["landingZone.quotas[1].region"] == "operations.quota-once"


def test_budget_and_cost_findings_name_their_rules():
    """A budget's start date is the first of a month ("The start date must be first of the month", the
    Microsoft.Consumption budgets reference: learn.microsoft.com/azure/templates/microsoft.consumption/budgets);
    prod needs budgets."""
    lz = minimal_landing_zone(environment="prod", teams=[team("team-a", budget=None)])
    lz["budgets"] = {"startDate": "2026-11-15"}
    found = _rules_at(lz)
    assert found["landingZone.budgets.startDate"] == "costs.start-date"
    assert found["landingZone.teams[0].budget"] == "costs.budget-in-prod"


def test_the_program_refuses_a_secret_landing_zone_under_the_plans_rule(monkeypatch, tmp_path):
    """Under ``pulumi up`` the program refuses a secret landingZone as the plan does: one rule, config.no-secrets."""
    monkeypatch.setattr(pulumi.runtime, "is_config_secret", lambda key: True)
    monkeypatch.setattr(pulumi, "get_project", lambda: "ai-landing-zone")
    with pytest.raises(program.ConfigError) as refused:
        program.main()
    assert [(d.path, d.rule) for d in refused.value.diagnostics] == [("landingZone", SECRETS_REFUSED.id)]
    assert SECRETS_REFUSED.id == "config.no-secrets"
