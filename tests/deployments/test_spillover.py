"""PTU spillover: a provisioned deployment names a standard one on the same account for its overflow.

Source for every rule: "Manage traffic with spillover for provisioned deployments"
(learn.microsoft.com/azure/ai-services/openai/how-to/spillover-traffic-management), Prerequisites: "a global
provisioned or data zone provisioned deployment as the primary"; the standard deployment must be "in the same
Azure OpenAI resource"; "the data processing level of your standard deployment must match your provisioned
deployment (for example, a global provisioned deployment must be used with a global standard spillover
deployment)"; overflow "requests are billed at the associated input token, cached token, and output token rates".
"""

from __future__ import annotations

import pytest

from infra.topology import decide
from tests.conftest import diagnostics_of, errors_of
from tests.helpers import DEPLOYMENT, PLAN_DATE, minimal_landing_zone, of_type, register, team

PTU = {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 15}
PAYG = {
    "name": "gpt-4.1",
    "version": "2025-04-14",
    "sku": "GlobalStandard",
    "capacity": 50,
    "deploymentName": "team-a-overflow",
}


def lz(*models: dict) -> dict:
    return minimal_landing_zone(teams=[team("team-a", models=list(models))])


def spilling(**target) -> tuple[dict, dict]:
    return {**PTU, "deploymentName": "team-a-ptu", "spilloverDeploymentName": "team-a-overflow"}, {**PAYG, **target}


def test_a_global_ptu_spills_to_a_global_standard_deployment_listed_after_it_but_deployed_first():
    ptu, target = spilling()
    topology, diags = decide(lz(ptu, target), PLAN_DATE)
    assert topology is not None, diags
    (account,) = topology.accounts
    assert [d.name for d in account.deployments] == ["team-a-overflow", "team-a-ptu"]
    from infra.program import declare

    resources = register(lambda: declare(topology))
    overflow, provisioned = of_type(resources, DEPLOYMENT)
    assert provisioned.inputs["properties"]["spilloverDeploymentName"] == "team-a-overflow"
    assert overflow.urn in provisioned.depends_on  # target first, still one at a time on the account
    assert "spilloverDeploymentName" not in overflow.inputs["properties"]


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ({"sku": "DataZoneStandard"}, "spills over to GlobalStandard only"),
        ({"sku": "GlobalProvisionedManaged", "capacity": 15}, "spills over to GlobalStandard only"),
        ({"deploymentName": "team-a-other"}, "no deployment 'team-a-overflow' on account"),
    ],
)
def test_the_target_must_match_and_be_standard_on_the_same_account(target, fragment):
    ptu, payg = spilling(**target)
    errors = errors_of(lz(ptu, payg))
    assert list(errors) == ["landingZone.teams[0].models[0].spilloverDeploymentName"], errors
    assert fragment in errors["landingZone.teams[0].models[0].spilloverDeploymentName"]


def test_only_global_and_data_zone_provisioned_deployments_spill_over():
    regional = {**PTU, "sku": "ProvisionedManaged", "capacity": 50, "spilloverDeploymentName": "team-a-overflow"}
    (message,) = errors_of(lz(regional, {**PAYG, "sku": "Standard"})).values()
    assert message.startswith("spillover is for GlobalProvisionedManaged or DataZoneProvisionedManaged deployments")
    standard = {**PAYG, "deploymentName": "team-a-x", "spilloverDeploymentName": "team-a-overflow"}
    (message,) = errors_of(lz(standard, PAYG)).values()
    assert "team-a-x is GlobalStandard" in message


def test_data_zone_spills_to_data_zone():
    ptu = {**PTU, "sku": "DataZoneProvisionedManaged", "spilloverDeploymentName": "team-a-overflow"}
    assert errors_of(lz(ptu, {**PAYG, "sku": "DataZoneStandard"})) == {}


def test_another_teams_deployment_is_not_a_spillover_target():
    ptu, payg = spilling()
    other = team("team-b", principal="00000000-0000-0000-0000-00000000000b", models=[payg])
    config = minimal_landing_zone(teams=[team("team-a", models=[ptu]), other])
    config["teams"][1]["models"][0]["deploymentName"] = "team-a-overflow"  # taken by team-b on the shared account
    message = errors_of(config)["landingZone.teams[0].models[0].spilloverDeploymentName"]
    assert message.startswith("team-a-overflow belongs to team-b")


def test_the_overflows_pay_as_you_go_exposure_is_shown():
    ptu, payg = spilling()
    (note,) = [d for d in diagnostics_of(lz(ptu, payg)) if d.path.endswith("spilloverDeploymentName")]
    assert note.severity == "info"
    assert "billed pay as you go at gpt-4.1 GlobalStandard rates, up to its 50,000 TPM" in note.message
    assert "USD a month per region" in note.message


def test_a_misspelt_target_gets_the_closest_of_the_teams_own_standard_deployments():
    ptu, payg = spilling()
    ptu["spilloverDeploymentName"] = "team-a-overflw"
    errors = errors_of(lz(ptu, payg))
    assert errors["landingZone.teams[0].models[0].spilloverDeploymentName"].endswith(
        "the spillover target must be a GlobalStandard deployment on the same account; did you mean team-a-overflow?"
    )
