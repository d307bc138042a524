"""Config as the engine hands it to the program, and the plan's reading of the stack file, agree.

The engine passes config as ``PULUMI_CONFIG`` (``namespace:key`` -> string; objects as JSON text) and the
secret keys as ``PULUMI_CONFIG_SECRET_KEYS``; the language host's exec script then calls
``set_all_config(get_config_env(), get_config_secret_keys_env())`` (pulumi/pulumi,
sdk/python/cmd/pulumi-language-python-exec). This harness does exactly that, then runs ``infra/``.
"""

from __future__ import annotations

import json
import runpy

import pulumi
import pytest
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra import mocks
from infra.config import NO_SECRETS, TEAM_FILES_DIR_ENV
from infra.plan import INFRA_DIR, PROJECT, load_stack, make_plan, subscription_of
from infra.program import PLAN_DATE_ENV, ConfigError
from tests.helpers import DEPLOYMENT, PLAN_DATE, prod_copy


def run_like_the_language_host(monkeypatch, values: dict[str, str], secret_keys: list[str]):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(values))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(secret_keys))
    monkeypatch.setenv(PLAN_DATE_ENV, PLAN_DATE.isoformat())
    # The engine configures azure-native's default provider from the same config: its subscription too.
    monitor = mocks.install(PROJECT, "prod", subscription_id=subscription_of(values))
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    _sync_await(run_pulumi_func(lambda: runpy.run_path(str(INFRA_DIR), run_name="__main__")))
    return monitor.recorded


def test_the_program_under_pulumi_config_registers_what_the_plan_shows(monkeypatch, prod):
    cfg, diags = load_stack("prod")
    assert diags == []
    recorded = run_like_the_language_host(monkeypatch, cfg.values, cfg.secret_keys)
    assert sorted((r.urn, str(r.inputs)) for r in recorded) == sorted((r.urn, str(r.inputs)) for r in prod.resources)


def test_a_secret_landing_zone_is_refused_the_same_way_in_both(monkeypatch, tmp_path):
    """A whole landingZone stored as a secret, or one value set with ``pulumi config set --path --secret``:
    under the engine the key is listed secret and its value arrives decrypted; ``get_object`` would put it
    in resource inputs and state in plain text. Both paths refuse it with one message."""
    cfg, _ = load_stack("prod")
    key = f"{PROJECT}:landingZone"
    with pytest.raises(ConfigError, match="is stored as a secret"):
        run_like_the_language_host(monkeypatch, cfg.values, [key])
    config = prod_copy(tmp_path)
    text = config.read_text().replace(
        "publisherEmail: ai-platform@contoso.com", "publisherEmail:\n        secure: v1:AAAAciphertext=="
    )
    config.write_text(text)
    plan = make_plan("prod", PLAN_DATE, config)
    (err,) = [d for d in plan.diagnostics if d.severity == "error"]
    assert err.path == "Pulumi.prod.yaml: landingZone.gateway.publisherEmail" and err.message == NO_SECRETS
    assert "AAAAciphertext" not in str(plan.diagnostics)


def test_an_esc_environment_is_said_not_opened(tmp_path):
    config = prod_copy(tmp_path)
    config.write_text("environment:\n  - contoso/ai-prod\n" + config.read_text())
    plan = make_plan("prod", PLAN_DATE, config)
    assert plan.ok
    (note,) = [d for d in plan.diagnostics if d.path == "Pulumi.prod.yaml: environment"]
    assert note.severity == "info" and "contoso/ai-prod" in note.message and "cannot open" in note.message
    only_esc = tmp_path / "Pulumi.esc.yaml"
    only_esc.write_text("environment: [contoso/ai-prod]\nconfig:\n  azure-native:location: swedencentral\n")
    plan = make_plan("esc", PLAN_DATE, only_esc)
    assert not plan.ok
    assert any("landingZone is not in the stack file" in d.message for d in plan.diagnostics)


def test_team_files_are_found_by_one_rule_in_the_plan_and_under_the_engine(monkeypatch, tmp_path):
    """The engine gives the program config values, never the stack file's path, even with ``--config-file``;
    so ``teamFiles`` start at the project root for both, unless AI_LANDING_ZONE_TEAM_FILES_DIR moves them
    for both. A copy whose team file differs shows which files each read."""
    config = prod_copy(tmp_path)
    team_file = tmp_path / "teams" / "prod" / "hr-copilot.yaml"
    team_file.write_text(team_file.read_text().replace("capacity: 50}", "capacity: 60}", 1))
    assert "capacity: 60" in team_file.read_text()
    monkeypatch.delenv(TEAM_FILES_DIR_ENV, raising=False)
    capacities = lambda resources: sorted(  # noqa: E731
        r.inputs["sku"]["capacity"] for r in resources if r.type == DEPLOYMENT and "hr-copilot" in r.name
    )
    from_root = make_plan("prod", PLAN_DATE, config)
    cfg, _ = load_stack("prod", config)
    under_engine = run_like_the_language_host(monkeypatch, cfg.values, cfg.secret_keys)
    assert capacities(from_root.resources) == capacities(under_engine) and 60 not in capacities(under_engine)
    monkeypatch.setenv(TEAM_FILES_DIR_ENV, str(tmp_path))
    beside = make_plan("prod", PLAN_DATE, config)
    under_engine = run_like_the_language_host(monkeypatch, cfg.values, cfg.secret_keys)
    assert capacities(beside.resources) == capacities(under_engine) and 60 in capacities(under_engine)
