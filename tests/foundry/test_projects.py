"""A Foundry landing zone: AIServices with project management, a project per team, behind the gateway."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra import azure_types
from infra.plan import to_json
from tests.conftest import errors_of
from tests.helpers import ROLE_ASSIGNMENT, example_plan, minimal_landing_zone, of_type, private_network, team

PROJECT = azure_types.PROJECT.token
CONNECTION = azure_types.PROJECT_CONNECTION.token
DEFAULT_CONNECTION = "azure-native:cognitiveservices:ProjectConnection"
AZURE_AI_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
ACCOUNT = azure_types.ACCOUNT.token


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
        assert (props["category"], props["authType"]) == ("ApiManagement", "ProjectManagedIdentity")
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


# The Microsoft.CognitiveServices 2025-12-01 ARM schema (github.com/Azure/azure-resource-manager-schemas,
# schemas/2025-12-01/Microsoft.CognitiveServices.json; a copy in /work/shared/arm-schemas): what a project
# connection's properties (ConnectionPropertiesV2) may hold, its authType variants, and its name's pattern.
SCHEMA_2025_12_01 = Path("/work/shared/arm-schemas/schemas/2025-12-01/Microsoft.CognitiveServices.json")
CONNECTION_PROPERTIES = {
    "authType",
    "category",
    "credentials",
    "error",
    "expiryTime",
    "isSharedToAll",
    "metadata",
    "peRequirement",
    "peStatus",
    "sharedUserList",
    "target",
    "useWorkspaceManagedIdentity",
}
AUTH_TYPES = {
    "AAD",
    "AccessKey",
    "AccountKey",
    "ApiKey",
    "CustomKeys",
    "ManagedIdentity",
    "None",
    "OAuth2",
    "PAT",
    "SAS",
    "ServicePrincipal",
    "UsernamePassword",
}
CONNECTION_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$"
FOUNDRY_SAMPLE = (
    "github.com/microsoft-foundry/foundry-samples, infrastructure/infrastructure-setup-bicep/01-connections/apim/"
    "modules/apim-connection-common.bicep (commit 3956e365, 'add apim connection project managed identity')"
)


def gateway_connections(plan) -> list:
    """The projects' gateway connections: one per project, four in the example."""
    found = of_type(plan.resources, CONNECTION)
    assert len(found) == 4
    return found


def test_the_gateway_connection_uses_the_api_version_that_lists_its_category(foundry):
    """`ApiManagement` is a connection category of the official ARM schemas from 2025-10-01-preview and, GA,
    2025-12-01 (ConnectionPropertiesV2.category); 2025-06-01, the version azure-native 3.29's ProjectConnection
    class registers, does not list it. The provider serves every API version under its versioned type token, the
    one the SDK class lists among its aliases."""
    assert of_type(foundry.resources, DEFAULT_CONNECTION) == []
    assert {c.inputs["properties"]["category"] for c in gateway_connections(foundry)} == {"ApiManagement"}


def test_the_connection_is_keyless_with_the_project_identity_for_the_gateway_audience(foundry):
    """Keyless, as Microsoft's sample deploys an APIM connection for Foundry: `authType: ProjectManagedIdentity`,
    an `audience`, empty `credentials` (FOUNDRY_SAMPLE; learn.microsoft.com/azure/foundry/agents/how-to/ai-gateway
    sends readers to those templates to deploy a connection). That commit replaced the sample's commented-out
    `AAD` connection. Foundry asks Entra ID for the project identity's token for `audience`: the gateway admits
    only its `gateway.entra.audiences`, so the connection asks for the first (the example's
    api://fabrikam-ai-gateway). No `isDefault`: the 2025-12-01 schema has no such property, and Learn's page
    names a gateway model `<connection-name>/<model-name>` (here ai-gateway/<deployment>)."""
    for c in gateway_connections(foundry):
        props = c.inputs["properties"]
        assert props["authType"] == "ProjectManagedIdentity"
        assert props["audience"] == "api://fabrikam-ai-gateway"
        assert props["credentials"] == {}
        assert props["isSharedToAll"] is True
        assert "isDefault" not in props
        assert c.inputs["connectionName"] == "ai-gateway"


def test_the_connection_shape_is_the_2025_12_01_schema_but_for_the_samples_keyless_auth(foundry):
    """Against the 2025-12-01 schema: every property it defines, a category of its enum, metadata values that are
    strings, a name its pattern accepts. Two things it does not list, both from Microsoft's sample (FOUNDRY_SAMPLE):
    the authType `ProjectManagedIdentity` and `audience`. azure-native sends a union value whose discriminator
    matches no variant as given (provider/pkg/convert/sdkInputsToRequestBody.go), so both reach ARM."""
    for c in gateway_connections(foundry):
        props = c.inputs["properties"]
        assert set(props) - CONNECTION_PROPERTIES == {"audience"}
        assert props["authType"] == "ProjectManagedIdentity" and props["authType"] not in AUTH_TYPES
        assert all(isinstance(v, str) for v in props["metadata"].values())
        assert re.match(CONNECTION_NAME, c.inputs["connectionName"])


def test_the_schema_facts_the_tests_use_are_the_official_schemas():
    """The sets above, read from the official schemas where a copy is at hand (2025-12-01 and 2025-06-01)."""
    if not SCHEMA_2025_12_01.exists():
        pytest.skip("the ARM schema copy is not on this machine")
    schema = json.loads(SCHEMA_2025_12_01.read_text())
    props = schema["definitions"]["ConnectionPropertiesV2"]
    variants = props["oneOf"]
    assert {v["properties"]["authType"]["enum"][0] for v in variants} == AUTH_TYPES
    assert set(props["properties"]) | {k for v in variants for k in v["properties"]} == CONNECTION_PROPERTIES
    assert "ApiManagement" in props["properties"]["category"]["oneOf"][0]["enum"]
    name = schema["resourceDefinitions"]["accounts_projects_connections"]["properties"]["name"]["oneOf"][0]
    assert name["pattern"] == CONNECTION_NAME
    older = json.loads((SCHEMA_2025_12_01.parent.parent / "2025-06-01" / SCHEMA_2025_12_01.name).read_text())
    older_categories = older["definitions"]["ConnectionPropertiesV2"]["properties"]["category"]["oneOf"][0]["enum"]
    assert "ApiManagement" not in older_categories


def _foundry_lz(audiences: list[str]) -> dict:
    network = private_network(["swedencentral"])
    network["regions"]["swedencentral"]["vnet"]["gatewaySubnet"] = "10.0.0.64/27"
    return minimal_landing_zone(
        account={"kind": "AIServices", "allowProjectManagement": True},
        network=network,
        teams=[team("team-a", callerAppIds=["00000000-0000-0000-0000-0000000000a1"])],
        gateway={
            "enabled": True,
            "publisherEmail": "ai@contoso.com",
            "entra": {"tenantId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "audiences": audiences},
        },
    )


@pytest.mark.parametrize(
    ("audience", "why"),
    [
        (
            "contoso-gateway",
            "'contoso-gateway' is neither an application ID URI nor an application (client) ID, the values a token's"
            " aud takes: each Foundry project's gateway connection asks Entra ID for a token for this first audience"
            " and the gateway would answer 401; put the gateway app's api:// URI or client ID first",
        ),
        (
            "api://contoso-gateway/.default",
            "'api://contoso-gateway/.default' is a scope, not an audience: list api://contoso-gateway (a token's aud"
            " never ends in /.default); each Foundry project's gateway connection asks Entra ID for a token for this"
            " first audience",
        ),
    ],
)
def test_a_gateway_audience_no_project_token_can_carry_is_refused(audience, why):
    """Each project's connection asks Entra ID for a token for the gateway's first audience, and the gateway
    compares it with the token's `aud`: "an Application ID URI or GUID", the client ID or the resource URI used
    in the request (learn.microsoft.com/entra/identity-platform/access-token-claims-reference, `aud`). A value of
    another shape, or a scope (`.../.default`), never matches, and the gateway answers 401."""
    assert errors_of(_foundry_lz([audience, "api://other"])) == {"landingZone.gateway.entra.audiences[0]": why}


@pytest.mark.parametrize(
    "audience", ["api://contoso-gateway", "https://gw.contoso.com/ai", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
)
def test_an_application_id_uri_or_client_id_is_a_project_audience(audience):
    assert errors_of(_foundry_lz([audience])) == {}


def test_the_plan_names_the_audience_the_projects_ask_for(foundry):
    (note,) = [d for d in foundry.diagnostics if d.path == "landingZone.account.allowProjectManagement"]
    assert "api://fabrikam-ai-gateway (landingZone.gateway.entra.audiences[0])" in note.message
