"""An account and what it holds: content filters, model deployments one at a time, keyless access for the
teams' principals, monitoring, and its private endpoint after its deployments."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import cognitiveservices, resources

from components import (
    AccountMonitoring,
    ContentFilter,
    KeylessAccess,
    ModelDeployments,
    OpenAiAccount,
    PrivateEndpoint,
)
from components.model_deployments import ModelDeploymentArgs
from infra.declare.network import DeclaredNetwork
from infra.declare.providers import Providers
from infra.declare.shared_services import SharedServices
from infra.specs import AccountSpec, Deployment
from infra.topology import Topology, exposure


def declare_account(
    spec: AccountSpec,
    topology: Topology,
    groups: dict[str, resources.ResourceGroup],
    net: DeclaredNetwork,
    shared: SharedServices,
    providers: Providers,
) -> tuple[dict, ModelDeployments]:
    """Everything on the account in its subscription (``spec.subscription``); its private endpoint in the VNet's."""
    rg_name = groups[spec.resource_group].name if not spec.existing else spec.resource_group
    here = providers.opts(spec.subscription)
    account, outputs = _account(spec, topology, rg_name, here)
    account_name: pulumi.Input[str] = account.account_name if account else spec.name
    policies = _content_filters(spec, account_name, rg_name, here)
    deployments = ModelDeployments(
        spec.key,
        {
            "account_name": account_name,
            "resource_group_name": rg_name,
            "deployments": [deployment_args(d, policies) for d in spec.deployments],
        },
        opts=here,
    )
    KeylessAccess(
        spec.key,
        {
            "account_id": outputs["id"],
            "principals": [
                {
                    "principal_id": a.principal_id,
                    "principal_type": a.principal_type,
                    "description": f"ai-landing-zone: OpenAI User for {', '.join(a.teams)}",
                }
                for a in spec.access
            ],
        },
        opts=here,
    )
    if shared.monitoring is not None and account is not None:
        AccountMonitoring(
            spec.key,
            {
                "account_id": outputs["id"],
                "account_name": spec.name,
                "resource_group_name": rg_name,
                "workspace_id": shared.monitoring.workspace_id,
                "action_group_id": shared.action_group_id(spec.subscription),
                "thresholds": topology.monitoring.thresholds,
                "provisioned": spec.provisioned,
                **({"rollouts": rollouts} if (rollouts := _rollouts(spec, topology)) else {}),
                "tags": spec.tags,
            },
            # Its diagnostic setting and alerts beside the account; the workspace and action group may be in
            # another subscription of the tenant.
            opts=here,
        )
    if spec.private_endpoint and account is not None:
        # Private Link puts an endpoint in its VNet's subscription, which is the platform's; the account it
        # reaches may be in another.
        pe_rg = groups["platform"].name if spec.subscription else rg_name
        outputs["privateEndpointId"] = _private_endpoint(spec, pe_rg, net, account, deployments)
    return {
        "name": account_name,
        "region": spec.region,
        "exposure": exposure(spec, topology.network),
        "role": spec.role,
        "group": spec.group,
        "tenancy": spec.tenancy,
        "teams": list(spec.teams),
        "existing": spec.existing,
        "deployments": deployments.names,
        **outputs,
    }, deployments


def _rollouts(spec: AccountSpec, topology: Topology) -> list[dict]:
    """Each canary of an alias in rollout on this account, with the stable deployment it is compared with."""
    return [
        {"alias": a.name, "team": a.team, "stable": a.stable.deployment, "canary": c.deployment}
        for a in topology.aliases
        if a.team in spec.teams
        for c in a.canaries
    ]


def _account(
    spec: AccountSpec, topology: Topology, rg_name: pulumi.Input[str], here: pulumi.ResourceOptions
) -> tuple[OpenAiAccount | None, dict]:
    """The account this stack makes, or, for an existing one, only a read: the platform team owns it."""
    if spec.existing:
        found = cognitiveservices.get_account_output(account_name=spec.name, resource_group_name=spec.resource_group)
        return None, {"id": found.id, "endpoint": found.properties.endpoint}
    network = topology.network
    account = OpenAiAccount(
        spec.key,
        {
            "account_name": spec.name,
            "resource_group_name": rg_name,
            "location": spec.region,
            "kind": spec.kind,
            "sku_name": spec.sku,
            "custom_subdomain": spec.custom_subdomain,
            **({"allow_project_management": True} if spec.projects else {}),
            "disable_local_auth": topology.disable_local_auth,
            "public_network_access": network.public_network_access,
            "network_acls": {"default_action": "Deny", "ip_rules": list(network.allowed_ips), "bypass": network.bypass},
            "protect": topology.guardrails.protect,
            "tags": spec.tags,
        },
        opts=here,
    )
    return account, {"id": account.account_id, "endpoint": account.endpoint, "principalId": account.principal_id}


def _content_filters(
    spec: AccountSpec, account_name: pulumi.Input[str], rg_name: pulumi.Input[str], here: pulumi.ResourceOptions
) -> dict[str, pulumi.Output[str]]:
    """The account's custom RAI policies, by name: a deployment that uses one waits for it."""
    return {
        f.name: ContentFilter(
            f"{spec.key}-{f.name}",
            {
                "account_name": account_name,
                "resource_group_name": rg_name,
                "policy_name": f.name,
                "base_policy_name": f.base_policy,
                "mode": f.mode,
                "prompt": f.prompt.model_dump(),
                "completion": f.completion.model_dump(),
                "jailbreak": f.jailbreak,
                "indirect_attack": f.indirect_attack,
                "protected_material": f.protected_material,
            },
            opts=here,
        ).policy_name
        for f in spec.content_filters
    }


def _private_endpoint(
    spec: AccountSpec,
    rg_name: pulumi.Input[str],
    net: DeclaredNetwork,
    account: OpenAiAccount,
    deployments: ModelDeployments,
) -> pulumi.Output[str]:
    """After the deployments: the account can sit in "Accepted" while they run (as the AVM modules do)."""
    endpoint = PrivateEndpoint(
        spec.key,
        {
            "endpoint_name": spec.private_endpoint_name,
            "resource_group_name": rg_name,
            "location": spec.region,
            "subnet_id": net.subnet_ids[spec.region],
            "target_id": account.account_id,
            "group_id": "account",
            "private_dns_zone_ids": [net.zone_ids[z] for z in spec.dns_zones if z in net.zone_ids],
            "tags": spec.tags,
        },
        # A component stands for its children: every deployment, and the account itself.
        opts=pulumi.ResourceOptions(depends_on=[deployments, account]),
    )
    return endpoint.private_endpoint_id


def deployment_args(d: Deployment, policies: dict[str, pulumi.Output[str]]) -> ModelDeploymentArgs:
    """The component's typed args for one resolved deployment; a custom filter by the policy created here, so
    that the deployment waits for it."""
    return {
        "name": d.name,
        "model_format": d.model_format,
        "model_name": d.model_name,
        "model_version": d.model_version,
        "sku_name": d.sku,
        "capacity": d.capacity,
        "version_upgrade_option": d.version_upgrade_option,
        "rai_policy_name": policies[d.content_filter] if d.content_filter else d.rai_policy_name,
        # Visible in Azure too: the policy pack allows a Deprecated version only with it.
        "tags": {"team": d.team, **({"alreadyDeployed": "true"} if d.already_deployed else {})},
        **({"import_id": d.import_id} if d.import_id else {}),
        **({"spillover_deployment_name": d.spillover} if d.spillover else {}),
    }
