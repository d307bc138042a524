"""Models beyond OpenAI: Foundry Models sold directly by Azure, on AIServices accounts only."""

from __future__ import annotations

from infra import catalog as catalog_mod
from infra.operations import approved_models
from infra.topology import decide
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, minimal_landing_zone, team

LLAMA = {"name": "Llama-4-Maverick-17B-128E-Instruct-FP8", "version": "1", "sku": "GlobalStandard", "capacity": 1}


def foundry(*models: dict, kind: str = "AIServices") -> dict:
    return minimal_landing_zone(account={"kind": kind}, teams=[team("team-a", models=list(models))])


def test_a_meta_model_plans_on_an_aiservices_account_with_its_format():
    """ "You need the properties name, format, version, and sku. The property format indicates the provider
    offering the model" (learn.microsoft.com/azure/foundry/foundry-models/how-to/create-model-deployments)."""
    topology, diags = decide(foundry(LLAMA), PLAN_DATE)
    assert topology is not None, diags
    (deployment,) = topology.accounts[0].deployments
    assert (deployment.model_format, deployment.model_name, deployment.sku) == ("Meta", LLAMA["name"], "GlobalStandard")


def test_a_model_of_another_provider_is_refused_on_an_openai_account():
    """Models sold directly by Azure other than OpenAI's are served by a Foundry (AIServices) resource
    (learn.microsoft.com/azure/foundry/foundry-models/concepts/models-sold-directly-by-azure)."""
    (path, message), *rest = errors_of(foundry(LLAMA, kind="OpenAI")).items()
    assert rest == [] and path == "landingZone.teams[0].models[0].name"
    assert message.startswith(f"{LLAMA['name']} is a Meta model: only an AIServices (Foundry) account")


def test_a_wrong_publisher_is_named():
    errors = errors_of(foundry({**LLAMA, "format": "Mistral AI"}))
    assert errors == {
        "landingZone.teams[0].models[0].format": f"{LLAMA['name']} is published as 'Meta', not 'Mistral AI'"
    }


def test_retired_models_of_other_providers_say_what_replaces_them():
    """Model retirement schedule: grok-3 retired 2026-05-01 (replacement grok-4 / grok-4-1-fast-reasoning);
    DeepSeek-R1 retires 2026-08-13 (replacement DeepSeek-V4-Pro)."""
    grok3 = {"name": "grok-3", "version": "1", "sku": "GlobalStandard", "capacity": 1}
    r1 = {"name": "DeepSeek-R1", "version": "1", "sku": "GlobalStandard", "capacity": 1}
    messages = sorted(errors_of(foundry(grok3, r1)).values())
    assert messages == [
        "DeepSeek-R1 1 retired on 2026-08-13; move to DeepSeek-V4-Pro (Microsoft's named replacement)",
        "grok-3 1 retired on 2026-05-01; move to grok-4 or grok-4-1-fast-reasoning (Microsoft's named replacement)",
    ]


def test_the_allowed_models_policy_and_the_catalog_cover_every_provider():
    catalog = catalog_mod.load()
    approved = approved_models(catalog, PLAN_DATE)
    formats = {catalog.models[name].format for name in approved}
    assert formats == {"OpenAI", "Meta", "Mistral AI", "DeepSeek", "xAI", "Cohere"}
    assert "grok-3" not in approved and "MAI-DS-R1" not in approved  # retired: never approved
