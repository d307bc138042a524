"""Adopting what already runs, and the blog's GitOps scenario as a new user writes it."""

from __future__ import annotations

import json

import pytest

from infra import catalog as catalog_mod
from infra.config import ModelRequest
from infra.plan import PROJECT_ROOT, to_json
from infra.render import markdown, text
from tests.conftest import errors_of
from tests.helpers import DEPLOYMENT, PLAN_DATE, cli, example_plan, of_type, team

ADOPT = PROJECT_ROOT / "examples" / "adopt" / "Pulumi.adopt.yaml"
SUBSCRIPTION = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"


def blog(**model) -> dict:
    """The blog's parameter file as our config: the platform team's existing account, an app team's model."""
    return {
        "environment": "dev",
        "namePrefix": "contoso",
        "regions": [
            {
                "name": "australiaeast",
                "role": "primary",
                "existingAccount": {"name": "contoso-openai-01", "resourceGroup": "contoso-openai-rg"},
            }
        ],
        "teams": [team("app-team", models=[{"sku": "Standard", "capacity": 10, **model}])],
    }


def test_an_existing_account_needs_no_network_config():
    """Existing accounts get no private endpoint ("existing account: its network is managed by its owner"), so
    network.mode private (the default) must not ask for a VNet in their region."""
    assert errors_of(blog(name="gpt-4.1", version="2025-04-14", deploymentName="gpt-4.1")) == {}


@pytest.mark.parametrize("version", ["0613", "0314", "1106"])
def test_a_retired_family_says_when_and_what_replaces_it(version):
    """Retired Azure OpenAI models (learn.microsoft.com/azure/foundry/openai/concepts/retired-models):
    gpt-4-32k 0314/0613 retired June 6, 2025, replacement gpt-4o 2024-11-20. One error, whatever the version."""
    errors = errors_of(blog(name="gpt-4-32k", version=version, deploymentName="gpt-4-32k"))
    (path, message), *rest = errors.items()
    assert rest == []
    assert message.startswith("gpt-4-32k") and "retired on 2025-06-06; move to gpt-4o 2024-11-20" in message
    assert path.endswith(".version" if version != "1106" else ".name")


def test_every_retired_version_gets_a_way_forward_and_no_empty_allowed_list():
    """For every version of every catalog model and every deployment type: never "allowed: " with nothing
    after it; a retired version always says when."""
    catalog = catalog_mod.load()
    for name, model in catalog.models.items():
        for version, info in model.versions.items():
            for sku in ("Standard", "GlobalStandard", "ProvisionedManaged"):
                req = ModelRequest(name=name, version=version, sku=sku, capacity=50, alreadyDeployed=True)
                for d in catalog_mod.check_model(req, "m", catalog, PLAN_DATE):
                    assert not d.message.rstrip().endswith("allowed:"), d
                    if info.lifecycle == "Retired":
                        assert "retired on" in d.message or d.severity != "error" or "alreadyDeployed" in d.message, d


def test_retired_gpt_35_turbo_16k_points_to_its_documented_replacement():
    """gpt-35-turbo-16k 0613 retired April 30, 2025; replacement gpt-4.1-mini 2025-04-14 (retired-models page)."""
    (message,) = errors_of(blog(name="gpt-35-turbo-16k", version="0613")).values()
    assert message == (
        "gpt-35-turbo-16k 0613 retired on 2025-04-30; move to gpt-4.1-mini 2025-04-14 (Microsoft's named replacement)"
    )


@pytest.fixture(scope="module")
def adopt_plan():
    return example_plan("adopt")


def test_the_adoption_example_imports_what_runs_and_creates_what_the_pr_adds(adopt_plan):
    """Pulumi's import option (pulumi.com/docs/iac/concepts/resources/options/import): the resource is read by
    its ID and managed from then on; the ID is the deployment's ARM ID (REST Deployments - Create Or Update)."""
    adopted, added = of_type(adopt_plan.resources, DEPLOYMENT)
    assert adopted.inputs["deploymentName"] == "gpt-4.1"  # the name it already runs under, no team prefix
    assert adopted.import_id == (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/contoso-openai-rg/providers/"
        "Microsoft.CognitiveServices/accounts/contoso-openai-01/deployments/gpt-4.1"
    )
    assert adopted.inputs["accountName"] == "contoso-openai-01"
    assert adopted.inputs["resourceGroupName"] == "contoso-openai-rg"
    assert added.import_id is None and added.inputs["deploymentName"] == "app-team-text-embedding-3-small"
    assert adopted.urn in added.depends_on  # still one deployment at a time on the account
    assert not [r for r in adopt_plan.resources if "network" in r.type or r.type.endswith(":Account")]
    (note,) = [d for d in adopt_plan.diagnostics if d.path.endswith(".adopt")]
    assert note.severity == "info" and "remove adopt once that has run" in note.message


def test_every_view_shows_the_import(adopt_plan):
    doc = json.loads(to_json(adopt_plan))
    imported = [r for r in doc["resources"] if "importId" in r]
    assert [r["inputs"]["deploymentName"] for r in imported] == ["gpt-4.1"]
    assert "  = Deployment shared-default-general-australiaeast-gpt-4.1" in text(adopt_plan)
    assert "to import (adopted)" in markdown(adopt_plan)


def test_the_adoption_example_plans_from_the_readmes_command():
    result = cli("plan", "--stack", "adopt", "--config-file", str(ADOPT), "--date", PLAN_DATE.isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "import: /subscriptions/" in result.stdout


def test_adopting_needs_an_existing_account_and_the_subscription():
    lz = blog(name="gpt-4.1", version="2025-04-14", deploymentName="gpt-4.1", adopt=True)
    (message,) = errors_of(lz).values()  # no azure-native:subscriptionId
    assert "set azure-native:subscriptionId" in message
    del lz["regions"][0]["existingAccount"]
    lz["network"] = {"mode": "public"}
    message = errors_of(lz, subscription_id=SUBSCRIPTION)["landingZone.teams[0].models[0].adopt"]
    assert message.startswith("australiaeast has no existingAccount, so there is no deployment to adopt there")


def test_teams_on_an_existing_shared_account_keep_names_but_not_each_others():
    lz = blog(name="gpt-4.1", version="2025-04-14", deploymentName="gpt-4.1")
    lz["teams"].append(
        team(
            "other-team",
            principal="00000000-0000-0000-0000-00000000000b",
            models=[
                {
                    "name": "gpt-4.1",
                    "version": "2025-04-14",
                    "sku": "Standard",
                    "capacity": 5,
                    "deploymentName": "gpt-4.1",
                }
            ],
        )
    )
    (message,) = errors_of(lz).values()
    assert "deployment name 'gpt-4.1' is already used on account contoso-openai-01" in message
