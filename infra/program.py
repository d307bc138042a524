"""The Pulumi program: stack config -> topology -> components -> stack outputs.

Thin glue by design: every decision is in ``infra.topology``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cognitiveservices, resources

from components import (
    AccountMonitoring,
    AiGateway,
    AlertActionGroup,
    ContentFilter,
    FoundryProject,
    Guardrails,
    KeylessAccess,
    ModelDeployments,
    Monitoring,
    Network,
    OpenAiAccount,
    OpenAiBackendPool,
    OpenAiGatewayApi,
    PrivateDns,
    PrivateEndpoint,
    TeamBudget,
)
from infra import naming
from infra.config import GATEWAY_DNS_ZONE, NO_SECRETS, PROVISIONED_SKUS, ROOT
from infra.diagnostics import Diagnostic, format_diagnostics
from infra.naming import GATEWAY_SUBNET, PE_SUBNET
from infra.specs import AccountSpec, TeamPlacement
from infra.topology import Topology, decide, exposure

PLAN_DATE_ENV = "AI_LANDING_ZONE_PLAN_DATE"
"""Plan as of this ISO date instead of today (set by ``python -m infra plan --date``)."""


class ConfigError(pulumi.RunError):
    """Invalid stack config, raised before any resource is registered.

    A ``RunError``, so the CLI prints the list of errors and no traceback.
    """

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__(format_diagnostics(diagnostics))


def plan_date() -> dt.date:
    value = os.environ.get(PLAN_DATE_ENV)
    return dt.date.fromisoformat(value) if value else dt.date.today()


def main() -> None:
    if pulumi.runtime.is_config_secret(f"{pulumi.get_project()}:{ROOT}"):
        # A secret's plain value would otherwise flow into resource inputs and state unencrypted.
        raise ConfigError([Diagnostic("error", ROOT, NO_SECRETS)])
    raw = pulumi.Config().get_object(ROOT)
    subscription = pulumi.Config("azure-native").get("subscriptionId")
    topology, diagnostics = decide(raw, plan_date(), subscription_id=subscription)
    if topology is None:
        raise ConfigError(diagnostics)
    for d in diagnostics:
        (pulumi.log.info if d.severity == "info" else pulumi.log.warn)(f"{d.path}: {d.message}")
    declare(topology)


def declare(topology: Topology) -> None:
    groups = {
        rg.key: resources.ResourceGroup(rg.key, resource_group_name=rg.name, location=rg.location, tags=rg.tags)
        for rg in topology.resource_groups
    }
    shared = declare_shared_services(topology, groups)
    net = declare_network(topology, groups)
    accounts, deployments = {}, {}
    for spec in topology.accounts:
        rg_name = groups[spec.resource_group].name if not spec.existing else spec.resource_group
        accounts[spec.key], deployments[spec.key] = _declare_account(spec, topology, rg_name, net, shared)
    gateway_urls = declare_gateway(topology, groups, accounts, net, shared)
    projects = declare_projects(topology, groups, accounts, deployments, gateway_urls)
    budget_ids = declare_budgets(topology, groups, accounts, shared)
    declare_guardrails(topology, groups)
    pulumi.export("budgets", budget_ids)
    pulumi.export("resourceGroups", {key: rg.name for key, rg in groups.items()})
    pulumi.export("network", net.outputs())
    pulumi.export("accounts", accounts)
    pulumi.export(
        "teams", {t.name: team_outputs(t, topology, accounts, gateway_urls, projects) for t in topology.teams}
    )


@dataclass
class SharedServices:
    """What every account, the gateway and the budgets report to."""

    action_group_id: pulumi.Output[str] | None
    monitoring: Monitoring | None


def declare_shared_services(topology: Topology, groups: dict[str, resources.ResourceGroup]) -> SharedServices:
    alerts = None
    if topology.alerts is not None:
        alerts = AlertActionGroup(
            "alerts",
            {
                "action_group_name": topology.alerts.name,
                "short_name": topology.alerts.short_name,
                "resource_group_name": groups["platform"].name,
                "emails": list(topology.alerts.emails),
                "tags": topology.tags,
            },
        ).action_group_id
    monitoring = None
    spec = topology.monitoring
    if spec is not None:
        monitoring = Monitoring(
            "monitoring",
            {
                "workspace_name": spec.workspace_name,
                "resource_group_name": groups["platform"].name,
                "location": topology.location,
                "retention_days": spec.retention_days,
                **({"existing_workspace_id": spec.existing_workspace_id} if spec.existing_workspace_id else {}),
                **({"app_insights_name": spec.app_insights_name} if spec.app_insights_name else {}),
                "tags": topology.tags,
            },
        )
    return SharedServices(alerts, monitoring)


def declare_guardrails(topology: Topology, groups: dict[str, resources.ResourceGroup]) -> None:
    """Policy on every resource group of the landing zone: keyless, private, identified, logged, approved models."""
    if not groups:
        return
    spec = topology.guardrails
    Guardrails(
        "guardrails",
        {
            "definition_name": spec.approved_definition,
            "scopes": {key: rg.id for key, rg in groups.items()},
            "effect": spec.effect,
            "approved_models": {name: list(versions) for name, versions in spec.approved.items()},
            **({"protect_accounts": spec.no_delete_definition} if spec.no_delete_definition else {}),
        },
    )


def declare_gateway(
    topology: Topology,
    groups: dict[str, resources.ResourceGroup],
    accounts: dict[str, dict],
    net: DeclaredNetwork,
    shared: SharedServices,
) -> dict[str, pulumi.Output[str]]:
    """API Management, keyless access to every backend account, a pool and an API per account group."""
    spec = topology.gateway
    if spec is None:
        return {}
    gateway = AiGateway(
        "gateway",
        {
            "service_name": spec.name,
            "resource_group_name": groups["platform"].name,
            "location": spec.region,
            "sku_name": spec.sku,
            "capacity": spec.capacity,
            "publisher_email": spec.publisher_email,
            "publisher_name": spec.publisher_name,
            # v2 integration is outbound only (the endpoint stays public); classic injection goes Internal.
            "virtual_network_type": {"integration": "External", "injection": "Internal"}.get(spec.network, "None"),
            **({"subnet_id": net.gateway_subnet_ids[spec.region]} if spec.network != "none" else {}),
            # gateway.checks makes monitoring a must; the component would run without it, untraced.
            **(
                {
                    "workspace_id": shared.monitoring.workspace_id,
                    "app_insights_id": shared.monitoring.app_insights_id,
                    "app_insights_connection_string": shared.monitoring.app_insights_connection_string,
                }
                if shared.monitoring is not None
                else {}
            ),
            "public_network_access": spec.public_network_access,
            "tags": topology.tags,
        },
    )
    inbound = None
    if spec.private_endpoint:
        inbound = PrivateEndpoint(
            "gateway-inbound",
            {
                "endpoint_name": naming.private_endpoint(spec.name),
                "resource_group_name": groups["platform"].name,
                "location": spec.region,
                "subnet_id": net.subnet_ids[spec.region],
                "target_id": gateway.service_id,
                "group_id": "Gateway",
                "private_dns_zone_ids": [net.zone_ids[GATEWAY_DNS_ZONE]] if GATEWAY_DNS_ZONE in net.zone_ids else [],
                "tags": topology.tags,
            },
        )
    urls = {}
    for api in spec.apis:
        for m in api.members:
            KeylessAccess(
                f"gateway-{m.account}",
                {
                    "account_id": accounts[m.account]["id"],
                    "principals": [
                        {"principal_id": gateway.principal_id, "principal_type": "ServicePrincipal", "name": "gateway"}
                    ],
                },
            )
        pool = OpenAiBackendPool(
            api.pool,
            {
                "service_name": gateway.service_name,
                "resource_group_name": groups["platform"].name,
                "pool_id": api.pool,
                "members": [
                    {
                        "backend_id": m.account,
                        "url": pulumi.Output.from_input(accounts[m.account]["endpoint"]).apply(
                            lambda e: f"{e.rstrip('/')}/openai"
                        ),
                        "priority": m.priority,
                        "weight": m.weight,
                    }
                    for m in api.members
                ],
                "circuit_breaker": {
                    "failure_count": spec.failure_count,
                    "interval": spec.interval,
                    "trip_duration": spec.trip_duration,
                },
            },
        )
        OpenAiGatewayApi(
            api.group,
            {
                "service_name": gateway.service_name,
                "resource_group_name": groups["platform"].name,
                "api_id": api.group,
                "path": api.path,
                # The decided name, known in a first preview, so the policy text is too (the policy pack reads
                # it); the API waits for the pool, whose backends the policy names.
                "pool_name": api.pool,
                "pool_size": len(api.members),
                "primary_backend": api.members[0].account,
                "failure_count": spec.failure_count,
                "tenant_id": spec.tenant_id,
                "audiences": list(spec.audiences),
                "teams": [
                    {
                        "team": t.team,
                        "caller_app_ids": list(t.caller_app_ids),
                        "subscription_key": t.subscription_key,
                        **({"tokens_per_minute": t.tokens_per_minute} if t.tokens_per_minute else {}),
                        **({"monthly_tokens": t.monthly_tokens} if t.monthly_tokens else {}),
                    }
                    for t in api.teams
                ],
            },
            opts=pulumi.ResourceOptions(depends_on=[pool]),
        )
        urls[api.group] = gateway.gateway_url.apply(lambda u, g=api.group: f"{u}/{g}")
    pulumi.export(
        "gateway",
        {
            "name": spec.name,
            "url": gateway.gateway_url,
            "principalId": gateway.principal_id,
            "apis": {a.group: a.path for a in spec.apis},
            "publicNetworkAccess": spec.public_network_access,
            "privateEndpointId": inbound.private_endpoint_id if inbound else None,
        },
    )
    return urls


@dataclass
class DeclaredNetwork:
    subnet_ids: dict[str, pulumi.Input[str]]
    """region -> private endpoint subnet ID."""
    vnet_ids: list[pulumi.Input[str]]
    zone_ids: dict[str, pulumi.Input[str]]
    """zone -> ID, for zone groups; empty where Azure Policy makes them."""
    dns_mode: str
    gateway_subnet_ids: dict[str, pulumi.Input[str]]
    """region -> gateway subnet ID."""

    def outputs(self) -> dict:
        return {
            "dnsMode": self.dns_mode,
            "vnetIds": self.vnet_ids,
            "privateEndpointSubnetIds": self.subnet_ids,
            "privateDnsZoneIds": self.zone_ids,
        }


def declare_network(topology: Topology, groups: dict[str, resources.ResourceGroup]) -> DeclaredNetwork:
    network = topology.network
    # The topology adds the platform resource group whenever there is a network to build.
    platform = groups.get("platform")
    vnets = {
        v.region: Network(
            f"vnet-{v.region}",
            {
                "vnet_name": v.name,
                "resource_group_name": platform.name,
                "location": v.region,
                "address_space": v.address_space,
                "subnets": [
                    {
                        "name": sn.name,
                        "address_prefix": sn.cidr,
                        **({"delegation": sn.delegation} if sn.delegation else {}),
                        "security_rules": [dict(r) for r in sn.security_rules],
                    }
                    for sn in v.subnets
                ],
                "tags": topology.tags,
            },
        )
        for v in network.vnets
    }
    subnet_ids: dict[str, pulumi.Input[str]] = dict(network.existing_subnets)
    subnet_ids.update({r: v.subnet_ids.apply(lambda ids: ids[PE_SUBNET]) for r, v in vnets.items()})
    vnet_ids = [*(v.vnet_id for v in vnets.values()), *network.existing_vnet_ids]
    zone_ids: dict[str, pulumi.Input[str]] = {}
    if network.dns_mode == "create" and any(a.private_endpoint for a in topology.accounts):
        dns = PrivateDns(
            "private-dns",
            {
                "resource_group_name": platform.name,
                "zones": list(network.zones),
                "virtual_network_ids": vnet_ids,
                "tags": topology.tags,
            },
        )
        zone_ids = {z: dns.zone_ids.apply(lambda ids, z=z: ids[z]) for z in network.zones}
    elif network.dns_mode == "hub":
        zone_ids = dict(network.hub_zone_ids)
    gateway_subnets: dict[str, pulumi.Input[str]] = dict(network.existing_gateway_subnets)
    for v in network.vnets:
        if any(sn.name == GATEWAY_SUBNET for sn in v.subnets):
            gateway_subnets[v.region] = vnets[v.region].subnet_ids.apply(lambda ids: ids[GATEWAY_SUBNET])
    return DeclaredNetwork(subnet_ids, vnet_ids, zone_ids, network.dns_mode, gateway_subnets)


def declare_budgets(
    topology: Topology, groups: dict[str, resources.ResourceGroup], accounts: dict[str, dict], shared: SharedServices
) -> dict[str, pulumi.Output[str]]:
    if not topology.budgets:
        return {}
    subscription = groups["platform"].id.apply(lambda rid: "/".join(rid.split("/")[:3]))
    ids = {}
    for b in topology.budgets:
        budget = TeamBudget(
            f"budget-{b.key}",
            {
                "budget_name": b.name,
                "scope": subscription if b.scope == "subscription" else groups[b.resource_group].id,
                "amount": b.amount,
                "start_date": b.start_date,
                "notifications": [
                    {"threshold": n.threshold, "threshold_type": n.type, "operator": n.operator}
                    for n in b.notifications
                ],
                "contact_emails": list(b.contacts),
                "contact_roles": list(b.contact_roles),
                "action_group_ids": [shared.action_group_id],
                "resource_ids": [accounts[k]["id"] for k in b.account_keys],
                "resource_group_names": list(b.resource_group_names),
            },
        )
        ids[b.key] = budget.budget_id
    return ids


def declare_projects(
    topology: Topology,
    groups: dict[str, resources.ResourceGroup],
    accounts: dict[str, dict],
    deployments: dict[str, ModelDeployments],
    gateway_urls: dict[str, pulumi.Output[str]],
) -> dict[tuple[str, str], FoundryProject]:
    """A Foundry project per team on every account that holds its deployments, connected to the gateway."""
    out = {}
    for spec in topology.accounts:
        # Projects are children of the account like deployments, and meet the same "another operation is being
        # performed on the parent resource" conflict: one write at a time per account, after the deployments.
        previous: pulumi.Resource = deployments[spec.key]
        for p in spec.projects:
            url = gateway_urls.get(spec.group)
            mine = [d for d in spec.deployments if d.team == p.team]
            out[(spec.key, p.team)] = FoundryProject(
                f"{spec.key}-{p.name}",
                {
                    "account_name": accounts[spec.key]["name"],
                    "account_id": accounts[spec.key]["id"],
                    "resource_group_name": groups[spec.resource_group].name,
                    "location": spec.region,
                    "project_name": p.name,
                    "description": f"ai-landing-zone: {p.team}'s project",
                    "principals": [
                        {
                            "principal_id": a.principal_id,
                            "principal_type": a.principal_type,
                            "description": f"ai-landing-zone: Azure AI User on {p.team}'s project",
                        }
                        for a in spec.access
                        if p.team in a.teams
                    ],
                    **(
                        {
                            "gateway": {
                                # The gateway API's root: the connection appends /deployments/{name}/...
                                "target": url.apply(lambda u: f"{u}/openai"),
                                "audience": p.gateway_audience,
                                "deployments": [
                                    {
                                        "name": d.name,
                                        "model": d.model_name,
                                        "version": d.model_version,
                                        "format": d.model_format,
                                    }
                                    for d in mine
                                ],
                            }
                        }
                        if url is not None and p.gateway_audience is not None
                        else {}
                    ),
                    "tags": {**spec.tags, "team": p.team},
                },
                opts=pulumi.ResourceOptions(depends_on=[previous]),
            )
            previous = out[(spec.key, p.team)]
    return out


def team_outputs(
    team: TeamPlacement,
    topology: Topology,
    accounts: dict[str, dict],
    gateway_urls: dict[str, pulumi.Output[str]],
    projects: dict[tuple[str, str], FoundryProject],
) -> dict:
    """What an app team needs to call its models; the shape is documented in the README."""
    specs = [a for a in topology.accounts if a.key in team.accounts]
    deployments: dict[str, list[str]] = {}
    for d in specs[0].deployments if specs else ():
        if d.team == team.name:
            deployments.setdefault(d.model_name, []).append(d.name)
    return {
        "tenancy": team.tenancy,
        "sharedWith": list(team.shared_with),
        "regions": [a.region for a in specs],
        "primaryRegion": next((a.region for a in specs if a.role == "primary"), None),
        "endpoints": {a.region: accounts[a.key]["endpoint"] for a in specs},
        "accountIds": {a.region: accounts[a.key]["id"] for a in specs},
        "accountNames": {a.region: accounts[a.key]["name"] for a in specs},
        "deployments": deployments,
        "tokenQuota": next(
            (
                {"monthlyTokens": c.monthly_tokens, "tokensPerMinute": c.tokens_per_minute, "source": c.quota_source}
                for c in topology.costs
                if c.team == team.name and c.monthly_tokens is not None
            ),
            None,
        ),
        "gatewayUrl": gateway_urls.get(team.group),
        **(
            {
                "projects": {
                    a.region: {
                        "endpoint": p.endpoint,
                        "id": projects[(a.key, team.name)].project_id,
                        "principalId": projects[(a.key, team.name)].principal_id,
                    }
                    for a in specs
                    for p in a.projects
                    if p.team == team.name
                }
            }
            if any(a.projects for a in specs)
            else {}
        ),
    }


def _declare_account(
    spec: AccountSpec, topology: Topology, rg_name: pulumi.Input[str], net: DeclaredNetwork, shared: SharedServices
) -> tuple[dict, ModelDeployments]:
    if spec.existing:
        # Read, never managed: the platform team owns this account.
        found = cognitiveservices.get_account_output(account_name=spec.name, resource_group_name=spec.resource_group)
        account_name: pulumi.Input[str] = spec.name
        account_id: pulumi.Input[str] = found.id
        outputs = {"id": found.id, "endpoint": found.properties.endpoint}
    else:
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
                "network_acls": {
                    "default_action": "Deny",
                    "ip_rules": list(network.allowed_ips),
                    "bypass": network.bypass,
                },
                "protect": topology.guardrails.protect,
                "tags": spec.tags,
            },
        )
        account_name, account_id = account.account_name, account.account_id
        outputs = {"id": account.account_id, "endpoint": account.endpoint, "principalId": account.principal_id}

    policies = {
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
        ).policy_name
        for f in spec.content_filters
    }
    deployments = ModelDeployments(
        spec.key,
        {
            "account_name": account_name,
            "resource_group_name": rg_name,
            "deployments": [
                {
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
                for d in spec.deployments
            ],
        },
    )
    KeylessAccess(
        spec.key,
        {
            "account_id": account_id,
            "principals": [
                {
                    "principal_id": a.principal_id,
                    "principal_type": a.principal_type,
                    "description": f"ai-landing-zone: OpenAI User for {', '.join(a.teams)}",
                }
                for a in spec.access
            ],
        },
    )
    if shared.monitoring is not None and not spec.existing:
        AccountMonitoring(
            spec.key,
            {
                "account_id": account_id,
                "account_name": spec.name,
                "resource_group_name": rg_name,
                "workspace_id": shared.monitoring.workspace_id,
                "action_group_id": shared.action_group_id,
                "thresholds": topology.monitoring.thresholds,
                "provisioned": any(d.sku in PROVISIONED_SKUS for d in spec.deployments),
                "tags": spec.tags,
            },
        )
    if spec.private_endpoint:
        # After the deployments: the account can sit in "Accepted" while they run (as the AVM modules do).
        endpoint = PrivateEndpoint(
            spec.key,
            {
                "endpoint_name": naming.private_endpoint(spec.name),
                "resource_group_name": rg_name,
                "location": spec.region,
                "subnet_id": net.subnet_ids[spec.region],
                "target_id": account_id,
                "group_id": "account",
                "private_dns_zone_ids": [net.zone_ids[z] for z in spec.dns_zones if z in net.zone_ids],
                "tags": spec.tags,
            },
            # A component stands for its children: every deployment, and the account itself.
            opts=pulumi.ResourceOptions(depends_on=[deployments, account]),
        )
        outputs["privateEndpointId"] = endpoint.private_endpoint_id
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
