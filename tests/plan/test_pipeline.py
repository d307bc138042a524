"""The GitOps flow: plan diffs on pull requests, the topology diagram, workflows, CODEOWNERS."""

from __future__ import annotations

import copy
import json
import re

import yaml

from infra import diff
from infra.config import PROJECT_ROOT
from infra.diagram import mermaid
from infra.plan import make_plan, to_json
from tests.helpers import PLAN_DATE, cli, minimal_landing_zone, team, write_stack

NEW_MODEL = {"name": "text-embedding-3-small", "version": "1", "sku": "GlobalStandard", "capacity": 5}


def plan_json(tmp_path, lz, name="Pulumi.test.yaml") -> dict:
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz, name=name))
    assert plan.ok, plan.diagnostics
    return json.loads(to_json(plan))


def two_teams():
    return minimal_landing_zone(teams=[team("team-a"), team("team-b", "00000000-0000-0000-0000-00000000000b")])


def test_adding_one_model_to_one_team_adds_exactly_one_deployment(tmp_path):
    base_lz = two_teams()
    head_lz = copy.deepcopy(base_lz)
    head_lz["teams"][0]["models"].append(NEW_MODEL)
    changes = diff.diff(plan_json(tmp_path, base_lz, "Pulumi.base.yaml"), plan_json(tmp_path, head_lz))
    added = [c for c in changes if c.kind == "added"]
    assert [(c.type, c.name) for c in added] == [
        (
            "azure-native:cognitiveservices:Deployment",
            "shared-default-general-swedencentral-team-a-text-embedding-3-small",
        )
    ]
    assert [c for c in changes if c.kind in ("removed", "replaced")] == []
    # the rest is what the model changes: the team's derived token quota (priced per model) and nothing else
    assert {c.type for c in changes if c.kind == "changed"} <= {
        "azure-native:apimanagement:ApiPolicy",
        "azure-native:apimanagement:ProductPolicy",
    }


def test_renaming_an_account_is_a_replacement(tmp_path):
    base = plan_json(tmp_path, minimal_landing_zone(), "Pulumi.base.yaml")
    head = plan_json(tmp_path, minimal_landing_zone(namePrefix="fabrikam"))
    changes = diff.diff(base, head)
    (account,) = [c for c in changes if c.type == "azure-native:cognitiveservices:Account"]
    assert account.kind == "replaced"
    assert any(r.startswith("accountName: the name is the account's identity") for r in account.reasons)
    assert (
        "accountName",
        "oai-contoso-dev-shared-default-general-swedencentral",
        "oai-fabrikam-dev-shared-default-general-swedencentral",
    ) in account.properties
    # stateful replacements come first, in bold, in the PR comment
    assert changes[0].stateful and changes[0].kind == "replaced"
    md = diff.markdown(changes, base, head)
    assert "| **replaced** | `shared-default-general-swedencentral` | Account |" in md


def test_a_urn_change_is_a_replacement(tmp_path):
    base = plan_json(tmp_path, minimal_landing_zone(), "Pulumi.base.yaml")
    head = copy.deepcopy(base)
    account = next(r for r in head["resources"] if r["type"] == "azure-native:cognitiveservices:Account")
    account["urn"] = account["urn"].replace("::shared-default-general-swedencentral", "::renamed")
    (change,) = [c for c in diff.diff(base, head) if c.type == account["type"]]
    assert change.kind == "replaced" and change.old_urn.endswith("::shared-default-general-swedencentral")


def test_changed_capacity_is_an_update_not_a_replacement(tmp_path):
    head_lz = minimal_landing_zone()
    head_lz["teams"][0]["models"][0]["capacity"] = 20
    changes = diff.diff(plan_json(tmp_path, minimal_landing_zone(), "Pulumi.base.yaml"), plan_json(tmp_path, head_lz))
    (dep,) = [c for c in changes if c.type == "azure-native:cognitiveservices:Deployment"]
    assert dep.kind == "changed" and dep.properties == [("sku.capacity", 10, 20)]


def test_plan_cli_diff_against_a_base(tmp_path):
    base = cli("plan", "--stack", "dev", "--date", "2026-11-21", "--format", "json")
    base_file = tmp_path / "base.json"
    base_file.write_text(base.stdout)
    same = cli(
        "plan", "--stack", "dev", "--date", "2026-11-21", "--format", "markdown", "--diff-against", str(base_file)
    )
    assert same.returncode == 0
    assert same.stdout.startswith(
        "#### Changes against the base branch\n\n0 added · 0 changed · 0 replaced · 0 removed"
    )
    assert "```mermaid\nflowchart LR" in same.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert cli("plan", "--stack", "dev", "--diff-against", str(bad)).returncode == 2


def _mermaid_ok(text: str) -> None:
    lines = text.strip().splitlines()
    assert lines[0] == "flowchart LR"
    depth = 0
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("subgraph "):
            depth += 1
        elif stripped == "end":
            depth -= 1
            assert depth >= 0
        else:
            # node ids are plain identifiers; every label is quoted
            assert re.match(r"^[A-Za-z_][A-Za-z0-9_]*", stripped), stripped
        assert stripped.count('"') % 2 == 0, stripped
    assert depth == 0


def test_diagram_is_valid_mermaid_and_names_every_account(prod):
    plan = prod
    text = mermaid(plan.topology)
    _mermaid_ok(text)
    for a in plan.topology.accounts:  # each account a node in its region, labelled with its group
        assert f'account_{a.key.replace("-", "_")}["{a.group}<br/>' in text
    assert "gateway{{" in text and text.count("-.->|failover|") == 3
    result = cli("diagram", "--stack", "prod", "--date", "2026-11-21")
    assert result.returncode == 0 and result.stdout == text


def test_codeowners_give_each_team_its_file():
    owners = (PROJECT_ROOT / ".github" / "CODEOWNERS").read_text()
    for folder in ("infra/", "components/", "policy/", ".github/workflows/", "Pulumi.*.yaml"):
        assert re.search(rf"^/?{re.escape(folder)}\s+@contoso/ai-platform", owners, re.M), folder
    for path in (PROJECT_ROOT / "teams").glob("*/*.yaml"):
        team_name = yaml.safe_load(path.read_text())["name"]
        assert re.search(rf"^/teams/\*/{team_name}\.yaml\s+@contoso/{team_name}\b", owners, re.M), team_name


def test_workflows_validate_against_the_github_schema():
    import subprocess
    import sys

    workflows = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["ci.yml", "deploy.yml", "preview.yml"]
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, workflows)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _workflow(name: str) -> dict:
    doc = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def test_workflow_triggers_and_permissions():
    ci, preview, deploy = _workflow("ci.yml"), _workflow("preview.yml"), _workflow("deploy.yml")
    assert set(ci["on"]) == {"pull_request", "push"}
    assert ci["permissions"] == {"contents": "read"}
    assert ci["jobs"]["plan-diff"]["permissions"]["pull-requests"] == "write"
    assert "ruff check" in str(ci["jobs"]["test"]["steps"]) and "-m pytest" in str(ci["jobs"]["test"]["steps"])
    assert set(preview["on"]) == {"pull_request"}
    assert preview["permissions"]["id-token"] == "write"
    steps = preview["jobs"]["preview"]["steps"]
    action = next(s for s in steps if s.get("uses", "").startswith("pulumi/actions@"))
    assert action["uses"] == "pulumi/actions@v7" and action["with"]["comment-on-pr"] is True
    assert action["with"]["policyPacks"] == "policy" and action["if"] == "steps.creds.outputs.available == 'true'"
    assert "skipping pulumi preview" in steps[0]["run"]
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert deploy["permissions"]["id-token"] == "write"
    job = deploy["jobs"]["up"]
    assert job["environment"] == "${{ matrix.stack }}" and job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert job["strategy"]["max-parallel"] == 1
    assert job["concurrency"] == {"group": "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": False}
    up = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert up["with"]["command"] == "up" and up["with"]["policyPacks"] == "policy"
    assert any(s.get("uses", "").startswith("actions/cache@") for s in job["steps"])
