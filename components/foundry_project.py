"""FoundryProject: one team's Foundry project on an AIServices account, its access, and its way to the gateway."""

import json
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import cognitiveservices

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options
from components.keyless_access import KeylessAccess, PrincipalArgs

AZURE_AI_USER_ROLE = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
"""Azure AI User (renamed Foundry User in 2026, same ID): reads projects, and ``Microsoft.CognitiveServices/*``
data actions (learn.microsoft.com/azure/foundry/concepts/rbac-foundry)."""

GATEWAY_CONNECTION_CATEGORY = "ApiManagement"
"""The category Foundry documents for a connection to models behind Azure API Management
(learn.microsoft.com/azure/foundry/agents/how-to/ai-gateway)."""

GATEWAY_CONNECTION_TYPE = "azure-native:cognitiveservices/v20251201:ProjectConnection"
"""``accounts/projects/connections`` at API 2025-12-01: the first GA version whose ARM schema lists the
``ApiManagement`` category (2025-10-01-preview was the first of all). azure-native 3.29's ``ProjectConnection``
class registers 2025-06-01, which does not; the provider serves every API version under its versioned token."""

GATEWAY_AUTH_TYPE = "ProjectManagedIdentity"
"""Keyless, as Microsoft's sample deploys an APIM connection for Foundry: the project's managed identity gets an
Entra ID token for ``audience`` (github.com/microsoft-foundry/foundry-samples, infrastructure/
infrastructure-setup-bicep/01-connections/apim/modules/apim-connection-common.bicep; the commit that added it,
3956e365, replaced the sample's commented-out ``AAD`` connection). The 2025-12-01 schema lists neither this auth
type (its variants are ``AAD``, ``ManagedIdentity``... with their credentials) nor ``audience``: azure-native sends a
union value whose ``authType`` matches none of its variants as it is, ``audience`` included, where a listed variant
would drop ``audience`` (pulumi-azure-native provider/pkg/convert/sdkInputsToRequestBody.go)."""


_COMPACT_JSON = (",", ":")
"""``json.dumps`` separators without spaces, as the connection's metadata has always carried ``models``."""


class _ProjectConnection(pulumi.CustomResource):
    """azure-native's ``ProjectConnection`` under ``GATEWAY_CONNECTION_TYPE``, with the SDK class's input names.

    The SDK ships a class for the default API version only; the provider resolves the versioned token itself."""

    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions):
        super().__init__(GATEWAY_CONNECTION_TYPE, name, props, opts)


class GatewayDeploymentArgs(TypedDict):
    """A deployment the team may call through the gateway, as the connection lists it to Foundry."""

    name: pulumi.Input[str]
    """The deployment's name."""
    model: pulumi.Input[str]
    version: pulumi.Input[str]
    format: pulumi.Input[str]
    """e.g. ``OpenAI``."""


class GatewayConnectionArgs(TypedDict):
    target: pulumi.Input[str]
    """The gateway API's base URL, up to (not including) ``/deployments/{name}/chat/completions``."""
    deployments: list[GatewayDeploymentArgs]
    """The deployments the team may call through the gateway."""
    audience: pulumi.Input[str]
    """The audience the connection asks Entra ID for the project identity's token: one the gateway accepts."""
    inference_api_version: NotRequired[pulumi.Input[str]]
    """``api-version`` the connection sends with chat completions."""


class FoundryProjectArgs(TypedDict):
    account_name: pulumi.Input[str]
    """The AIServices account, created with ``allow_project_management``."""
    account_id: pulumi.Input[str]
    """Its ARM ID: where the project's identity gets Azure AI User."""
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    project_name: pulumi.Input[str]
    """2-64 letters, digits, ``_``, ``.`` or ``-``: part of the project endpoint's path."""
    display_name: NotRequired[pulumi.Input[str]]
    description: NotRequired[pulumi.Input[str]]
    principals: list[PrincipalArgs]
    """The team's principals: Azure AI User on this project only."""
    gateway: NotRequired[GatewayConnectionArgs]
    """A connection through which the project's agents and SDK calls reach models via the AI gateway."""
    tags: NotRequired[Tags]


class FoundryProject(LandingZoneComponent):
    """``Microsoft.CognitiveServices/accounts/projects`` with a system-assigned identity.

    Access, nothing broader: the team's principals get Azure AI User scoped to the project; the project's
    identity gets Azure AI User on its account, which the portal grants by itself but a deployment from code
    must ("Assign the Azure AI User role on your Foundry resource to your project's managed identity",
    learn.microsoft.com/azure/foundry/concepts/rbac-foundry).
    """

    project_id: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    """The project's managed identity (object ID)."""
    endpoints: pulumi.Output[dict[str, str]]
    """As Azure reports them; the Foundry API endpoint is ``https://<account>.services.ai.azure.com/api/projects/<project>``."""

    def __init__(self, name: str, args: FoundryProjectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:FoundryProject", name, None, opts)
        project_name = args["project_name"]
        project = cognitiveservices.Project(
            name,
            account_name=args["account_name"],
            resource_group_name=args["resource_group_name"],
            project_name=project_name,
            location=args["location"],
            identity=cognitiveservices.IdentityArgs(type=cognitiveservices.ResourceIdentityType.SYSTEM_ASSIGNED),
            # ARM requires properties on accounts/projects (2025-06-01 schema), even where the SDK does not.
            properties=cognitiveservices.ProjectPropertiesArgs(
                display_name=args.get("display_name", project_name), description=args.get("description")
            ),
            tags=args.get("tags"),
            opts=child_options(self, opts),
        )
        self.project_id = project.id
        self.principal_id = project.identity.apply(lambda i: i.principal_id if i else None)
        self.endpoints = project.properties.apply(lambda p: dict(p.endpoints or {}) if p else {})
        KeylessAccess(
            f"{name}-users",
            {"account_id": project.id, "principals": args["principals"], "role_definition_guid": AZURE_AI_USER_ROLE},
            opts=child_options(self, opts),
        )
        KeylessAccess(
            f"{name}-identity",
            {
                "account_id": args["account_id"],
                "principals": [
                    {
                        "principal_id": self.principal_id,
                        "name": "project",
                        "principal_type": "ServicePrincipal",
                        "description": pulumi.Output.concat(
                            "ai-landing-zone: Azure AI User for project ", project_name
                        ),
                    }
                ],
                "role_definition_guid": AZURE_AI_USER_ROLE,
            },
            opts=child_options(self, opts),
        )
        if args.get("gateway"):
            self._gateway_connection(name, args, project_name, project, opts)
        self.register_outputs({"projectId": self.project_id, "principalId": self.principal_id})

    def _gateway_connection(
        self, name: str, args: FoundryProjectArgs, project_name: pulumi.Input[str], project: pulumi.Resource, opts
    ) -> None:
        """The project's keyless connection to the AI gateway, listing only the team's deployments."""
        gateway = args["gateway"]
        models = [
            {
                "name": d["name"],
                "properties": {"model": {"name": d["model"], "version": d["version"], "format": d["format"]}},
            }
            for d in gateway["deployments"]
        ]
        _ProjectConnection(
            f"{name}-gateway",
            {
                "accountName": args["account_name"],
                "resourceGroupName": args["resource_group_name"],
                "projectName": project_name,  # the decided name: a child's ``name`` output is not it
                # Agents name a model behind it "ai-gateway/<deployment>" (the ai-gateway page above), so it need
                # not be the project's default connection; the 2025-12-01 schema has no isDefault to make it so.
                "connectionName": "ai-gateway",
                "properties": {
                    "category": GATEWAY_CONNECTION_CATEGORY,
                    "target": gateway["target"],
                    "authType": GATEWAY_AUTH_TYPE,
                    "audience": gateway["audience"],
                    "credentials": {},
                    "isSharedToAll": True,
                    "metadata": {
                        "deploymentInPath": "true",
                        "inferenceAPIVersion": gateway.get("inference_api_version", "2024-10-21"),
                        # Metadata values are strings; a deployment's fields may be outputs.
                        "models": pulumi.Output.from_input(models).apply(
                            lambda m: json.dumps(m, separators=_COMPACT_JSON)
                        ),
                    },
                },
            },
            # The same Azure resource as the SDK class's (which lists this token among its aliases): a stack
            # that created the connection with it updates it in place.
            child_options(
                self,
                opts,
                depends_on=[project],
                aliases=[pulumi.Alias(type_="azure-native:cognitiveservices:ProjectConnection")],
            ),
        )
