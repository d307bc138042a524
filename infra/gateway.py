"""The AI gateway's shape: pools, APIs and per-team limits. Plain Python, no Pulumi.

Failover rewrites only the host: the request path carries the deployment
name, so every account in a pool must hold a deployment of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from components.gateway_policy import MAX_TOKEN_QUOTA, MAX_TOKENS_PER_MINUTE, retry_count
from infra.config import GATEWAY_DNS_ZONE, GATEWAY_NETWORK, ROOT, LandingZone
from infra.diagnostics import Diagnostic, error, info, join_path, warning

if TYPE_CHECKING:
    from infra.costs import TeamCost
    from infra.topology import AccountSpec

REGIONAL_SKUS = frozenset({"Standard", "ProvisionedManaged"})
"""Deployment types served from one region only; Global and Data Zone types fail over inside Azure."""


@dataclass(frozen=True)
class PoolMember:
    account: str
    """Account key; its backend is named after it."""
    region: str
    priority: int
    """1 for the primary region, 2, 3 ... for secondaries in config order: lower priorities get traffic
    only when every higher one is tripped."""
    weight: int


@dataclass(frozen=True)
class TeamRoute:
    team: str
    caller_app_ids: tuple[str, ...]
    subscription_key: bool
    tokens_per_minute: int | None
    monthly_tokens: int | None


@dataclass(frozen=True)
class GatewayApi:
    group: str
    """The account group behind this API; its pool and path are named after it."""
    pool: str
    path: str
    members: tuple[PoolMember, ...]
    teams: tuple[TeamRoute, ...]


@dataclass(frozen=True)
class GatewayPlan:
    name: str
    sku: str
    capacity: int
    region: str
    network: str
    """integration (outbound VNet, public endpoint), injection (Internal VNet mode), or none (public, calling
    public account endpoints)."""
    tenant_id: str
    audiences: tuple[str, ...]
    publisher_email: str
    publisher_name: str
    failure_count: int
    interval: str
    trip_duration: str
    apis: tuple[GatewayApi, ...]
    private_endpoint: bool = False
    """An inbound private endpoint (sub-resource Gateway) in the gateway's region."""
    public_network_access: str = "Enabled"


MAX_RETRIES = 50
"""The retry policy's count is 1 to 50."""
PRIVATE_ENDPOINT_SKUS = frozenset({"Developer", "Basic", "Standard", "StandardV2", "Premium"})
"""Tiers with inbound private endpoints (BasicV2 and Consumption have none; PremiumV2 is not in our API)."""


def private_endpoint(lz: LandingZone) -> bool:
    """Whether the gateway gets an inbound private endpoint: asked for, or by default in prod when the accounts
    are private and the tier takes one (classic tiers injected into a VNet cannot, and need not)."""
    gw = lz.gateway
    if not gw.enabled:
        return False
    if gw.private_endpoint is not None:
        return gw.private_endpoint
    return (
        lz.environment == "prod" and lz.network.uses_private_endpoints and GATEWAY_NETWORK.get(gw.sku) == "integration"
    )


def gateway_plan(lz: LandingZone, accounts: list[AccountSpec], costs: tuple[TeamCost, ...]) -> GatewayPlan | None:
    gw = lz.gateway
    if not gw.enabled or gw.entra is None or gw.publisher_email is None:
        return None
    order = {r.name: i for i, r in enumerate(lz.regions)}
    weight = {r.name: r.weight for r in lz.regions}
    cost = {c.team: c for c in costs}
    teams = {t.name: t for t in lz.teams}
    apis = []
    for group in dict.fromkeys(a.group for a in accounts):
        members = sorted((a for a in accounts if a.group == group), key=lambda a: order[a.region])
        secondaries = iter(range(2, len(members) + 2))
        pool = tuple(
            PoolMember(a.key, a.region, 1 if a.role == "primary" else next(secondaries), weight[a.region])
            for a in members
        )
        routes = tuple(
            TeamRoute(
                team=name,
                caller_app_ids=tuple(teams[name].caller_app_ids),
                subscription_key=teams[name].subscription_keys,
                tokens_per_minute=cost[name].tokens_per_minute,
                monthly_tokens=cost[name].monthly_tokens,
            )
            for name in members[0].teams
        )
        apis.append(GatewayApi(group, f"pool-{group}", f"{group}/openai", pool, routes))
    primary = next(r.name for r in lz.regions if r.role == "primary")
    return GatewayPlan(
        name=f"apim-{lz.name_prefix}-{lz.environment}",
        sku=gw.sku,
        capacity=gw.capacity,
        region=primary,
        network=GATEWAY_NETWORK[gw.sku] if lz.network.uses_private_endpoints else "none",
        tenant_id=gw.entra.tenant_id,
        audiences=tuple(gw.entra.audiences),
        publisher_email=gw.publisher_email,
        publisher_name=gw.publisher_name,
        failure_count=gw.circuit_breaker.failure_count,
        interval=gw.circuit_breaker.interval,
        trip_duration=gw.circuit_breaker.trip_duration,
        apis=tuple(apis),
        private_endpoint=private_endpoint(lz),
        public_network_access=gw.public_network_access,
    )


def name_parity(accounts: list[AccountSpec]) -> list[Diagnostic]:
    """Every member of a pool must hold the same deployment names, or failover answers 404."""
    out = []
    by_group: dict[str, list[AccountSpec]] = {}
    for a in accounts:
        by_group.setdefault(a.group, []).append(a)
    for group, members in by_group.items():
        names = {a.region: {d.name: d for d in a.deployments} for a in members}
        every = {n: d for a in members for n, d in names[a.region].items()}
        for name, spec in every.items():
            have = [a.region for a in members if name in names[a.region]]
            missing = [a.region for a in members if name not in names[a.region]]
            if missing:
                out.append(
                    error(
                        spec.path,
                        f"pool {group}: deployment {name!r} is in {', '.join(have)} but not in {', '.join(missing)};"
                        " failover keeps the path, so every region needs it (drop `regions:` from the model)",
                    )
                )
    return out


def failover_warnings(lz: LandingZone, accounts: list[AccountSpec]) -> list[Diagnostic]:
    """Without a gateway, a regional deployment has nowhere to fail over to."""
    if lz.gateway.enabled or lz.environment != "prod":
        return []
    seen, out = set(), []
    for a in accounts:
        for d in a.deployments:
            if d.sku in REGIONAL_SKUS and d.path not in seen:
                seen.add(d.path)
                out.append(
                    warning(
                        f"{d.path}.sku",
                        f"{d.name} is a regional {d.sku} deployment with no gateway pool: it has no failover."
                        " Enable the gateway, or use a GlobalStandard or DataZone type",
                    )
                )
    return out


def gateway_rules(lz: LandingZone, plan: GatewayPlan | None, subscription_id: str | None = None) -> list[Diagnostic]:
    """Rules Azure enforces on the gateway that only the decided plan can tell."""
    if plan is None:
        return []
    base, out = f"{ROOT}.gateway", []
    out += _caller_rules(lz, plan)
    largest = max((len(api.members) for api in plan.apis), default=1)
    retries = retry_count(largest, plan.failure_count)
    if retries > MAX_RETRIES:
        out.append(
            error(
                f"{base}.circuitBreaker.failureCount",
                f"{plan.failure_count} failures to trip each of {largest - 1} fallback members needs {retries}"
                f" retries; API Management's retry policy allows at most {MAX_RETRIES}: lower failureCount",
            )
        )
    out += _inbound_rules(lz, plan)
    out += _subnet_rules(lz, plan, subscription_id)
    return out


def _caller_rules(lz: LandingZone, plan: GatewayPlan) -> list[Diagnostic]:
    paths = {t.name: lz.team_path(i) for i, t in enumerate(lz.teams)}
    quotas = {t.name: t.token_quota for t in lz.teams}
    out = []
    for api in plan.apis:
        for route in api.teams:
            path = paths[route.team]
            if not route.caller_app_ids and not route.subscription_key:
                out.append(
                    error(
                        join_path(path, "callerAppIds"),
                        f"the gateway would refuse every call of {route.team}: list the Entra application IDs of its"
                        " apps (keyless), or set subscriptionKeys: true",
                    )
                )
            explicit = quotas[route.team] is not None
            bounds = (
                ("tokensPerMinute", route.tokens_per_minute, MAX_TOKENS_PER_MINUTE, "tokens per minute", "a 32-bit"),
                ("monthlyTokens", route.monthly_tokens, MAX_TOKEN_QUOTA, "tokens a month", "a 64-bit"),
            )
            for key, value, limit, what, kind in bounds:
                if value is not None and value > limit:
                    # Derived limits come from the budget: that is what to change.
                    where = join_path(path, f"tokenQuota.{key}" if explicit else "budget.monthly")
                    out.append(
                        error(
                            where,
                            f"{value:,} {what} is more than llm-token-limit takes ({kind} integer, at most {limit:,})",
                        )
                    )
    return out


def _inbound_rules(lz: LandingZone, plan: GatewayPlan) -> list[Diagnostic]:
    base, out = f"{ROOT}.gateway", []
    if plan.private_endpoint:
        if plan.sku not in PRIVATE_ENDPOINT_SKUS:
            out.append(
                error(f"{base}.privateEndpoint", f"{plan.sku} takes no inbound private endpoint: use StandardV2")
            )
        elif plan.network == "injection":
            out.append(
                error(
                    f"{base}.privateEndpoint",
                    f"{plan.sku} is injected into the VNet (Internal mode), where private endpoints are not supported"
                    " and the gateway is already private: remove privateEndpoint",
                )
            )
        if not lz.network.uses_private_endpoints:
            out.append(
                error(
                    f"{base}.privateEndpoint",
                    "needs a private endpoint subnet in the primary region: set network.privateEndpoints: true",
                )
            )
        dns = lz.network.private_dns
        if dns.mode == "hub" and GATEWAY_DNS_ZONE not in dns.zone_ids:
            out.append(
                error(
                    f"{ROOT}.network.privateDns.zoneIds",
                    f"missing {GATEWAY_DNS_ZONE}: the gateway's private endpoint registers there",
                )
            )
    if plan.public_network_access == "Disabled":
        if not plan.private_endpoint and plan.network != "injection":
            out.append(
                error(
                    f"{base}.publicNetworkAccess",
                    "Disabled leaves no way in: Azure needs an approved private endpoint first (privateEndpoint: true)",
                )
            )
        else:
            out.append(
                info(
                    f"{base}.publicNetworkAccess",
                    "Disabled is accepted only on an existing service with an approved private endpoint: a new"
                    " stack deploys once with Enabled (the endpoint is created), then with Disabled",
                )
            )
    elif lz.environment == "prod" and plan.network != "injection":
        fix = (
            "set publicNetworkAccess: Disabled once the private endpoint exists"
            if plan.private_endpoint
            else "give it a private endpoint (privateEndpoint: true), then set publicNetworkAccess: Disabled"
        )
        out.append(
            warning(
                f"{base}.publicNetworkAccess",
                f"the prod gateway's endpoint is public (callers still need Entra tokens or keys): {fix}",
            )
        )
    return out


def _subnet_rules(lz: LandingZone, plan: GatewayPlan, subscription_id: str | None) -> list[Diagnostic]:
    """Standard v2 outbound integration: the VNet is in the gateway's region and subscription."""
    out = []
    for name, region in lz.network.regions.items():
        subnet = region.gateway_subnet_id
        if not subnet:
            continue
        path = f"{ROOT}.network.regions.{name}.gatewaySubnetId"
        if name != plan.region:
            out.append(
                error(
                    path,
                    f"the gateway runs in the primary region {plan.region}, and its VNet must be in the same region:"
                    f" move gatewaySubnetId under network.regions.{plan.region}",
                )
            )
        owner = subnet.split("/")[2].lower()
        if plan.network == "integration" and subscription_id and owner != subscription_id.lower():
            out.append(
                error(
                    path,
                    f"the subnet is in subscription {owner}, the gateway in {subscription_id}"
                    " (azure-native:subscriptionId): VNet integration needs the VNet in the gateway's subscription",
                )
            )
    return out
