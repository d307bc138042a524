"""``python -m infra``: the plan contract, exit codes, and running like the Pulumi CLI does."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pulumi
import pytest

from infra.checks_doc import all_rules
from infra.plan import PROJECT_ROOT, SECRET, _plain, _resolve, run_program
from tests.helpers import ACCOUNT, DEPLOYMENT, cli, minimal_landing_zone, of_type, write_stack

DATE = ["--date", "2026-11-21"]


@pytest.fixture(scope="module")
def prod_json() -> dict:
    result = cli("plan", "--stack", "prod", "--format", "json", *DATE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_contract(prod_json):
    assert set(prod_json) == {"project", "stack", "resources", "outputs", "costs", "diagnostics"}
    assert prod_json["project"] == "ai-landing-zone"
    assert prod_json["stack"] == "prod"
    keys = {
        "urn",
        "type",
        "name",
        "custom",
        "parent",
        "inputs",
        "dependsOn",
        "protect",
        "retainOnDelete",
        "ignoreChanges",
    }
    urns = {r["urn"] for r in prod_json["resources"]}
    for r in prod_json["resources"]:
        assert set(r) == keys
        assert r["urn"].startswith("urn:pulumi:prod::ai-landing-zone::")
        assert r["parent"] is None or r["parent"] in urns
        assert set(r["dependsOn"]) <= urns
    rules = {r.id for r in all_rules()}
    for d in prod_json["diagnostics"]:
        # ``rule``: the ID of the check that found it (docs/checks.md); left out where a check names none
        assert {"severity", "path", "message"} <= set(d) <= {"severity", "path", "message", "rule"}
        assert d.get("rule", "gateway.retry-max") in rules
    assert "gateway.public-access-second-deploy" in {d.get("rule") for d in prod_json["diagnostics"]}


def test_json_deployments_are_chained_per_account(prod_json):
    deployments = [r for r in prod_json["resources"] if r["type"] == DEPLOYMENT]
    names = {r["urn"]: r for r in deployments}
    for account in {r["inputs"]["accountName"] for r in deployments}:
        mine = [r for r in deployments if r["inputs"]["accountName"] == account]
        waits = [[names[u]["inputs"]["accountName"] for u in r["dependsOn"] if u in names] for r in mine]
        # one head, then each waits on exactly one deployment of the same account
        assert sorted(len(w) for w in waits) == [0] + [1] * (len(mine) - 1)
        assert all(set(w) <= {account} for w in waits)


def test_json_inputs_use_wire_names(prod_json):
    account = next(r for r in prod_json["resources"] if r["type"] == "azure-native:cognitiveservices:Account")
    assert {"accountName", "resourceGroupName", "kind", "sku", "identity", "properties"} <= set(account["inputs"])
    assert "customSubDomainName" in account["inputs"]["properties"]
    assert account["urn"].endswith(
        "ai-landing-zone:index:OpenAiAccount$azure-native:cognitiveservices:Account::" + account["name"]
    )


PROD_GROUPS = {
    "fraud-detect": "team-fraud-detect",
    "contoso-chat": "shared-default-general",
    "claims-assist": "shared-strict-confidential",
    "hr-copilot": "shared-default-general",
}
WHY = "same governance profile (contentFilter=default, dataClassification=general)"


def _chains(plan) -> list[list[str]]:
    """Each account's deployments (logical names) in the order they wait for each other."""
    chains: dict[str, list[str]] = {}
    for r in plan.resources:  # dependency order
        if r.type == DEPLOYMENT:
            chains.setdefault(r.inputs["accountName"], []).append(r.name)
    return list(chains.values())


def _text_waits(lines: list[str]) -> dict[str, list[str]]:
    """Deployment -> the names on its "waits for:" line in the text plan."""
    waits, current = {}, None
    for line in lines:
        item = line.strip()
        if item.startswith("+ "):
            current = item.removeprefix("+ Deployment ") if item.startswith("+ Deployment ") else None
        elif current and item.startswith("waits for: "):
            waits[current] = item.removeprefix("waits for: ").split(", ")
    return waits


def _markdown_waits(lines: list[str]) -> dict[str, list[str]]:
    """Deployment -> the names in its "waits for" cell of the markdown resources table."""
    waits = {}
    for line in lines:
        if line.startswith("| `") and " | Deployment | " in line:
            name = line.split("`")[1]
            cell = line.removesuffix(" |").rsplit(" | ", 1)[1]
            waits[name] = [w.strip("`") for w in cell.split(", ")]
    return waits


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_human_formats(fmt, prod):
    """Guards per-team, per-account and per-deployment lines: every one is there and is its own, not just one."""
    result = cli("plan", "--stack", "prod", "--format", fmt, *DATE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    accounts = {a.inputs["accountName"]: a.inputs["location"] for a in of_type(prod.resources, ACCOUNT)}
    assert len(accounts) == 6
    regions = ("swedencentral", "francecentral")
    reasons = {"contoso-chat": f"shared with hr-copilot: {WHY}", "hr-copilot": f"shared with contoso-chat: {WHY}"}
    if fmt == "markdown":
        for team, group in PROD_GROUPS.items():
            row = f"| `{team}` | `{group}` | " + ", ".join(f"`{group}-{r}`" for r in regions) + " | "
            assert [ln for ln in lines if ln.startswith(row)] != [], row
            if team in reasons:
                assert row + reasons[team] + " |" in lines
        for name, region in accounts.items():
            exposure = f"private: public network access disabled; private endpoint (group account) in {region}"
            assert [ln for ln in lines if ln.startswith(f"| `{name}` | {region} | {exposure}")] != [], name
        assert f"| `{DEPLOYMENT}` | {len(of_type(prod.resources, DEPLOYMENT))} |" in lines
        waits = _markdown_waits(lines)
    else:
        for team, group in PROD_GROUPS.items():
            i = lines.index(f"  {team} -> {group} [" + ", ".join(f"{group}-{r}" for r in regions) + "]")
            if team in reasons:
                assert lines[i + 1] == f"      {reasons[team]}"
        start = lines.index("Accounts and network exposure:") + 1
        shown = lines[start : lines.index("", start)]
        assert sorted(shown) == sorted(
            f"  {name} ({region}): private: public network access disabled; private endpoint (group account) in"
            f" {region}, DNS zones from the hub"
            for name, region in accounts.items()
        )
        waits = _text_waits(lines)
    chains = _chains(prod)
    assert sorted(waits) == sorted(d for chain in chains for d in chain)
    for chain in chains:
        for previous, deployment in zip([None, *chain[:-1]], chain, strict=True):
            # each deployment waits on the one before it in its account, and on no other deployment
            assert [w for w in waits[deployment] if w in waits] == ([previous] if previous else []), deployment


def test_bad_config_exits_1_with_paths_and_no_traceback(tmp_path):
    lz = minimal_landing_zone(environment="Dev")
    lz["teams"][0]["models"][0]["capacity"] = 0
    lz["teams"][0]["models"].append({"name": "gpt-9", "version": "1", "sku": "Standard", "capacity": 1})
    for fmt in ("text", "json"):
        result = cli("plan", "--stack", "test", "--config-file", str(write_stack(tmp_path, lz)), "--format", fmt, *DATE)
        assert result.returncode == 1
        assert "Traceback" not in result.stdout + result.stderr
        human = result.stdout if fmt == "text" else result.stderr
        assert "landingZone.environment:" in human
        assert "landingZone.teams[0].models[0].capacity: must be >= 1 (got 0)" in human
    data = json.loads(result.stdout)
    assert data["resources"] == []
    assert {d["path"] for d in data["diagnostics"]} == {
        "landingZone.environment",
        "landingZone.teams[0].models[0].capacity",
    }


def test_catalog_errors_exit_1(tmp_path):
    lz = minimal_landing_zone()
    lz["teams"][0]["models"][0].update(name="gpt-4o", version="2024-05-13")
    result = cli("plan", "--stack", "test", "--config-file", str(write_stack(tmp_path, lz)), *DATE)
    assert result.returncode == 1
    assert "landingZone.teams[0].models[0].version: gpt-4o 2024-05-13 retired on 2026-10-01" in result.stdout


def test_invalid_yaml_exits_1(tmp_path):
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text("config:\n  ai-landing-zone:landingZone: [\n")
    result = cli("plan", "--stack", "test", "--config-file", str(path))
    assert result.returncode == 1
    assert "is not valid YAML at line" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--stack", "nope"],
        ["plan", "--stack", "dev", "--format", "xml"],
        ["plan"],
        ["plan", "--stack", "dev", "--date", "tomorrow"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_2(args):
    result = cli(*args)
    assert result.returncode == 2, result
    assert "usage" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_command_prints_json_schema():
    result = cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert "ai-landing-zone:landingZone" in schema["properties"]["config"]["properties"]


def test_committed_schema_file_is_current():
    committed = json.loads((PROJECT_ROOT / "schema" / "stack.schema.json").read_text())
    assert committed == json.loads(cli("schema").stdout), (
        "regenerate: python -m infra schema > schema/stack.schema.json"
    )


def test_runs_like_the_pulumi_language_host(tmp_path):
    """With ``main: infra/`` the host runs ``runpy.run_path("infra/")`` with only ``infra/`` on sys.path."""
    script = tmp_path / "host.py"
    script.write_text(
        "import json, runpy, sys\n"
        f"sys.path = [p for p in sys.path if p not in ('', {str(PROJECT_ROOT)!r})]\n"
        "import pulumi\n"
        "sys.path.insert(0, '/nonexistent')  # the host's own entry, replaced by run_path\n"
        f"sys.path.insert(0, {str(PROJECT_ROOT / 'infra')!r})\n"
        # The project's Azure-shaped mocks, loaded from their file: the project root stays off sys.path.
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('azure_mocks', {str(PROJECT_ROOT / 'infra' / 'mocks.py')!r})\n"
        "azure_mocks = sys.modules['azure_mocks'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(azure_mocks)\n"
        "monitor = azure_mocks.install('ai-landing-zone', 'dev')\n"
        "cfg = __import__('yaml').safe_load(open(" + repr(str(PROJECT_ROOT / "Pulumi.dev.yaml")) + "))['config']\n"
        "pulumi.runtime.set_all_config({k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()})\n"
        "from pulumi.runtime.stack import run_pulumi_func\n"
        "from pulumi.runtime.sync_await import _sync_await\n"
        f"_sync_await(run_pulumi_func(lambda: runpy.run_path({str(PROJECT_ROOT / 'infra')!r}, run_name='__main__')))\n"
        "accounts = [r for r in monitor.recorded if r.type == 'azure-native:cognitiveservices:Account']\n"
        "print('ok', len(accounts), sys.modules['components'].__file__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["AI_LANDING_ZONE_PLAN_DATE"] = "2026-11-21"
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok 3 "), result.stdout  # the dev stack's three accounts
    assert result.stdout.strip().endswith(str(PROJECT_ROOT / "components" / "__init__.py"))


def test_invalid_config_under_the_real_cli_is_a_clean_run_error():
    from infra.program import ConfigError

    lz = minimal_landing_zone()
    lz["teams"][0]["models"][0]["capacity"] = 0
    with pytest.raises(ConfigError) as exc:
        run_program("test", {"ai-landing-zone:landingZone": json.dumps(lz)}, [], dt.date.today())
    assert isinstance(exc.value, pulumi.RunError)
    assert "landingZone.teams[0].models[0].capacity: must be >= 1 (got 0)" in str(exc.value)


def test_secrets_are_masked():
    wrapped = {pulumi.runtime.rpc._special_sig_key: pulumi.runtime.rpc._special_secret_sig, "value": "k3y"}
    assert _plain({"a": wrapped, "b": [wrapped, 1.0]}) == {"a": SECRET, "b": [SECRET, 1]}

    async def resolve():
        return await _resolve({"key": pulumi.Output.secret("k3y"), "name": pulumi.Output.from_input("n")})

    from pulumi.runtime.sync_await import _sync_await

    assert _sync_await(resolve()) == {"key": SECRET, "name": "n"}
