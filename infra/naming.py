"""Every Azure name the landing zone gives, in one place.

Names are identity: Azure keys resources by them, and a changed name is a new resource (a replacement, for an
account a soft-deleted name). The golden lists in ``tests/golden`` guard the URNs they make.
"""

from __future__ import annotations

from infra import azure_types
from infra.config import LandingZone, ModelRequest

MAX_ACCOUNT_NAME = 64
PE_SUBNET = "snet-private-endpoints"
GATEWAY_SUBNET = "snet-gateway"
APIM_MANAGEMENT_RULE = "apim-management"
APIM_LOAD_BALANCER_RULE = "apim-load-balancer"


def _base(lz: LandingZone) -> str:
    return f"{lz.name_prefix}-{lz.environment}"


def platform_resource_group(lz: LandingZone) -> str:
    return lz.resource_group.name or f"rg-{_base(lz)}"


def team_resource_group(lz: LandingZone, team: str) -> str:
    """distributed tenancy: each team's own resource group."""
    return f"{platform_resource_group(lz)}-{team}"


def account(lz: LandingZone, group_suffix: str, region: str) -> str:
    """Also the default custom subdomain, so globally unique: hence the prefix."""
    return f"oai-{_base(lz)}-{group_suffix}-{region}"


def deployment(team: str, req: ModelRequest) -> str:
    """The request's ``deploymentName``, else ``<team>-<model>``; identical in every region, so failover keeps
    the request's path."""
    return req.deployment_name or f"{team}-{req.name}"


def deployment_id(subscription: str, resource_group: str, account: str, deployment: str) -> str:
    """A model deployment's ARM ID (REST "Deployments - Create Or Update", api-version 2025-06-01); its shape is the
    type registry's."""
    names = {"resourceGroupName": resource_group, "accountName": account, "deploymentName": deployment}
    return azure_types.DEPLOYMENT.resource_id(subscription, names)


def project(team: str) -> str:
    """A team's Foundry project: one per team per account, named after the team (2-64 characters)."""
    return team


def project_endpoint(subdomain: str, project_name: str) -> str:
    """The Foundry project endpoint (learn.microsoft.com/azure/foundry/agents/how-to/ai-gateway)."""
    return f"https://{subdomain}.services.ai.azure.com/api/projects/{project_name}"


def vnet(lz: LandingZone, region: str) -> str:
    return f"vnet-{_base(lz)}-{region}"


def private_endpoint(target_name: str) -> str:
    return f"pe-{target_name}"


def api_management(lz: LandingZone) -> str:
    """The gateway's host name, <name>.azure-api.net: globally unique."""
    return f"apim-{_base(lz)}"


def pool(group: str) -> str:
    return f"pool-{group}"


def account_openai_url(endpoint: str) -> str:
    """The OpenAI API root of an account's endpoint: what a gateway backend and the SDKs call."""
    return f"{endpoint.rstrip('/')}/openai"


def api_path(group: str) -> str:
    """Ends in ``openai``: the SDKs append ``/openai/...`` to the endpoint they are given."""
    return f"{group}/openai"


def budget(lz: LandingZone, key: str) -> str:
    return f"budget-{_base(lz)}" + ("" if key == "environment" else f"-{key}")


def action_group(lz: LandingZone) -> str:
    return f"ag-{_base(lz)}-alerts"


def action_group_short_name(lz: LandingZone) -> str:
    """Azure allows 12 characters: it is the sender of SMS and e-mail."""
    return f"ai-{lz.environment}"[:12]


def workspace(lz: LandingZone) -> str:
    return f"log-{_base(lz)}"


def app_insights(lz: LandingZone) -> str:
    return f"appi-{_base(lz)}"


def approved_models_definition(lz: LandingZone) -> str:
    return f"alz-{_base(lz)}-approved-models"


def no_account_delete_definition(lz: LandingZone) -> str:
    return f"alz-{_base(lz)}-no-account-delete"
