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
    tmp_path.mkdir(parents=True, exist_ok=True)
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
        ({"tags": {"a<b": "x"}}, "landingZone.tags['a<b']", "a tag name"),
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


# --- a file the config names stays inside the project (issue: a team file that leaks another file) --------------


def _link_outside(root: Path, rel: str) -> str:
    """Replace ``rel`` with a link to a credentials-like file outside ``root``; returns what the file holds."""
    secret = "client_secret=Zm9yLXRoZS1ydW5uZXItb25seQ"
    outside = root.parent / f"{root.name}-runner-credentials"
    outside.write_text(f"{secret}\n")
    (root / rel).unlink()
    (root / rel).symlink_to(outside)
    return secret


def test_a_team_file_that_links_outside_the_project_is_refused_unread(tmp_path):
    root = project_copy(tmp_path / "project")
    secret = _link_outside(root, "teams/prod/hr-copilot.yaml")
    for command, code, text in every_command(root / "Pulumi.prod.yaml"):
        assert code == 1, (command, text[-2000:])
        assert (
            "landingZone.teamFiles[2]: file teams/prod/hr-copilot.yaml is a symbolic link (or under one) to a file"
            " outside the project: it is not read" in text
        ), text
        assert secret[:10] not in text and "runner-credentials" not in text, text


def test_a_team_folder_that_links_outside_the_project_is_refused(tmp_path):
    root = project_copy(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    shutil.move(root / "teams" / "prod", elsewhere)
    (root / "teams" / "prod").symlink_to(elsewhere)
    assert_refused(root / "Pulumi.prod.yaml", "file teams/prod/contoso-chat.yaml is a symbolic link (or under one)")


def test_a_link_inside_the_project_is_read(tmp_path):
    root = project_copy(tmp_path / "project")
    (root / "shared-teams").mkdir()
    shutil.move(root / "teams" / "prod" / "hr-copilot.yaml", root / "shared-teams" / "hr-copilot.yaml")
    (root / "teams" / "prod" / "hr-copilot.yaml").symlink_to(root / "shared-teams" / "hr-copilot.yaml")
    code, out, err = run_in_process("plan", "--stack", "prod", "--config-file", str(root / "Pulumi.prod.yaml"))
    assert code == 0, out + err


def test_a_stack_file_found_by_stack_that_links_outside_the_project_is_refused(tmp_path, monkeypatch):
    import infra.plan

    root = tmp_path / "project"
    root.mkdir()
    outside = tmp_path / "runner-credentials"
    outside.write_text("client_secret: Zm9yLXRoZS1ydW5uZXItb25seQ\n")
    (root / "Pulumi.prod.yaml").symlink_to(outside)
    monkeypatch.setattr(infra.plan, "PROJECT_ROOT", root)
    cfg, problems = infra.plan.load_stack("prod")
    assert cfg is None
    assert [str(p) for p in problems] == [
        "error: Pulumi.prod.yaml: is a symbolic link (or under one) to a file outside the project: it is not read;"
        " config files must be inside the project, so replace the link with the file itself"
    ]


def test_no_error_quotes_more_than_an_excerpt_of_a_value(tmp_path):
    """A value that is a whole file's worth of text is quoted in part, control characters escaped."""
    root = project_copy(tmp_path)
    team_file = root / "teams" / "prod" / "hr-copilot.yaml"
    doc = yaml.safe_load(team_file.read_text())
    long = "line one of a file\x1b[2J" + "x" * 300
    doc["costCenter"], doc["contentFilter"], doc["models"][0]["sku"] = long, long, long
    team_file.write_text(yaml.safe_dump(doc))
    for command, code, text in every_command(root / "Pulumi.prod.yaml"):
        assert code == 1, (command, text[-2000:])
        assert "'line one of a file\\x1b[2Jxxxxxxxxxxxxxxx'…" in text, text
        assert "\x1b" not in text and "x" * 41 not in text, text


# --- every error at once --------------------------------------------------------------------------------------


def test_a_shape_error_in_one_team_hides_no_other_teams_errors():
    lz = minimal_landing_zone(
        teams=[
            team(
                "team-a",
                models=[{"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 0}],
            ),
            team("team-b", contentFilter="strictt"),
            team(
                "team-c", models=[{"name": "gpt-4o", "version": "2024-05-13", "sku": "GlobalStandard", "capacity": 1}]
            ),
        ],
        contentFilters=[{"name": "strict"}],
    )
    assert errors_of(lz) == {
        "landingZone.teams[0].models[0].capacity": "must be >= 1 (got 0)",
        "landingZone.teams[1].contentFilter": "unknown content filter 'strictt': did you mean strict? (or add it under"
        " landingZone.contentFilters)",
        "landingZone.teams[2].models[0].version": "gpt-4o 2024-05-13 retired on 2026-10-01; move to 2024-11-20",
    }


def test_a_stack_shape_error_hides_no_team_files_catalog_errors(tmp_path):
    root = project_copy(tmp_path)
    config = root / "Pulumi.prod.yaml"
    stack = yaml.safe_load(config.read_text())
    stack["config"]["ai-landing-zone:landingZone"]["gateway"]["sku"] = "StandardV3"
    config.write_text(yaml.safe_dump(stack))
    team_file = root / "teams" / "prod" / "hr-copilot.yaml"
    doc = yaml.safe_load(team_file.read_text())
    doc["models"][0].update(name="gpt-4o", version="2024-05-13")
    team_file.write_text(yaml.safe_dump(doc))
    for command, code, text in every_command(config):
        assert code == 1, (command, text[-2000:])
        assert (
            "landingZone.gateway.sku: 'StandardV3' is not one of the allowed values: did you mean StandardV2?" in text
        )
        assert "teams/prod/hr-copilot.yaml: models[0].version: gpt-4o 2024-05-13 retired on 2026-10-01" in text, text


# --- did you mean ---------------------------------------------------------------------------------------------


def _one_model(**fields) -> dict:
    model = {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 1}
    return {"teams": [team("team-a", models=[{**model, **fields}])]}


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            _one_model(name="gpt-4.1-mnii"),
            "landingZone.teams[0].models[0].name",
            "unknown model 'gpt-4.1-mnii': did you mean gpt-4.1-mini?",
        ),
        (
            _one_model(sku="GlobalStandrd"),
            "landingZone.teams[0].models[0].sku",
            "'GlobalStandrd' is not one of the allowed values: did you mean GlobalStandard?",
        ),
        (
            {"teams": [team("team-a", dataClassification="confidental")]},
            "landingZone.teams[0].dataClassification",
            "'confidental' is not one of the allowed values: did you mean confidential?",
        ),
        (
            {"quotas": [{"region": "swedencentrl", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 9}]},
            "landingZone.quotas[0].region",
            "'swedencentrl' is not a region of this stack; did you mean swedencentral?",
        ),
    ],
)
def test_a_name_that_is_almost_right_gets_the_closest_one(change, path, message):
    errs = errors_of(minimal_landing_zone(**change))
    assert errs[path] == message, errs
    assert len(errs[path]) < 100


def test_every_string_of_the_real_stacks_quoted_only_in_part(tmp_path):
    """Mutation over every string value of the prod stack and its team files: one at a time, it becomes a
    file's worth of text with a terminal escape in it. Whatever the plan says about it quotes at most
    ``EXCERPT_CHARS`` characters, escaped."""
    from infra.diagnostics import EXCERPT_CHARS
    from infra.topology import decide
    from tests.bad_input.test_fuzz import _at, _paths

    long = "\x1b]0;pwned\x07" + "".join(f"{i:03d}" for i in range(100))
    runs = {long[i : i + EXCERPT_CHARS + 1] for i in range(len(long) - EXCERPT_CHARS)}
    root = project_copy(tmp_path)
    stack = yaml.safe_load((root / "Pulumi.prod.yaml").read_text())["config"]["ai-landing-zone:landingZone"]
    files = {rel: yaml.safe_load((root / rel).read_text()) for rel in stack["teamFiles"]}

    def strings(doc):
        return [p for p in _paths(doc) if isinstance(_at(doc, p), str)]

    cases = [(None, p) for p in strings(stack)] + [(rel, p) for rel, d in files.items() for p in strings(d)]
    assert len(cases) > 60
    for rel, path in cases:
        raw, doc = json.loads(json.dumps(stack)), json.loads(json.dumps(files[rel])) if rel else None
        target = doc if rel else raw
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = long
        if rel:
            (root / rel).write_text(yaml.safe_dump(doc))
        _, diags = decide(raw, PLAN_DATE, base_dir=root)
        if rel:
            (root / rel).write_text(yaml.safe_dump(files[rel]))
        said = "\n".join(str(d) for d in diags)
        assert not any(run in said for run in runs), (rel, path, said)
        assert "\x1b" not in said and "\x07" not in said, (rel, path, said)
