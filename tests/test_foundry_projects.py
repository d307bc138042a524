"""A Foundry landing zone: AIServices with project management, a project per team, behind the gateway."""

from __future__ import annotations

import json

import pytest

from infra.plan import to_json
from tests.conftest import errors_of
from tests.helpers import ROLE_ASSIGNMENT, example_plan, minimal_landing_zone, of_type

PROJECT = "azure-native:cognitiveservices:Project"
CONNECTION = "azure-native:cognitiveservices:ProjectConnection"
AZURE_AI_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
ACCOUNT = "azure-native:cognitiveservices:Account"


@pytest.fixture(scope="module")
def foundry():
    return example_plan("foundry")


def test_a_first_preview_registers_the_same_and_knows_the_project_endpoints(foundry):
    preview = example_plan("foundry", first_preview=True)
    assert sorted(r.urn for r in preview.resources) == sorted(r.urn for r in foundry.resources)
    doc = json.loads(to_json(preview))
    endpoint = doc["outputs"]["teams"]["research"]["projects"]["francecentral"]["endpoint"]
    assert endpoint.endswith(".services.ai.azure.com/api/projects/research")  # decided, so known before deploy


def test_every_account_is_a_foundry_resource(foundry):
    accounts = of_type(foundry.resources, ACCOUNT)
    assert len(accounts) == 2
    for a in accounts:
        assert a.inputs["kind"] == "AIServices" and a.inputs["properties"]["allowProjectManagement"] is True


def test_a_project_per_team_per_account_with_its_own_identity(foundry):
    """Projects follow tenancy: two teams on a shared account, one project each, in each region."""
    projects = of_type(foundry.resources, PROJECT)
    assert sorted((p.inputs["accountName"][-13:], p.inputs["projectName"]) for p in projects) == [
        ("francecentral", "research"),
        ("francecentral", "support-bot"),
        ("swedencentral", "research"),
        ("swedencentral", "support-bot"),
    ]
    for p in projects:
        assert p.inputs["identity"] == {"type": "SystemAssigned"}
        assert p.inputs["properties"]["displayName"] == p.inputs["projectName"]  # ARM requires properties


def test_roles_are_azure_ai_user_scoped_to_the_project_and_the_project_identity_on_its_account(foundry):
    """rbac-foundry (learn.microsoft.com/azure/foundry/concepts/rbac-foundry): Azure AI User
    (53ca6127-...) for users; "Assign the Azure AI User role on your Foundry resource to your project's managed
    identity" (done by the portal, not by deployments from code)."""
    by_urn = {r.urn: r for r in foundry.resources}
    ai_user = [
        r for r in of_type(foundry.resources, ROLE_ASSIGNMENT) if r.inputs["roleDefinitionId"].endswith(AZURE_AI_USER)
    ]
    assert len(ai_user) == 8  # per project: the team's group, the project's identity
    projects = {p.urn: p for p in of_type(foundry.resources, PROJECT)}
    team_grants = [r for r in ai_user if r.name.rsplit("-users-", 1)[-1] != r.name]
    identity_grants = [r for r in ai_user if r.name.endswith("-identity-project")]
    assert len(team_grants) == len(identity_grants) == 4
    for r in team_grants:
        scope = r.inputs["scope"]
        (project,) = [
            p
            for p in projects.values()
            if scope.endswith(f"/accounts/{p.inputs['accountName']}/projects/{p.inputs['projectName']}")
        ]
        assert project.urn in r.depends_on
        assert r.name.startswith(project.name)  # the team's own project, in its own region
    for r in identity_grants:
        assert "/projects/" not in str(r.inputs["scope"])  # the account, not broader
        assert any(by_urn[u].type == PROJECT for u in r.depends_on)


def test_each_project_connects_to_the_gateway_keyless(foundry):
    """Foundry's documented connection to models behind API Management: category ApiManagement, Entra ID or
    API key auth, metadata deploymentInPath and models (learn.microsoft.com/azure/foundry/agents/how-to/ai-gateway)."""
    connections = of_type(foundry.resources, CONNECTION)
    assert len(connections) == 4
    for c in connections:
        props = c.inputs["properties"]
        assert (props["category"], props["authType"]) == ("ApiManagement", "AAD")
        assert props["metadata"]["deploymentInPath"] == "true"
        models = json.loads(props["metadata"]["models"])
        team = c.inputs["projectName"]
        assert models and all(m["name"].startswith(f"{team}-") for m in models)  # only the team's deployments
    research = next(c for c in connections if c.inputs["projectName"] == "research")
    formats = {
        m["properties"]["model"]["format"] for m in json.loads(research.inputs["properties"]["metadata"]["models"])
    }
    assert formats == {"OpenAI", "Meta"}


def test_outputs_give_each_team_its_project_endpoint_and_id(foundry):
    doc = json.loads(to_json(foundry))
    projects = doc["outputs"]["teams"]["support-bot"]["projects"]
    assert set(projects) == {"swedencentral", "francecentral"}
    assert projects["swedencentral"]["endpoint"] == (
        "https://oai-fabrikam-dev-shared-default-general-swedencentral.services.ai.azure.com/api/projects/support-bot"
    )
    assert "id" in projects["swedencentral"] and "principalId" in projects["swedencentral"]


def test_every_endpoint_a_project_uses_resolves_privately(foundry):
    """One private endpoint (group account) serves the account and its projects; the project endpoint host
    <account>.services.ai.azure.com resolves through privatelink.services.ai.azure.com, next to the openai and
    cognitiveservices zones (learn.microsoft.com/azure/foundry/agents/how-to/virtual-networks, DNS zones)."""
    zones = {r.inputs["privateZoneName"] for r in foundry.resources if r.type == "azure-native:privatedns:PrivateZone"}
    assert {
        "privatelink.services.ai.azure.com",
        "privatelink.openai.azure.com",
        "privatelink.cognitiveservices.azure.com",
    } <= zones
    for a in of_type(foundry.resources, ACCOUNT):
        assert a.inputs["properties"]["publicNetworkAccess"] == "Disabled"


def test_projects_need_an_aiservices_account():
    lz = minimal_landing_zone(account={"kind": "OpenAI", "allowProjectManagement": True})
    assert errors_of(lz) == {
        "landingZone.account.allowProjectManagement": "Foundry projects need account.kind: AIServices"
    }


def test_the_plan_says_how_the_gateway_admits_a_project(foundry):
    (note,) = [d for d in foundry.diagnostics if d.path == "landingZone.account.allowProjectManagement"]
    assert note.severity == "info" and "callerAppIds" in note.message


def test_projects_wait_for_the_deployments_and_each_other_on_their_account(foundry):
    """Child writes on one account conflict ("Another operation is being performed on the parent resource"):
    a project waits for the account's deployments, and the next project for the previous one."""
    by_urn = {r.urn: r for r in foundry.resources}
    for account in of_type(foundry.resources, ACCOUNT):
        name = account.inputs["accountName"]
        projects = [p for p in of_type(foundry.resources, PROJECT) if p.inputs["accountName"] == name]
        deployments = {
            r.urn for r in foundry.resources if r.type.endswith(":Deployment") and r.inputs["accountName"] == name
        }
        first, second = projects
        assert deployments <= set(first.depends_on)
        assert any(by_urn[u].type == PROJECT and u == first.urn for u in second.depends_on)
