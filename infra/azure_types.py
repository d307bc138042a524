"""Every Azure resource type the landing zone declares, and what the plan knows of each: one entry per type.

For each azure-native type token: its ARM ID (the mocks answer with it), the inputs that make two
declarations the same Azure resource and the inputs Azure cannot change in place (the diff), whether losing it
loses state (the stateful-URN golden lists and the PR comment's callout), and how the plan summarises it
(render, review). Nothing else in ``infra/`` or ``policy/`` writes a type token or an ARM path
(``tests/project/test_layout.py``).

The policy pack cannot import ``infra`` (Pulumi runs it from ``policy/`` alone): it reads a generated copy,

    .venv/bin/python -m infra.azure_types > policy/azure_types.json

and ``tests/plan/test_azure_types.py`` fails when the copy and this file disagree.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AzureType:
    key: str
    """Short, stable name: the policy pack's handle on the type (``policy/azure_types.json``)."""
    token: str
    """The azure-native type token the SDK registers."""
    arm_id: str
    """The ARM ID template: below ``/subscriptions/<id>/``, or, for an extension resource, starting with the
    input that holds its scope. Each ``{field}`` is an input naming the resource or a parent; the last names it."""
    identity: tuple[str, ...] = ()
    """Inputs that make a declaration the same Azure resource as another (its ARM ID): a resource whose URN
    changed is then paired with its old self, which an alias can keep. Empty: never paired."""
    replace_on: Mapping[str, str] = field(default_factory=dict)
    """Input path -> why Azure cannot change it in place: a change replaces the resource (or is refused)."""
    stateful: bool = False
    """Replacing or deleting it loses what it holds (data, history, soft-deleted names, callers' paths)."""
    summary: Callable[[dict], str] | None = None
    """One line for the plan views, from the resource's inputs."""

    @property
    def fields(self) -> tuple[str, ...]:
        """The inputs in the ARM ID, outermost first: what identifies the resource in Azure."""
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.arm_id) if name)

    @property
    def name_input(self) -> str:
        """The input that names the resource (left out, azure-native names it after the Pulumi name, so do mocks)."""
        return self.fields[-1]

    @property
    def extension(self) -> str | None:
        """For an extension resource (its ID hangs off another's), the input holding that scope."""
        return self.fields[0] if self.arm_id.startswith("{") else None

    @property
    def arm_type(self) -> str:
        """``Microsoft.CognitiveServices/accounts/deployments``: the ARM resource type."""
        if "providers/" not in self.arm_id:  # a resource group's ID names no provider
            return "Microsoft.Resources/resourceGroups"
        tail = self.arm_id.rsplit("providers/", 1)[1]
        return "/".join(part for part in tail.split("/") if not part.startswith("{"))

    def resource_id(self, subscription: str, inputs: Mapping[str, Any]) -> str:
        """The ARM ID, from the inputs that name the resource and its parents (each ``{field}``)."""
        path = self.arm_id.format_map({k: v for k, v in inputs.items() if isinstance(v, str)})
        return path if self.extension else f"/subscriptions/{subscription}/{path}"

    def as_json(self) -> dict:
        return {
            "token": self.token,
            "armId": self.arm_id,
            "armType": self.arm_type,
            "nameInput": self.name_input,
            "extension": self.extension,
            "identity": list(self.identity),
            "replaceOn": dict(self.replace_on),
            "stateful": self.stateful,
        }


# --- summaries: one line per resource in the plan views ---------------------------------------------------


def _dig(d: dict, *keys, default=None):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def _account(i: dict) -> str:
    p = i.get("properties", {})
    acls = p.get("networkAcls", {})
    ips = ",".join(r["value"] for r in acls.get("ipRules", [])) or "none"
    return (
        f"{i.get('accountName')} kind={i.get('kind')} location={i.get('location')}"
        f" subdomain={p.get('customSubDomainName')} localAuth={'off' if p.get('disableLocalAuth') else 'ON'}"
        f" publicNetworkAccess={p.get('publicNetworkAccess')} defaultAction={acls.get('defaultAction')} ipRules={ips}"
    )


def _deployment(i: dict) -> str:
    m = _dig(i, "properties", "model", default={})
    sku = i.get("sku", {})
    return (
        f"{i.get('deploymentName')}: {m.get('name')} {m.get('version')} {sku.get('name')} x{sku.get('capacity')}"
        f" filter={_dig(i, 'properties', 'raiPolicyName')} upgrade={_dig(i, 'properties', 'versionUpgradeOption')}"
    )


def _rai_policy(i: dict) -> str:
    p = i.get("properties", {})
    on = [
        f"{f['source'][0]}:{f['name']}" + (f"={f['severityThreshold']}" if f.get("severityThreshold") else "")
        for f in p.get("contentFilters", [])
        if f.get("enabled")
    ]
    return f"{i.get('raiPolicyName')} base={p.get('basePolicyName')} mode={p.get('mode')} [{' '.join(on)}]"


def pool_members(i: dict) -> str:
    """A ``Pool`` backend's members by priority, each with its weight and, where it shares a priority, its share
    of that group's traffic (API Management weighs only within a priority). Empty for a ``Single`` backend."""
    groups: dict[int, list[dict]] = {}
    for s in _dig(i, "pool", "services", default=[]):
        groups.setdefault(s.get("priority"), []).append(s)
    parts = []
    for priority, members in sorted(groups.items(), key=lambda g: g[0]):
        total = sum(m.get("weight", 1) for m in members)
        names = [
            f"{str(m.get('id')).rsplit('/', 1)[-1]} weight {m.get('weight', 1)}"
            + (f" ({m.get('weight', 1) / total:.0%})" if len(members) > 1 and total else "")
            for m in members
        ]
        parts.append(f"priority {priority}: {', '.join(names)}")
    return "pool " + "; ".join(parts) if parts else ""


def _resource_group(i: dict) -> str:
    return f"{i.get('resourceGroupName')} location={i.get('location')}"


# --- the registry ---------------------------------------------------------------------------------------------
# Replace-on sources: a name or parent in the ARM ID is the resource itself (a new ID is a new resource); region:
# "the geo region of a resource cannot be changed once it is created" (learn.microsoft.com/azure/templates/
# microsoft.cognitiveservices/accounts, location); the rest are cited where they stand.

_RG = "resourceGroups/{resourceGroupName}/providers/"
_ACCOUNT_ID = _RG + "Microsoft.CognitiveServices/accounts/{accountName}"
_APIM_ID = _RG + "Microsoft.ApiManagement/service/{serviceName}"
_ROLE_ASSIGNMENT_IMMUTABLE = "role assignments are immutable"

RESOURCE_GROUP = AzureType(
    "resource_group",
    "azure-native:resources:ResourceGroup",
    "resourceGroups/{resourceGroupName}",
    identity=("resourceGroupName",),
    replace_on={
        "resourceGroupName": "the name is the resource group's identity",
        "location": "a resource group cannot move region",
    },
    summary=_resource_group,
)
ACCOUNT = AzureType(
    "account",
    "azure-native:cognitiveservices:Account",
    _ACCOUNT_ID,
    identity=("resourceGroupName", "accountName"),
    # Not kind: OpenAI <-> AIServices is the in-place upgrade to a Foundry resource (and its rollback), which keeps
    # the endpoint and deployments (learn.microsoft.com/azure/ai-foundry/how-to/upgrade-azure-openai;
    # hashicorp/terraform-provider-azurerm#31063); the landing zone allows no other kind.
    replace_on={
        "accountName": "the name is the account's identity (a deleted account is soft-deleted and keeps it)",
        "resourceGroupName": "moving resource groups is not an update",
        "location": "an account cannot move region",
        # "After you've created a custom subdomain name it cannot be changed"
        # (learn.microsoft.com/azure/ai-services/cognitive-services-custom-subdomains)
        "properties.customSubDomainName": "the custom subdomain cannot change once set",
    },
    stateful=True,
    summary=_account,
)
DEPLOYMENT = AzureType(
    "deployment",
    "azure-native:cognitiveservices:Deployment",
    _ACCOUNT_ID + "/deployments/{deploymentName}",
    identity=("resourceGroupName", "accountName", "deploymentName"),
    # Azure refuses another model on a deployment: "CannotChangeDeploymentModel: The model of deployment cannot be
    # changed" (Azure-Samples/azure-search-openai-demo#1330); a new version of the same model is an update.
    replace_on={
        "accountName": "a deployment belongs to one account",
        "deploymentName": "the name is the deployment's identity, and callers' request paths",
        "properties.model.name": "a deployment serves one model; another model is a new deployment",
        "properties.model.format": "a deployment serves one model format",
    },
    stateful=True,
    summary=_deployment,
)
RAI_POLICY = AzureType(
    "rai_policy",
    "azure-native:cognitiveservices:RaiPolicy",
    _ACCOUNT_ID + "/raiPolicies/{raiPolicyName}",
    replace_on={
        "accountName": "a content filter belongs to one account",
        "raiPolicyName": "the name is the filter's identity, and deployments refer to it",
    },
    summary=_rai_policy,
)
PROJECT = AzureType("project", "azure-native:cognitiveservices:Project", _ACCOUNT_ID + "/projects/{projectName}")
# At API 2025-12-01 (components/foundry_project.py): the versioned token is the same ARM type.
PROJECT_CONNECTION = AzureType(
    "project_connection",
    "azure-native:cognitiveservices/v20251201:ProjectConnection",
    _ACCOUNT_ID + "/projects/{projectName}/connections/{connectionName}",
)
VIRTUAL_NETWORK = AzureType(
    "virtual_network",
    "azure-native:network:VirtualNetwork",
    _RG + "Microsoft.Network/virtualNetworks/{virtualNetworkName}",
    replace_on={
        "virtualNetworkName": "the name is the VNet's identity",
        "location": "a VNet cannot move region",
    },
    stateful=True,  # endpoints and the gateway's integration live in it: a new VNet cuts them off
)
NETWORK_SECURITY_GROUP = AzureType(
    "network_security_group",
    "azure-native:network:NetworkSecurityGroup",
    _RG + "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
)
PRIVATE_ENDPOINT = AzureType(
    "private_endpoint",
    "azure-native:network:PrivateEndpoint",
    _RG + "Microsoft.Network/privateEndpoints/{privateEndpointName}",
    # azure-native forces a new endpoint on another subnet (provider/pkg/gen/forcenew.go, PrivateEndpoint: subnet;
    # pulumi/pulumi-azure-native#3883)
    replace_on={
        "privateEndpointName": "the name is the endpoint's identity",
        "subnet.id": "an endpoint cannot move subnet",
        "location": "an endpoint cannot move region",
    },
)
PRIVATE_DNS_ZONE_GROUP = AzureType(
    "private_dns_zone_group",
    "azure-native:network:PrivateDnsZoneGroup",
    _RG + "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
)
PRIVATE_DNS_ZONE = AzureType(
    "private_dns_zone",
    "azure-native:privatedns:PrivateZone",
    _RG + "Microsoft.Network/privateDnsZones/{privateZoneName}",
    identity=("resourceGroupName", "privateZoneName"),
    replace_on={"privateZoneName": "the zone name is its identity"},
    stateful=True,
)
PRIVATE_DNS_ZONE_LINK = AzureType(
    "private_dns_zone_link",
    "azure-native:privatedns:VirtualNetworkLink",
    _RG + "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
)
API_MANAGEMENT = AzureType(
    "api_management",
    "azure-native:apimanagement:ApiManagementService",
    _APIM_ID,
    identity=("resourceGroupName", "serviceName"),
    replace_on={
        "serviceName": "the name is the gateway's host name",
        "location": "the gateway cannot move region",
    },
    stateful=True,
)
BACKEND = AzureType(
    "backend",
    "azure-native:apimanagement:Backend",
    _APIM_ID + "/backends/{backendId}",
    summary=pool_members,
)
API = AzureType("api", "azure-native:apimanagement:Api", _APIM_ID + "/apis/{apiId}")
API_OPERATION = AzureType(
    "api_operation", "azure-native:apimanagement:ApiOperation", _APIM_ID + "/apis/{apiId}/operations/{operationId}"
)
API_POLICY = AzureType(
    "api_policy", "azure-native:apimanagement:ApiPolicy", _APIM_ID + "/apis/{apiId}/policies/{policyId}"
)
PRODUCT = AzureType("product", "azure-native:apimanagement:Product", _APIM_ID + "/products/{productId}")
PRODUCT_API_LINK = AzureType(
    "product_api_link",
    "azure-native:apimanagement:ProductApiLink",
    _APIM_ID + "/products/{productId}/apiLinks/{apiLinkId}",
)
PRODUCT_POLICY = AzureType(
    "product_policy",
    "azure-native:apimanagement:ProductPolicy",
    _APIM_ID + "/products/{productId}/policies/{policyId}",
)
APIM_SUBSCRIPTION = AzureType(
    "apim_subscription", "azure-native:apimanagement:Subscription", _APIM_ID + "/subscriptions/{sid}"
)
APIM_LOGGER = AzureType("apim_logger", "azure-native:apimanagement:Logger", _APIM_ID + "/loggers/{loggerId}")
APIM_DIAGNOSTIC = AzureType(
    "apim_diagnostic", "azure-native:apimanagement:Diagnostic", _APIM_ID + "/diagnostics/{diagnosticId}"
)
# At API 2024-10-01-preview (components/openai_gateway_api.py): the versioned token is the same ARM type.
API_DIAGNOSTIC = AzureType(
    "api_diagnostic",
    "azure-native:apimanagement/v20241001preview:ApiDiagnostic",
    _APIM_ID + "/apis/{apiId}/diagnostics/{diagnosticId}",
)
WORKSPACE = AzureType(
    "workspace",
    "azure-native:operationalinsights:Workspace",
    _RG + "Microsoft.OperationalInsights/workspaces/{workspaceName}",
    stateful=True,
)
APP_INSIGHTS = AzureType(
    "app_insights",
    "azure-native:applicationinsights:Component",
    _RG + "Microsoft.Insights/components/{resourceName}",
)
WORKBOOK = AzureType(
    "workbook",
    "azure-native:applicationinsights:Workbook",
    _RG + "Microsoft.Insights/workbooks/{resourceName}",
)
METRIC_ALERT = AzureType(
    "metric_alert", "azure-native:monitor:MetricAlert", _RG + "Microsoft.Insights/metricAlerts/{ruleName}"
)
SCHEDULED_QUERY_RULE = AzureType(
    "scheduled_query_rule",
    "azure-native:monitor:ScheduledQueryRule",
    _RG + "Microsoft.Insights/scheduledQueryRules/{ruleName}",
)
ACTION_GROUP = AzureType(
    "action_group", "azure-native:monitor:ActionGroup", _RG + "Microsoft.Insights/actionGroups/{actionGroupName}"
)
POLICY_DEFINITION = AzureType(
    "policy_definition",
    "azure-native:authorization:PolicyDefinition",
    "providers/Microsoft.Authorization/policyDefinitions/{policyDefinitionName}",
)
ROLE_ASSIGNMENT = AzureType(
    "role_assignment",
    "azure-native:authorization:RoleAssignment",
    "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
    # "RoleAssignmentUpdateNotPermitted: Tenant ID, application ID, principal ID, and scope are not allowed to be
    # updated" (Azure/Azure-Landing-Zones#3106); azurerm forces a new one for another role too
    # (hashicorp/terraform-provider-azurerm, internal/services/authorization/role_assignment_resource.go)
    replace_on={
        "roleAssignmentName": _ROLE_ASSIGNMENT_IMMUTABLE,
        "scope": _ROLE_ASSIGNMENT_IMMUTABLE,
        "principalId": _ROLE_ASSIGNMENT_IMMUTABLE,
        "roleDefinitionId": _ROLE_ASSIGNMENT_IMMUTABLE,
    },
)
POLICY_ASSIGNMENT = AzureType(
    "policy_assignment",
    "azure-native:authorization:PolicyAssignment",
    "{scope}/providers/Microsoft.Authorization/policyAssignments/{policyAssignmentName}",
)
LOCK = AzureType(
    "lock",
    "azure-native:authorization:ManagementLockByScope",
    "{scope}/providers/Microsoft.Authorization/locks/{lockName}",
)
BUDGET = AzureType(
    "budget",
    "azure-native:consumption:Budget",
    "{scope}/providers/Microsoft.Consumption/budgets/{budgetName}",
    identity=("scope", "budgetName"),
    replace_on={
        "budgetName": "the name is the budget's identity",
        "scope": "a budget cannot move scope",
    },
    stateful=True,
)
DIAGNOSTIC_SETTING = AzureType(
    "diagnostic_setting",
    "azure-native:monitor:DiagnosticSetting",
    "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
)
# An app team's stack (examples/app-consumer) plans under the same mocks.
WEB_APP = AzureType("web_app", "azure-native:web:WebApp", _RG + "Microsoft.Web/sites/{name}")
APP_SERVICE_PLAN = AzureType(
    "app_service_plan", "azure-native:web:AppServicePlan", _RG + "Microsoft.Web/serverfarms/{name}"
)

# Every entry above, in order: a type is registered by being defined here.
TYPES: tuple[AzureType, ...] = tuple(v for v in dict(globals()).values() if isinstance(v, AzureType))
BY_TOKEN: dict[str, AzureType] = {t.token: t for t in TYPES}


def stateful(token: str) -> bool:
    found = BY_TOKEN.get(token)
    return found is not None and found.stateful


def summary_of(token: str) -> Callable[[dict], str] | None:
    """How the plan summarises a resource of this type in one line, from its inputs (None: it does not)."""
    found = BY_TOKEN.get(token)
    return found.summary if found else None


def as_json() -> str:
    """``policy/azure_types.json``: the registry without the summaries (the policy pack renders nothing)."""
    doc = {
        "$comment": "Generated from infra/azure_types.py by `python -m infra.azure_types`: do not edit.",
        "types": {t.key: t.as_json() for t in TYPES},
    }
    return json.dumps(doc, indent=2) + "\n"


if __name__ == "__main__":
    print(as_json(), end="")
