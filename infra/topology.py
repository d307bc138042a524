"""Decides what exists: plain data in, plain data out, no Pulumi.

The decisions (which teams share which account, names, role assignments,
limits) are the heart of the product, so they live here as pure functions
that are fast to test exhaustively. ``components/`` only declares what this
returns.

Tenancy:
- shared: one account per region per governance profile (content filter +
  data classification). Teams with the same profile share it; a team with
  ``isolation: dedicated`` gets its own, in the platform resource group.
- distributed: every team gets its own resource group and account per region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from infra import catalog as catalog_mod
from infra import costs as costs_mod
from infra import gateway as gateway_mod
from infra import operations
from infra.config import (
    BUILTIN_RAI_POLICY,
    DEFAULT_CONTENT_FILTER,
    GATEWAY_DNS_ZONE,
    GATEWAY_NETWORK,
    PROJECT_ROOT,
    PROVISIONED_SKUS,
    ROOT,
    ContentFilter,
    LandingZone,
    Team,
    parse,
    required_zones,
)
from infra.diagnostics import Diagnostic, error, errors_in, join_path

MAX_ACCOUNT_NAME = 64


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    """Azure deployment name: identical in every region so that gateway failover keeps the path."""
    team: str
    model_format: str
    model_name: str
    model_version: str
    sku: str
    capacity: int
    version_upgrade_option: str
    content_filter: str | None
    """Name of a custom filter created on the account, or None for the built-in policy."""
    path: str
    """YAML path of the request that asked for it."""
    explicit_name: bool = False
    only_regions: tuple[str, ...] | None = None
    capacity_by_region: tuple[tuple[str, int], ...] = ()
    already_deployed: bool = False
    """Deployed under Azure's existing-customer exception for a Deprecated version."""

    def in_region(self, region: str) -> DeploymentSpec | None:
        """This deployment as the account of ``region`` holds it, or None where it is not deployed."""
        if self.only_regions is not None and region not in self.only_regions:
            return None
        capacity = dict(self.capacity_by_region).get(region, self.capacity)
        return self if capacity == self.capacity else replace(self, capacity=capacity)

    @property
    def rai_policy_name(self) -> str:
        return self.content_filter or BUILTIN_RAI_POLICY


@dataclass(frozen=True)
class PrincipalAccess:
    """One role assignment: Cognitive Services OpenAI User for a principal on an account."""

    principal_id: str
    principal_type: str
    teams: tuple[str, ...]


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    cidr: str
    delegation: str | None = None
    security_rules: tuple[dict, ...] = ()


# API Management v2 outbound integration needs its subnet delegated to serverFarms
# (learn.microsoft.com/azure/api-management/integrate-vnet-outbound); classic injection needs
# the management endpoint and the load balancer let in (api-management-using-with-vnet).
APIM_V2_DELEGATION = "Microsoft.Web/serverFarms"
APIM_INJECTION_RULES = (
    {
        "name": "apim-management",
        "priority": 100,
        "direction": "Inbound",
        "source_address_prefix": "ApiManagement",
        "destination_port_range": "3443",
    },
    {
        "name": "apim-load-balancer",
        "priority": 110,
        "direction": "Inbound",
        "source_address_prefix": "AzureLoadBalancer",
        "destination_port_range": "6390",
    },
)


@dataclass(frozen=True)
class VnetSpec:
    region: str
    name: str
    address_space: str
    subnets: tuple[SubnetSpec, ...]
    """The private endpoint subnet first."""


@dataclass(frozen=True)
class NetworkPlan:
    mode: str
    public_network_access: str
    allowed_ips: tuple[str, ...]
    bypass: str
    private_endpoints: bool
    dns_mode: str
    zones: tuple[str, ...]
    """Private DNS zones the stack's endpoints need."""
    hub_zone_ids: dict[str, str]
    vnets: tuple[VnetSpec, ...]
    """VNets to create."""
    existing_subnets: dict[str, str]
    """region -> private endpoint subnet ID supplied by a connectivity team."""

    @property
    def existing_vnet_ids(self) -> tuple[str, ...]:
        return tuple(sorted({sid.split("/subnets/")[0] for sid in self.existing_subnets.values()}))


PE_SUBNET = "snet-private-endpoints"
GATEWAY_SUBNET = "snet-gateway"


def network_plan(lz: LandingZone) -> NetworkPlan:
    net = lz.network
    gateway_mode = GATEWAY_NETWORK.get(lz.gateway.sku) if lz.gateway.enabled else None
    gateway_subnet = SubnetSpec(
        GATEWAY_SUBNET,
        "",
        APIM_V2_DELEGATION if gateway_mode == "integration" else None,
        APIM_INJECTION_RULES if gateway_mode == "injection" else (),
    )
    vnets = tuple(
        VnetSpec(
            region=name,
            name=f"vnet-{lz.name_prefix}-{lz.environment}-{name}",
            address_space=r.vnet.address_space,
            subnets=(SubnetSpec(PE_SUBNET, r.vnet.private_endpoint_subnet),)
            + ((replace(gateway_subnet, cidr=r.vnet.gateway_subnet),) if r.vnet.gateway_subnet else ()),
        )
        for name, r in net.regions.items()
        if r.vnet is not None
    )
    kinds = {lz.account.kind}
    zones = tuple(dict.fromkeys(z for k in sorted(kinds) for z in required_zones(k)))
    if gateway_mod.private_endpoint(lz):
        zones += (GATEWAY_DNS_ZONE,)
    return NetworkPlan(
        mode=net.mode,
        public_network_access="Disabled" if net.mode == "private" else "Enabled",
        allowed_ips=tuple(net.allowed_ips) if net.mode == "public" else (),
        bypass="AzureServices" if lz.account.trusted_services_bypass else "None",
        private_endpoints=net.uses_private_endpoints,
        dns_mode=net.private_dns.mode,
        zones=zones,
        hub_zone_ids=dict(net.private_dns.zone_ids),
        vnets=vnets,
        existing_subnets={
            name: r.private_endpoint_subnet_id for name, r in net.regions.items() if r.private_endpoint_subnet_id
        },
    )


def exposure(account: AccountSpec, net: NetworkPlan) -> str:
    """How the account is reached, as the plan shows it."""
    if account.existing:
        return "existing account: its network is managed by its owner"
    if net.mode == "private":
        text = "private: public network access disabled"
    else:
        text = f"public: allow-list {', '.join(net.allowed_ips) or 'empty (nobody)'}, everything else denied"
    if net.private_endpoints:
        dns = {
            "create": f"DNS zones created here ({', '.join(account.dns_zones)})",
            "hub": "DNS zones from the hub",
            "policy": "DNS zone group left to Azure Policy",
        }[net.dns_mode]
        text += f"; private endpoint (group account) in {account.region}, {dns}"
    return text


@dataclass(frozen=True)
class ResourceGroupSpec:
    key: str
    name: str
    location: str
    team: str | None
    tags: dict[str, str]


@dataclass(frozen=True)
class AccountSpec:
    key: str
    """Stable logical name; also the prefix of every child's logical name."""
    name: str
    region: str
    role: str
    kind: str
    sku: str
    custom_subdomain: str
    resource_group: str
    """Key of a ``ResourceGroupSpec``, or the name of the existing account's resource group."""
    existing: bool
    group: str
    """Account group: ``shared-<filter>-<classification>`` or ``team-<team>``."""
    tenancy: Literal["shared", "dedicated"]
    deployments: tuple[DeploymentSpec, ...]
    content_filters: tuple[ContentFilter, ...]
    teams: tuple[str, ...]
    access: tuple[PrincipalAccess, ...]
    tags: dict[str, str]
    reason: str
    """Why these teams' deployments landed on this account, shown in the plan."""
    dns_zones: tuple[str, ...] = ()
    private_endpoint: bool = False


@dataclass(frozen=True)
class TeamPlacement:
    name: str
    cost_center: str
    owners: tuple[str, ...]
    group: str
    tenancy: Literal["shared", "dedicated"]
    shared_with: tuple[str, ...]
    accounts: tuple[str, ...]
    """Keys of the accounts that hold the team's deployments (one per region)."""
    reason: str


@dataclass(frozen=True)
class Topology:
    config: LandingZone
    environment: str
    tenancy: str
    location: str
    disable_local_auth: bool
    network: NetworkPlan
    tags: dict[str, str]
    """Landing-zone-wide tags, for shared resources such as the network."""
    budgets: tuple[costs_mod.BudgetSpec, ...]
    costs: tuple[costs_mod.TeamCost, ...]
    gateway: gateway_mod.GatewayPlan | None
    quotas: tuple[operations.QuotaUse, ...]
    monitored: bool
    """Whether there is anything to monitor: a workspace, diagnostics and alerts."""
    guardrails: operations.GuardrailsPlan
    action_group_emails: tuple[str, ...]
    resource_groups: tuple[ResourceGroupSpec, ...]
    accounts: tuple[AccountSpec, ...]
    teams: tuple[TeamPlacement, ...]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class _Group:
    key: str
    tenancy: Literal["shared", "dedicated"]
    members: tuple[int, ...]
    content_filter: str
    data_classification: str
    why: str


def decide(
    raw: Any,
    today: dt.date,
    catalog: catalog_mod.Catalog | None = None,
    base_dir: Path = PROJECT_ROOT,
    subscription_id: str | None = None,
) -> tuple[Topology | None, list[Diagnostic]]:
    """Config object -> topology, or None when there is any error. Diagnostics are always returned.

    ``subscription_id`` is the deployment's (``azure-native:subscriptionId``) where the stack states it."""
    lz, diags = parse(raw, base_dir, today)
    if lz is None:
        return None, diags
    topology = build(lz, catalog or catalog_mod.load(), today, subscription_id)
    # Identical findings can repeat (one per account); say each once.
    diags = list(dict.fromkeys([*diags, *topology.diagnostics]))
    return (None if errors_in(diags) else topology), diags


def profile(team: Team) -> str:
    return f"contentFilter={team.content_filter}, dataClassification={team.data_classification}"


def account_groups(lz: LandingZone) -> list[_Group]:
    """Which teams share an account. Teams with different profiles never do."""
    groups: list[_Group] = []
    if lz.tenancy == "distributed":
        for i, t in enumerate(lz.teams):
            why = "tenancy: distributed gives every team its own resource group and accounts"
            groups.append(_Group(f"team-{t.name}", "dedicated", (i,), t.content_filter, t.data_classification, why))
        return groups
    by_profile: dict[tuple[str, str], list[int]] = {}
    for i, t in enumerate(lz.teams):
        if t.isolation == "dedicated":
            why = "isolation: dedicated"
            groups.append(_Group(f"team-{t.name}", "dedicated", (i,), t.content_filter, t.data_classification, why))
        else:
            by_profile.setdefault((t.content_filter, t.data_classification), []).append(i)
    for (content_filter, classification), members in by_profile.items():
        key = f"shared-{content_filter}-{classification}"
        groups.append(_Group(key, "shared", tuple(members), content_filter, classification, "same governance profile"))
    return sorted(groups, key=lambda g: g.key)


def build(
    lz: LandingZone, catalog: catalog_mod.Catalog, today: dt.date, subscription_id: str | None = None
) -> Topology:
    diags: list[Diagnostic] = []
    deployments_of: list[list[DeploymentSpec]] = []
    for t, team in enumerate(lz.teams):
        custom = None if team.content_filter == DEFAULT_CONTENT_FILTER else team.content_filter
        mine = []
        for m, req in enumerate(team.models):
            path = join_path(lz.team_path(t), f"models[{m}]")
            diags += catalog_mod.check_model(req, path, catalog, today)
            info = catalog.models.get(req.name)
            mine.append(
                DeploymentSpec(
                    name=req.deployment_name or f"{team.name}-{req.name}",
                    team=team.name,
                    model_format=info.format if info else "OpenAI",
                    model_name=req.name,
                    model_version=req.version,
                    sku=req.sku,
                    capacity=req.capacity,
                    version_upgrade_option=catalog_mod.upgrade_option(req),
                    already_deployed=req.already_deployed,
                    content_filter=custom,
                    path=path,
                    explicit_name=req.deployment_name is not None,
                    only_regions=tuple(req.regions) if req.regions is not None else None,
                    capacity_by_region=tuple(sorted(req.capacity_by_region.items())),
                )
            )
        deployments_of.append(mine)

    primary = next((r.name for r in lz.regions if r.role == "primary"), lz.regions[0].name)
    base_tags = {"environment": lz.environment, "landingZone": lz.name_prefix, "managedBy": "pulumi", **lz.tags}
    platform_rg = ResourceGroupSpec(
        "platform", lz.resource_group.name or f"rg-{lz.name_prefix}-{lz.environment}", primary, None, base_tags
    )
    groups = account_groups(lz)
    diags += _single_group_checks(lz, groups)
    network = network_plan(lz)
    filters = {f.name: f for f in lz.content_filters}

    resource_groups: dict[str, ResourceGroupSpec] = {}
    accounts: list[AccountSpec] = []
    team_accounts: dict[int, list[str]] = {}
    for group in groups:
        teams = [lz.teams[i] for i in group.members]
        tags = dict(base_tags)
        if group.tenancy == "dedicated":
            tags.update(team=teams[0].name, costCenter=teams[0].cost_center)
        if lz.tenancy == "distributed":
            name = f"{platform_rg.name}-{teams[0].name}"
            rg = ResourceGroupSpec(f"team-{teams[0].name}", name, primary, teams[0].name, tags)
        else:
            rg = platform_rg
        suffix = group.key.removeprefix("team-")
        deployments = tuple(d for i in group.members for d in deployments_of[i])
        content_filters = (filters[group.content_filter],) if group.content_filter in filters else ()
        for region in lz.regions:
            existing = region.existing_account
            name = existing.name if existing else f"oai-{lz.name_prefix}-{lz.environment}-{suffix}-{region.name}"
            if not existing and len(name) > MAX_ACCOUNT_NAME:
                diags.append(
                    error(
                        f"{ROOT}.namePrefix",
                        f"account name {name} would be {len(name)} characters; Azure allows {MAX_ACCOUNT_NAME}:"
                        " shorten namePrefix, the environment, the team or content filter name",
                    )
                )
            if not existing:
                resource_groups.setdefault(rg.key, rg)
            account = AccountSpec(
                key=f"{group.key}-{region.name}",
                name=name,
                region=region.name,
                role=region.role,
                kind=lz.account.kind,
                sku=lz.account.sku,
                custom_subdomain=region.custom_subdomain or name,
                resource_group=existing.resource_group if existing else rg.key,
                existing=existing is not None,
                group=group.key,
                tenancy=group.tenancy,
                deployments=tuple(x for d in deployments if (x := d.in_region(region.name)) is not None),
                content_filters=content_filters,
                teams=tuple(t.name for t in teams),
                access=_access(teams),
                tags=tags,
                reason=_account_reason(group, teams) + (" (existing account, not managed here)" if existing else ""),
                dns_zones=required_zones(lz.account.kind),
                private_endpoint=network.private_endpoints and not existing,
            )
            diags += _account_limits(account, catalog)
            accounts.append(account)
            for i in group.members:
                team_accounts.setdefault(i, []).append(account.key)

    shared_teams = {lz.teams[i].name for g in groups if g.tenancy == "shared" for i in g.members}
    costs, cost_diags = costs_mod.team_costs(lz, catalog, shared_teams)
    diags += cost_diags
    budgets = costs_mod.budget_specs(
        lz,
        today,
        rg_of_team={t.name: f"team-{t.name}" if lz.tenancy == "distributed" else platform_rg.key for t in lz.teams},
        dedicated_accounts={
            lz.teams[g.members[0]].name: tuple(a.key for a in accounts if a.group == g.key and not a.existing)
            for g in groups
            if g.tenancy == "dedicated" and lz.tenancy == "shared"
        },
        landing_zone_rgs=tuple(sorted({rg.name for rg in resource_groups.values()} | {platform_rg.name})),
    )
    gateway = gateway_mod.gateway_plan(lz, accounts, costs)
    if lz.gateway.enabled:
        diags += gateway_mod.name_parity(accounts)
        diags += gateway_mod.gateway_rules(lz, gateway, subscription_id)
    diags += gateway_mod.failover_warnings(lz, accounts)
    quotas, quota_diags = operations.quota_use(lz, accounts)
    diags += quota_diags
    monitored = lz.monitoring.enabled and (any(not a.existing for a in accounts) or gateway is not None)
    emails = costs_mod.action_group_emails(lz)
    if (budgets or monitored) and not emails:
        diags.append(
            error(
                f"{ROOT}.budgets.actionGroupEmails",
                "budget and metric alerts need someone to tell: set actionGroupEmails, or contacts on the budgets",
            )
        )
    if network.vnets or any(a.private_endpoint for a in accounts) or budgets or monitored:
        # The network, the shared action group, the workspace and the environment budget's scope
        # live with the platform.
        resource_groups.setdefault(platform_rg.key, platform_rg)
    placements = tuple(
        _placement(lz, i, next(g for g in groups if i in g.members), team_accounts.get(i, []))
        for i in range(len(lz.teams))
    )
    return Topology(
        config=lz,
        environment=lz.environment,
        tenancy=lz.tenancy,
        location=primary,
        disable_local_auth=lz.account.disable_local_auth,
        network=network,
        tags=base_tags,
        budgets=budgets,
        costs=costs,
        gateway=gateway,
        quotas=quotas,
        monitored=monitored,
        guardrails=operations.guardrails_plan(lz, catalog, today),
        action_group_emails=emails,
        resource_groups=tuple(resource_groups.values()),
        accounts=tuple(accounts),
        teams=placements,
        diagnostics=tuple(diags),
    )


def _access(teams: list[Team]) -> tuple[PrincipalAccess, ...]:
    """One assignment per principal per account: a principal shared by two teams is granted once."""
    by_principal: dict[str, tuple[str, list[str]]] = {}
    for team in teams:
        for p in team.principals:
            by_principal.setdefault(p.id.lower(), (p.type, []))[1].append(team.name)
    return tuple(PrincipalAccess(pid, ptype, tuple(names)) for pid, (ptype, names) in sorted(by_principal.items()))


def _account_reason(group: _Group, teams: list[Team]) -> str:
    names = ", ".join(t.name for t in teams)
    if group.tenancy == "dedicated":
        return f"dedicated to {names}: {group.why}"
    prof = profile(teams[0])
    if len(teams) == 1:
        return f"shared account for governance profile ({prof}); only {names} has this profile so far"
    return f"shared by {names}: same governance profile ({prof})"


def _placement(lz: LandingZone, index: int, group: _Group, accounts: list[str]) -> TeamPlacement:
    team = lz.teams[index]
    others = tuple(lz.teams[i].name for i in group.members if i != index)
    if group.tenancy == "dedicated":
        reason = f"dedicated: {group.why}"
    elif others:
        reason = f"shared with {', '.join(others)}: same governance profile ({profile(team)})"
    else:
        reason = f"shared account of its governance profile ({profile(team)}); no other team has it yet"
    return TeamPlacement(
        name=team.name,
        cost_center=team.cost_center,
        owners=tuple(team.owners),
        group=group.key,
        tenancy=group.tenancy,
        shared_with=others,
        accounts=tuple(accounts),
        reason=reason,
    )


def _single_group_checks(lz: LandingZone, groups: list[_Group]) -> list[Diagnostic]:
    """A region's existing account or custom subdomain names one account: fine only with one account group."""
    if len(groups) <= 1:
        return []
    out = []
    for i, region in enumerate(lz.regions):
        for key, value in (("existingAccount", region.existing_account), ("customSubdomain", region.custom_subdomain)):
            if value:
                out.append(
                    error(
                        f"{ROOT}.regions[{i}].{key}",
                        f"names one account, but this stack needs {len(groups)} per region"
                        f" ({', '.join(g.key for g in groups)}); give those teams the same governance profile and"
                        f" tenancy: shared, or remove {key}",
                    )
                )
    return out


def _account_limits(account: AccountSpec, catalog: catalog_mod.Catalog) -> list[Diagnostic]:
    out = []
    seen: dict[str, DeploymentSpec] = {}
    for d in account.deployments:
        first = seen.setdefault(d.name, d)
        if first is not d:
            out.append(
                error(
                    f"{d.path}.deploymentName",
                    f"deployment name {d.name!r} is already used on account {account.name} by {first.path};"
                    " set a unique deploymentName",
                )
            )
        if account.tenancy == "shared" and d.explicit_name and not d.name.startswith(f"{d.team}-"):
            out.append(
                error(
                    f"{d.path}.deploymentName",
                    f"{d.name!r} is on a shared account: start it with the team name, e.g. {d.team}-{d.name}",
                )
            )
    standard = [d for d in account.deployments if d.sku not in PROVISIONED_SKUS]
    limit = catalog.limits.max_standard_deployments_per_account
    if len(standard) > limit:
        out.append(
            error(
                standard[limit].path,
                f"account {account.name} would hold {len(standard)} standard deployments; Azure allows {limit}"
                " per account: remove some or move teams to another account",
            )
        )
    return out
