"""Catalog validation: what Azure would reject is an error before anything deploys."""

from __future__ import annotations

import datetime as dt

import pytest

from infra import catalog
from infra import catalog as catalog_mod
from infra.config import DeploymentSku, parse
from infra.topology import decide
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, minimal_landing_zone, team

SKUS = set(DeploymentSku.__args__)


def test_catalog_file_is_consistent():
    cat = catalog.load()
    assert cat.snapshot_date <= PLAN_DATE
    assert cat.sources and all(s.url.startswith("https://") for s in cat.sources)
    assert cat.limits.max_standard_deployments_per_account == 32
    assert cat.provisioned["GlobalProvisionedManaged"].minimum == 15
    assert cat.provisioned["GlobalProvisionedManaged"].increment == 5
    for name, model in cat.models.items():
        for version, info in model.versions.items():
            assert set(info.skus) <= SKUS, (name, version)
            if "ProvisionedManaged" in info.skus:
                assert model.provisioned_managed and model.provisioned_managed.minimum, name


def diags_for(models: list[dict], today: dt.date = PLAN_DATE, **lz) -> list:
    raw = minimal_landing_zone(**lz)
    raw["teams"][0]["models"] = models
    _, diags = decide(raw, today)
    return diags


def errors_for(models: list[dict], **kw) -> dict[str, str]:
    return {d.path: d.message for d in diags_for(models, **kw) if d.severity == "error"}


def model(name="gpt-4.1-mini", version="2025-04-14", sku="GlobalStandard", capacity=10, **extra) -> dict:
    return {"name": name, "version": version, "sku": sku, "capacity": capacity, **extra}


def test_valid_request_has_no_diagnostics():
    assert diags_for([model()]) == []


def test_unknown_model_far_from_every_name_says_where_the_names_are():
    errors = errors_for([model(name="zzz-9")])
    assert errors["landingZone.teams[0].models[0].name"] == (
        "unknown model 'zzz-9': infra/data/model_catalog.yaml lists them"
    )


def test_unknown_version_lists_known_ones():
    errors = errors_for([model(version="2099-01-01")])
    assert errors["landingZone.teams[0].models[0].version"] == (
        "unknown version '2099-01-01' of gpt-4.1-mini; known versions: 2025-04-14"
    )


def test_sku_the_model_does_not_allow():
    # gpt-5 is not offered as regional Standard.
    errors = errors_for([model(name="gpt-5", version="2025-08-07", sku="Standard")])
    assert "cannot be deployed as Standard" in errors["landingZone.teams[0].models[0].sku"]


def test_retired_version_is_an_error_with_the_upgrade_path():
    errors = errors_for([model(name="gpt-4o", version="2024-05-13")])
    msg = errors["landingZone.teams[0].models[0].version"]
    assert msg.startswith("gpt-4o 2024-05-13 retired on 2026-10-01")
    # The upgrade path names only versions a new deployment may use: 2024-08-06 is Deprecated.
    assert msg.endswith("; move to 2024-11-20")


def test_retirement_boundaries():
    retire = catalog.load().models["gpt-4.1-mini"].versions["2025-04-14"].retirement
    at = lambda days: diags_for([model()], today=retire - dt.timedelta(days=days))  # noqa: E731
    assert [d.severity for d in at(0)] == ["error"]
    assert [d.severity for d in at(1)] == ["warning"]
    assert [d.severity for d in at(90)] == ["warning"]
    assert "(90 days left)" in at(90)[0].message
    assert at(91) == []


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (model(name="gpt-4.1", sku="GlobalProvisionedManaged", capacity=10), "needs at least 15 PTUs (got 10)"),
        (model(name="gpt-4.1", sku="GlobalProvisionedManaged", capacity=17), "steps of 5 PTUs from 15 (got 17)"),
        (model(name="gpt-4.1", sku="DataZoneProvisionedManaged", capacity=12), "needs at least 15 PTUs"),
        (model(name="gpt-4.1", sku="ProvisionedManaged", capacity=25), "needs at least 50 PTUs (got 25)"),
        (model(name="gpt-4.1", sku="ProvisionedManaged", capacity=75), "steps of 50 PTUs from 50 (got 75)"),
        (model(name="gpt-4.1-mini", sku="ProvisionedManaged", capacity=30), "steps of 25 PTUs from 25 (got 30)"),
    ],
)
def test_ptu_minimum_and_increment(request_, message):
    errors = errors_for([request_])
    assert message in errors["landingZone.teams[0].models[0].capacity"]


@pytest.mark.parametrize(
    "request_",
    [
        model(name="gpt-4.1", sku="GlobalProvisionedManaged", capacity=15),
        model(name="gpt-4.1", sku="GlobalProvisionedManaged", capacity=20),
        model(name="gpt-4.1", sku="ProvisionedManaged", capacity=100),
        model(name="gpt-4.1-mini", sku="ProvisionedManaged", capacity=25),
    ],
)
def test_valid_ptu_sizes(request_):
    assert errors_for([request_]) == {}


def test_standard_capacity_has_no_ptu_rules():
    assert errors_for([model(capacity=7)]) == {}


# Azure's own 32, with the landing zone's headroom (placement.maxDeploymentsPerAccount, default 28) raised to it.
AZURE_MAX = {"placement": {"maxDeploymentsPerAccount": 32}}


def test_more_than_32_standard_deployments_on_one_account():
    requests = [model(deploymentName=f"team-a-d{i}") for i in range(33)]
    errors = errors_for(requests, **AZURE_MAX)
    # The team cannot be placed whole (placement.team-fits), and the account would break Azure's limit.
    assert set(errors) == {"landingZone.teams[0].models[32]", "landingZone.teams[0].models"}
    assert "would hold 33 standard deployments; Azure allows 32" in errors["landingZone.teams[0].models[32]"]
    assert errors_for(requests[:32], **AZURE_MAX) == {}


def test_provisioned_deployments_do_not_count_against_the_standard_limit():
    requests = [model(deploymentName=f"team-a-d{i}") for i in range(32)]
    requests.append(model(name="gpt-4.1", sku="GlobalProvisionedManaged", capacity=15, deploymentName="team-a-ptu"))
    assert errors_for(requests, **AZURE_MAX) == {}


def test_duplicate_deployment_names_on_one_account():
    errors = errors_for([model(), model(capacity=20)])
    assert errors == {
        "landingZone.teams[0].models[1].deploymentName": "deployment name 'team-a-gpt-4.1-mini' is already used on"
        " account oai-contoso-dev-shared-default-general-swedencentral by landingZone.teams[0].models[0];"
        " set a unique deploymentName"
    }
    assert errors_for([model(), model(capacity=20, deploymentName="team-a-second")]) == {}


def test_catalog_errors_and_config_errors_come_together():
    raw = minimal_landing_zone(regions=[{"name": "swedencentral", "role": "secondary"}])
    raw["teams"][0]["models"] = [model(name="gpt-9")]
    _, diags = decide(raw, PLAN_DATE)
    errors = {d.path for d in diags if d.severity == "error"}
    assert errors == {"landingZone.regions", "landingZone.teams[0].models[0].name"}
    lz, _ = parse(raw)
    assert lz is not None


def test_provisioned_capacity_above_the_per_deployment_maximum_is_an_error():
    """Bug: a deployment above 100,000 PTUs (Azure's maximum) passed validation."""
    model = {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 100_005}
    errs = errors_of(minimal_landing_zone(teams=[team("team-a", models=[model])]))
    message = errs["landingZone.teams[0].models[0].capacity"]
    assert "100000" in message.replace(",", "").replace("_", "")
    model["capacity"] = 100_000  # the maximum itself is fine: 15 + 19,997 steps of 5
    assert errors_of(minimal_landing_zone(teams=[team("team-a", models=[model])])) == {}


def errors(lz: dict, subscription_id: str | None = None) -> dict[str, str]:
    _, diags = decide(lz, PLAN_DATE, subscription_id=subscription_id)
    return {d.path: d.message for d in diags if d.severity == "error"}


def _model_lz(**model) -> dict:
    return minimal_landing_zone(
        teams=[
            team(
                "team-a",
                models=[{"name": "gpt-4o", "version": "2024-08-06", "sku": "GlobalStandard", "capacity": 10, **model}],
            )
        ]
    )


def test_deprecated_versions_need_the_existing_customer_flag():
    """Deprecated: "Existing customers: Yes. New customers: No" ("Existing customer is determined at the
    subscription level"; learn.microsoft.com/azure/foundry/openai/concepts/model-retirements)."""
    assert catalog_mod.load().models["gpt-4o"].versions["2024-08-06"].lifecycle == "Deprecated"
    msg = errors(_model_lz())["landingZone.teams[0].models[0].version"]
    assert "is Deprecated" in msg and "alreadyDeployed: true" in msg and "move to 2024-11-20" in msg
    topology, diags = decide(_model_lz(alreadyDeployed=True), PLAN_DATE)
    assert topology is not None
    (w,) = [d for d in diags if d.path == "landingZone.teams[0].models[0].version"]
    assert w.severity == "warning" and "already deployed" in w.message
    assert "2024-08-06" in topology.guardrails.approved["gpt-4o"]
    plain, _ = decide(minimal_landing_zone(), PLAN_DATE)
    assert "2024-08-06" not in plain.guardrails.approved.get("gpt-4o", ())
    assert "2024-07-18" not in plain.guardrails.approved.get("gpt-4o-mini", ())
    flag_on_ga = minimal_landing_zone(
        teams=[
            team(
                "team-a",
                models=[
                    {
                        "name": "gpt-4.1-mini",
                        "version": "2025-04-14",
                        "sku": "GlobalStandard",
                        "capacity": 10,
                        "alreadyDeployed": True,
                    }
                ],
            )
        ]
    )
    assert "only for Deprecated versions" in errors(flag_on_ga)["landingZone.teams[0].models[0].alreadyDeployed"]


def test_provisioned_deployments_are_not_auto_upgraded():
    """ "Provisioned deployments are NOT auto-upgraded" (model-retirements, as above); "Automatic model updates
    are only supported for Standard deployment types" (learn.microsoft.com/azure/ai-foundry/openai/how-to/
    working-with-models)."""
    ptu = {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 15}
    topology, _ = decide(minimal_landing_zone(teams=[team("team-a", models=[ptu])]), PLAN_DATE)
    (d,) = topology.accounts[0].deployments
    assert d.version_upgrade_option == "NoAutoUpgrade"
    standard, _ = decide(minimal_landing_zone(), PLAN_DATE)
    assert standard.accounts[0].deployments[0].version_upgrade_option == "OnceCurrentVersionExpired"
    auto = minimal_landing_zone(
        teams=[team("team-a", models=[{**ptu, "versionUpgradeOption": "OnceNewDefaultVersionAvailable"}])]
    )
    assert "never auto-upgraded" in errors(auto)["landingZone.teams[0].models[0].versionUpgradeOption"]
