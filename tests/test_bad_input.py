"""Bad input never crashes the plan: every example from the bad-input review, as a regression test.

Each runs the real command line in-process (``infra.cli.main``): any exception that escapes is what a user
would see as a traceback, and fails the test. Exit codes: 0 a plan, 1 path-named errors, 2 usage.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from infra.plan import PROJECT_ROOT
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, minimal_landing_zone, private_network, run_in_process, team

COMMANDS = (("plan",), ("plan", "--format", "json"), ("models",), ("urns",), ("diagram",))


def project_copy(tmp_path: Path) -> Path:
    for name in ("Pulumi.dev.yaml", "Pulumi.prod.yaml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    shutil.copytree(PROJECT_ROOT / "teams", tmp_path / "teams")
    return tmp_path


def every_command(config: Path, stack: str = "prod") -> list[tuple[tuple[str, ...], int, str]]:
    results = []
    for command in COMMANDS:
        code, out, err = run_in_process(*command, "--stack", stack, "--config-file", str(config))
        results.append((command, code, out + err))
    return results


def assert_refused(config: Path, fragment: str) -> None:
    for command, code, text in every_command(config):
        assert code == 1, (command, text[-2000:])
        assert fragment in text, (command, text[-2000:])
        assert "Traceback" not in text


# --- encoding and YAML shapes --------------------------------------------------------------------------------


def test_a_stack_file_that_is_not_utf8(tmp_path):
    config = project_copy(tmp_path) / "Pulumi.prod.yaml"
    config.write_bytes(config.read_bytes().replace(b"Contoso AI platform", "Contoso Plattform \xe9".encode("latin-1")))
    assert_refused(config, "Pulumi.prod.yaml: is not UTF-8 text")


def test_a_team_file_in_utf16(tmp_path):
    root = project_copy(tmp_path)
    team_file = root / "teams" / "prod" / "hr-copilot.yaml"
    team_file.write_bytes(team_file.read_text().encode("utf-16"))
    assert_refused(root / "Pulumi.prod.yaml", "teams/prod/hr-copilot.yaml: is UTF-16 text: save it as UTF-8")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("config:\n  1: foo\n", "has a key 1 (int)"),
        ("config:\n  ~: foo\n", "has a key None"),
        ("config: " + "[" * 5000 + "]" * 5000 + "\n", "nests deeper than 64 levels"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9))
            + "config: *j\n",
            "expands (through YAML aliases) beyond any config's size",
        ),
        ("config: !!python/object:os.system {}\n", "is not valid YAML"),
    ],
)
def test_yaml_shapes_that_are_not_a_config(tmp_path, text, fragment):
    config = tmp_path / "Pulumi.prod.yaml"
    config.write_text(text)
    assert_refused(config, fragment)


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path):
    config = tmp_path / "Pulumi.prod.yaml"
    config.write_text("config:\n  x: '" + "a" * (1024 * 1024) + "'\n")
    assert_refused(config, "a config file is at most 1,048,576")


def test_one_stacks_mistake_is_one_line_in_anothers_plan(tmp_path, monkeypatch):
    """The parity check reads every other stack; a broken one is noted, and this plan goes on."""
    import infra.plan as plan_mod

    root = project_copy(tmp_path)
    (root / "Pulumi.dev.yaml").write_bytes(b"config: \xff\xfe broken")
    (root / "teams" / "dev" / "hr-copilot.yaml").write_text("name: [")
    monkeypatch.setattr(plan_mod, "PROJECT_ROOT", root)
    plan = plan_mod.make_plan("prod", PLAN_DATE)
    assert plan.ok, plan.diagnostics
    (note,) = [d for d in plan.diagnostics if "parity with dev not checked" in d.message]
    assert note.severity == "info"


# --- decisions never run on a config already known to be wrong -------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        ({"regions": [{"name": "swedencentral", "role": "secondary"}]}, "landingZone.regions", "exactly one region"),
        ({"monitoring": {"enabled": False}}, "landingZone.monitoring.enabled", "need monitoring"),
        ({"gateway": {"sku": "Consumption"}}, "landingZone.gateway.sku", "no backend circuit breakers"),
        ({"gateway": {"sku": "PremiumV2"}}, "landingZone.gateway.sku", "not in azure-native"),
        ({"budgets": {"environment": {"monthly": float("inf")}}}, "landingZone.budgets.environment.monthly", "finite"),
    ],
)
def test_invalid_configs_are_errors_not_crashes(change, path, fragment):
    lz = minimal_landing_zone(
        gateway={
            "enabled": True,
            "publisherEmail": "ai@contoso.com",
            "entra": {"tenantId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "audiences": ["api://gw"]},
        },
        teams=[team("team-a", callerAppIds=["00000000-0000-0000-0000-0000000000a1"])],
    )
    lz["network"]["regions"]["swedencentral"]["vnet"]["gatewaySubnet"] = "10.0.0.64/27"
    for key, value in change.items():
        lz[key] = {**lz.get(key, {}), **value} if isinstance(value, dict) else value
    errs = errors_of(lz)
    assert fragment in errs[path], errs


def test_infinity_never_reaches_the_plan_json(tmp_path):
    config = project_copy(tmp_path) / "Pulumi.prod.yaml"
    config.write_text(config.read_text().replace("environment: {monthly: 45000", "environment: {monthly: .inf"))
    code, out, err = run_in_process("plan", "--stack", "prod", "--config-file", str(config), "--format", "json")
    assert code == 1 and "Infinity" not in out
    assert "landingZone.budgets.environment.monthly: must be a finite number" in err


# --- values Azure would refuse -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (
            {"teams": [team("team-a", tokenQuota={"monthlyTokens": 10**30, "tokensPerMinute": 10})]},
            "landingZone.teams[0].tokenQuota.monthlyTokens",
            "must be <= 9223372036854775807",
        ),
        ({"regions": [{"name": "swedencentrl", "role": "primary"}]}, "landingZone.regions[0].name", "did you mean"),
        (
            {
                "network": {
                    "regions": {
                        "swedencentral": {
                            "vnet": {"addressSpace": "127.0.0.0/24", "privateEndpointSubnet": "127.0.0.0/27"}
                        }
                    }
                }
            },
            "landingZone.network.regions.swedencentral.vnet.addressSpace",
            "127.0.0.0/8 (loopback)",
        ),
        (
            {
                "network": {
                    "regions": {
                        "swedencentral": {
                            "vnet": {"addressSpace": "169.254.0.0/24", "privateEndpointSubnet": "169.254.0.0/27"}
                        }
                    }
                }
            },
            "landingZone.network.regions.swedencentral.vnet.addressSpace",
            "link-local",
        ),
        (
            {
                "network": {
                    "regions": {
                        "swedencentral": {
                            "vnet": {"addressSpace": "224.0.0.0/24", "privateEndpointSubnet": "224.0.0.0/27"}
                        }
                    }
                }
            },
            "landingZone.network.regions.swedencentral.vnet.addressSpace",
            "multicast",
        ),
        ({"tags": {f"t{i}": "x" for i in range(46)}}, "landingZone.tags", "Azure allows 50 per resource"),
        ({"tags": {"a<b": "x"}}, "landingZone.tags.a<b", "a tag name"),
        ({"tags": {"team": "x" * 257}}, "landingZone.tags.team", "at most 256"),
        ({"tags": {"azureOwner": "x"}}, "landingZone.tags.azureOwner", "are Azure's"),
        (
            {
                "regions": [
                    {"name": "swedencentral", "role": "primary", "customSubdomain": "contoso-ai"},
                    {"name": "francecentral", "role": "secondary", "customSubdomain": "contoso-ai"},
                ]
            },
            "landingZone.regions[1].customSubdomain",
            "duplicate customSubdomain 'contoso-ai'",
        ),
        (
            {"teams": [team("team-a", owners=["chat\x07team@contoso.com"])]},
            "landingZone.teams[0].owners[0]",
            "an email address",
        ),
        (
            {"gateway": {"enabled": True, "publisherEmail": "a" * 95 + "@contoso.com"}},
            "landingZone.gateway.publisherEmail",
            "at most 100",
        ),
    ],
)
def test_values_azure_would_refuse(change, path, fragment):
    lz = minimal_landing_zone(**change)
    if "network" not in change:
        lz["network"] = private_network([r["name"] for r in lz["regions"]])
    errs = errors_of(lz)
    assert path in errs and fragment in errs[path], errs


# --- the command line --------------------------------------------------------------------------------------------


def test_a_stack_name_the_os_cannot_open_is_a_usage_error():
    for command in COMMANDS:
        code, _, err = run_in_process(*command, "--stack", "s" * 300)
        assert code == 2 and "a stack name is 1-100 letters" in err and "Traceback" not in err, command


def test_subcommands_agree_with_plan(tmp_path, monkeypatch):
    """An unknown content filter: once, models said nothing while plan refused."""
    import infra.plan as plan_mod

    root = project_copy(tmp_path)
    team_file = root / "teams" / "prod" / "hr-copilot.yaml"
    doc = yaml.safe_load(team_file.read_text())
    doc["contentFilter"] = "lenient"
    team_file.write_text(yaml.safe_dump(doc))
    monkeypatch.setattr(plan_mod, "PROJECT_ROOT", root)
    codes = {}
    for command in COMMANDS:
        code, out, err = run_in_process(*command, "--stack", "prod", "--config-file", str(root / "Pulumi.prod.yaml"))
        codes[command] = code
        assert "Traceback" not in out + err
    assert set(codes.values()) == {1}, codes
    code, out, _ = run_in_process(
        "plan", "--stack", "prod", "--config-file", str(root / "Pulumi.prod.yaml"), "--format", "json"
    )
    assert json.loads(out)["diagnostics"][0]["path"].startswith("teams/prod/hr-copilot.yaml")


def test_the_foundry_era_fields_refuse_bad_values_with_their_yaml_paths():
    """adopt, format, spilloverDeploymentName and allowProjectManagement: a wrong type or value names its path."""
    model = {
        "name": "gpt-4.1",
        "version": "2025-04-14",
        "sku": "GlobalStandard",
        "capacity": 1,
        "adopt": "sometimes",
        "format": "Anthropic",
        "spilloverDeploymentName": "no spaces allowed",
    }
    lz = minimal_landing_zone(account={"kind": "AIServices", "allowProjectManagement": "yes please"})
    lz["teams"][0]["models"] = [model]
    errors = errors_of(lz)
    base = "landingZone.teams[0].models[0]"
    assert errors[f"{base}.adopt"] == "must be true or false (got str 'sometimes')"
    assert errors[f"{base}.format"].startswith("must be one of 'OpenAI', 'Microsoft', 'Meta'")
    assert errors[f"{base}.spilloverDeploymentName"].startswith("'no spaces allowed' is not allowed: must be 1-64")
    assert errors["landingZone.account.allowProjectManagement"] == "must be true or false (got str 'yes please')"
