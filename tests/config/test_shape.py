"""Stack config validation: every mistake names its YAML path and the fix."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from infra import catalog
from infra.config import LandingZone, parse, stack_file_schema
from infra.diagnostics import parse_config_text
from infra.plan import PROJECT_ROOT
from tests.conftest import errors_of
from tests.helpers import minimal_landing_zone


def messages(raw) -> dict[str, str]:
    return errors_of(raw)


def test_minimal_config_parses_with_secure_defaults():
    lz, diags = parse(minimal_landing_zone())
    assert diags == []
    assert isinstance(lz, LandingZone)
    assert lz.account.disable_local_auth is True
    assert lz.network.mode == "private"
    assert lz.network.uses_private_endpoints is True
    assert lz.network.private_dns.mode == "create"
    assert lz.teams[0].models[0].version_upgrade_option is None  # resolved per SKU: catalog.upgrade_option
    assert catalog.upgrade_option(lz.teams[0].models[0]) == "OnceCurrentVersionExpired"


def _set(raw: dict, path: list, value) -> dict:
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "yaml_path", "expected"),
    [
        (["teams", 0, "models", 0, "capacity"], 0, "landingZone.teams[0].models[0].capacity", "must be >= 1 (got 0)"),
        (["teams", 0, "models", 0, "capacity"], "10", "landingZone.teams[0].models[0].capacity", "must be an integer"),
        (
            ["teams", 0, "models", 0, "sku"],
            "Global",
            "landingZone.teams[0].models[0].sku",
            "did you mean GlobalStandard?",
        ),
        (["teams", 0, "models", 0, "sku"], "PTU", "landingZone.teams[0].models[0].sku", "must be one of 'Standard'"),
        (["teams", 0, "name"], "Team_A", "landingZone.teams[0].name", "DNS-safe slug"),
        (["regions", 0, "role"], "main", "landingZone.regions[0].role", "must be one of 'primary' or 'secondary'"),
        (["regions"], [], "landingZone.regions", "needs at least 1"),
        (["environment"], "Prod!", "landingZone.environment", "2-10 lowercase letters and digits"),
        (
            ["account"],
            {"kind": "OpenAi"},
            "landingZone.account.kind",
            "'OpenAi' is not one of the allowed values: did you mean OpenAI?",
        ),
        (
            ["account"],
            {"kind": "Bedrock"},
            "landingZone.account.kind",
            "must be one of 'OpenAI' or 'AIServices' (got 'Bedrock')",
        ),
        (["account"], {"disableLocalAuth": "yes"}, "landingZone.account.disableLocalAuth", "must be true or false"),
        (["network", "mode"], "open", "landingZone.network.mode", "must be one of 'private' or 'public'"),
        (["tenancy"], "hybrid", "landingZone.tenancy", "must be one of 'shared'"),
    ],
)
def test_each_bad_field_names_its_yaml_path(path, value, yaml_path, expected):
    errors = messages(_set(minimal_landing_zone(), path, value))
    assert yaml_path in errors, errors
    assert expected in errors[yaml_path]


def test_missing_required_key():
    raw = minimal_landing_zone()
    del raw["namePrefix"]
    assert messages(raw) == {"landingZone.namePrefix": "is required"}


def test_an_unknown_key_gets_the_closest_allowed_one():
    raw = minimal_landing_zone()
    raw["teams"][0]["models"][0]["capcity"] = 5
    assert messages(raw)["landingZone.teams[0].models[0].capcity"] == "unknown key; did you mean capacity?"


def test_an_unknown_key_like_no_allowed_one_lists_them():
    raw = minimal_landing_zone()
    raw["teams"][0]["models"][0]["zzz"] = 5
    msg = messages(raw)["landingZone.teams[0].models[0].zzz"]
    assert msg.startswith("unknown key; allowed: adopt, alreadyDeployed, capacity")
    assert "deploymentName" in msg


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0613", 'must be a string; YAML read it as the number 395: quote it, e.g. "0613"'),  # octal, to the CLI too
        ("y", "must be a string; YAML reads yes/no/on/off/y/n as true: quote it"),
    ],
)
def test_an_unquoted_version_the_engine_reads_as_another_type_explains_the_quote(text, message):
    doc, problems = parse_config_text(f"version: {text}\n", "team.yaml")
    assert problems == []
    errors = messages(_set(minimal_landing_zone(), ["teams", 0, "models", 0, "version"], doc["version"]))
    assert errors["landingZone.teams[0].models[0].version"] == message


def test_all_errors_are_reported_together():
    raw = minimal_landing_zone(environment="PROD", namePrefix="x")
    raw["teams"][0]["models"][0]["capacity"] = -1
    raw["regions"][0]["role"] = "main"
    assert set(messages(raw)) == {
        "landingZone.environment",
        "landingZone.namePrefix",
        "landingZone.teams[0].models[0].capacity",
        "landingZone.regions[0].role",
    }


def test_cross_field_errors_are_reported_together():
    raw = minimal_landing_zone(
        regions=[{"name": "swedencentral", "role": "primary"}, {"name": "swedencentral", "role": "primary"}],
    )
    raw["network"] = {"mode": "public", "allowedIps": ["10.0.0.1/8", "not-an-ip"]}
    raw["teams"].append(dict(raw["teams"][0]))
    raw["teams"][0]["contentFilter"] = "strict"
    errors = messages(raw)
    assert "exactly one region with role: primary (found 2)" in errors["landingZone.regions"]
    assert "duplicate name 'swedencentral'" in errors["landingZone.regions[1].name"]
    assert "landingZone.network.allowedIps[0]" in errors
    assert "landingZone.network.allowedIps[1]" in errors
    assert "duplicate name 'team-a'" in errors["landingZone.teams[1].name"]
    assert "unknown content filter 'strict'" in errors["landingZone.teams[0].contentFilter"]


def test_missing_landing_zone():
    _, diags = parse(None)
    assert [d.path for d in diags] == ["landingZone"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_validate_against_the_published_schema(stack):
    doc = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())
    jsonschema.validate(doc, stack_file_schema())


def test_schema_rejects_what_pydantic_rejects():
    doc = {"config": {"ai-landing-zone:landingZone": {**minimal_landing_zone(), "unknown": 1}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, stack_file_schema())
    json.dumps(stack_file_schema())  # serialisable, as `python -m infra schema` prints it
