"""The gateway slice: API Management in front of the accounts, its pools, APIs, callers and limits.

Its rules (``checks`` on the config, ``rules`` on the decided spec) live with its decisions. Plain Python.

Failover rewrites only the host: the request path carries the deployment
name, so every account in a pool must hold a deployment of the same name.
"""

from __future__ import annotations

from components.gateway_policy import MAX_TOKEN_QUOTA, MAX_TOKENS_PER_MINUTE, retry_count
from infra import naming
from infra.config import GATEWAY_DNS_ZONE, ROOT, LandingZone
from infra.diagnostics import Diagnostic, error, excerpt, info, join_path, warning
from infra.specs import AccountSpec, GatewayApi, GatewaySpec, PoolMember, TeamCost, TeamRoute

REGIONAL_SKUS = frozenset({"Standard", "ProvisionedManaged"})
"""Deployment types served from one region only; Global and Data Zone types fail over inside Azure."""

# Which tiers reach a VNet (learn.microsoft.com/azure/api-management/api-management-features and
# virtual-network-concepts): outbound VNet integration is Standard v2 (and Premium v2); VNet injection is
# Developer and Premium (classic) and Premium v2; Basic, Standard, Basic v2 and Consumption have neither.
# Circuit breakers on backends are not supported in Consumption (learn.microsoft.com/azure/api-management/backends).
GATEWAY_NETWORK = {
    "StandardV2": "integration",
    "Developer": "injection",
    "Premium": "injection",
    "BasicV2": "none",
    "Basic": "none",
    "Standard": "none",
}
MAX_POOL_MEMBERS = 30
PRIMARY_PRIORITY, SECONDARY_PRIORITY = 1, 2
"""The primary region alone first; every secondary in the next group, splitting its traffic by ``weight``."""


def checks(lz: LandingZone) -> list[Diagnostic]:
    """Rules on the gateway's config: tier, network reach, what it needs to exist."""
    gw, base, out = lz.gateway, f"{ROOT}.gateway", _weight_rules(lz)
    if not gw.enabled:
        return out
    if gw.sku == "Consumption":
        out.append(
            error(f"{base}.sku", "Consumption has no backend circuit breakers, which failover needs: use StandardV2")
        )
    elif gw.sku == "PremiumV2":
        out.append(
            error(f"{base}.sku", "PremiumV2 is not in azure-native's API Management API (2024-05-01): use Premium")
        )
    elif gw.sku == "Developer" and lz.environment == "prod":
        out.append(error(f"{base}.sku", "Developer has no SLA: use StandardV2 or Premium in prod"))
    for key, value in (("entra", gw.entra), ("publisherEmail", gw.publisher_email)):
        if value is None:
            out.append(error(f"{base}.{key}", "is required when the gateway is enabled"))
    out += _inbound_rules(lz)
    if not lz.monitoring.enabled:
        # llm-emit-token-metric and the gateway's logs go to Application Insights and the workspace.
        out.append(
            error(
                f"{ROOT}.monitoring.enabled",
                "the gateway's token metrics (per-team chargeback) and logs need monitoring: enable it, or"
                " disable the gateway",
            )
        )
    if len(lz.regions) > MAX_POOL_MEMBERS:
        out.append(
            error(f"{ROOT}.regions", f"a backend pool holds at most {MAX_POOL_MEMBERS} members; got {len(lz.regions)}")
        )
    mode = GATEWAY_NETWORK.get(gw.sku)
    if mode is None:
        return out
    if not lz.network.uses_private_endpoints:
        # Public accounts: the gateway stays public too and calls their public endpoints.
        out.append(
            warning(
                f"{ROOT}.network.allowedIps",
                "the gateway calls the accounts' public endpoints: add its outbound IP addresses to allowedIps,"
                " or give the accounts private endpoints (privateEndpoints: true)",
            )
        )
    elif mode == "none":
        out.append(
            error(
                f"{base}.sku",
                f"{gw.sku} cannot join a VNet, so it cannot reach private accounts: use StandardV2 or Premium",
            )
        )
    else:
        primary = lz.primary_region
        region = lz.network.regions.get(primary)
        has_subnet = region is not None and (
            (region.vnet is not None and region.vnet.gateway_subnet) or region.gateway_subnet_id
        )
        if not has_subnet:
            out.append(
                error(
                    f"{ROOT}.network.regions.{primary}",
                    "the gateway needs a subnet in the primary region: set vnet.gatewaySubnet or gatewaySubnetId",
                )
            )
    return out


def _weight_rules(lz: LandingZone) -> list[Diagnostic]:
    """``weight`` splits traffic only inside a priority group, and the primary is alone in its own: a weight
    there, even 1, would read as if it did something."""
    return [
        error(
            f"{ROOT}.regions[{i}].weight",
            f"the primary region is alone in priority {PRIMARY_PRIORITY} of the gateway pool, where a weight does"
            f" nothing: remove weight here; it splits traffic among the secondaries, which share priority"
            f" {SECONDARY_PRIORITY}",
        )
        for i, r in enumerate(lz.regions)
        if r.role == "primary" and "weight" in r.model_fields_set
    ]


MAX_RETRIES = 50
"""The retry policy's count is 1 to 50."""
PRIVATE_ENDPOINT_SKUS = frozenset({"Developer", "Basic", "Standard", "StandardV2", "Premium"})
"""Tiers with inbound private endpoints (BasicV2 and Consumption have none; PremiumV2 is not in our API)."""


def network_reach(lz: LandingZone) -> str:
    """How the gateway reaches the accounts: ``integration`` or ``injection`` into a VNet, or ``none`` (public
    accounts, or a tier that joins no VNet)."""
    return GATEWAY_NETWORK.get(lz.gateway.sku, "none") if lz.network.uses_private_endpoints else "none"


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


def gateway_spec(lz: LandingZone, accounts: list[AccountSpec], costs: tuple[TeamCost, ...]) -> GatewaySpec | None:
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
        # API Management weighs only within a priority (learn.microsoft.com/azure/api-management/backends), so
        # the secondaries share one, as in Azure-Samples/AI-Gateway labs/backend-pool-load-balancing.
        pool = tuple(
            PoolMember(a.key, a.region, PRIMARY_PRIORITY, 1)
            if a.role == "primary"
            else PoolMember(a.key, a.region, SECONDARY_PRIORITY, weight[a.region])
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
        apis.append(GatewayApi(group, naming.pool(group), naming.api_path(group), pool, routes))
    return GatewaySpec(
        name=naming.api_management(lz),
        sku=gw.sku,
        capacity=gw.capacity,
        region=lz.primary_region,
        network=network_reach(lz),
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
                        f"pool {group}: deployment {excerpt(name)} is in {', '.join(have)}"
                        f" but not in {', '.join(missing)}; failover keeps the path, so every region needs it"
                        " (drop `regions:` from the model)",
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


def rules(lz: LandingZone, spec: GatewaySpec | None, subscription_id: str | None = None) -> list[Diagnostic]:
    """Rules Azure enforces on the gateway that only the decided spec can tell."""
    if spec is None:
        return []
    base, out = f"{ROOT}.gateway", []
    out += _caller_rules(lz, spec)
    largest = max((len(api.members) for api in spec.apis), default=1)
    retries = retry_count(largest, spec.failure_count)
    if retries > MAX_RETRIES:
        out.append(
            error(
                f"{base}.circuitBreaker.failureCount",
                f"{spec.failure_count} failures to trip each of {largest - 1} fallback members needs {retries}"
                f" retries; API Management's retry policy allows at most {MAX_RETRIES}: lower failureCount",
            )
        )
    out += _subnet_rules(lz, spec, subscription_id)
    return out


def _caller_rules(lz: LandingZone, spec: GatewaySpec) -> list[Diagnostic]:
    paths = {t.name: lz.team_path(i) for i, t in enumerate(lz.teams)}
    quotas = {t.name: t.token_quota for t in lz.teams}
    out = []
    for api in spec.apis:
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


def _inbound_rules(lz: LandingZone) -> list[Diagnostic]:
    """How callers reach the gateway: a private endpoint where the tier takes one, public access closed only
    once that endpoint exists."""
    base, out = f"{ROOT}.gateway", []
    sku, has_endpoint, network = lz.gateway.sku, private_endpoint(lz), network_reach(lz)
    if has_endpoint:
        if sku not in PRIVATE_ENDPOINT_SKUS:
            out.append(error(f"{base}.privateEndpoint", f"{sku} takes no inbound private endpoint: use StandardV2"))
        elif network == "injection":
            out.append(
                error(
                    f"{base}.privateEndpoint",
                    f"{sku} is injected into the VNet (Internal mode), where private endpoints are not supported"
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
    if lz.gateway.public_network_access == "Disabled":
        if not has_endpoint and network != "injection":
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
    elif lz.environment == "prod" and network != "injection":
        fix = (
            "set publicNetworkAccess: Disabled once the private endpoint exists"
            if has_endpoint
            else "give it a private endpoint (privateEndpoint: true), then set publicNetworkAccess: Disabled"
        )
        out.append(
            warning(
                f"{base}.publicNetworkAccess",
                f"the prod gateway's endpoint is public (callers still need Entra tokens or keys): {fix}",
            )
        )
    return out


def _subnet_rules(lz: LandingZone, spec: GatewaySpec, subscription_id: str | None) -> list[Diagnostic]:
    """Standard v2 outbound integration: the VNet is in the gateway's region and subscription."""
    out = []
    for name, region in lz.network.regions.items():
        subnet = region.gateway_subnet_id
        if not subnet:
            continue
        path = f"{ROOT}.network.regions.{name}.gatewaySubnetId"
        if name != spec.region:
            out.append(
                error(
                    path,
                    f"the gateway runs in the primary region {spec.region}, and its VNet must be in the same region:"
                    f" move gatewaySubnetId under network.regions.{spec.region}",
                )
            )
        owner = subnet.split("/")[2].lower()
        if spec.network == "integration" and subscription_id and owner != subscription_id.lower():
            out.append(
                error(
                    path,
                    f"the subnet is in subscription {owner}, the gateway in {subscription_id}"
                    " (azure-native:subscriptionId): VNet integration needs the VNet in the gateway's subscription",
                )
            )
    return out


def decide(
    lz: LandingZone, accounts: list[AccountSpec], costs: tuple[TeamCost, ...], subscription_id: str | None
) -> tuple[GatewaySpec | None, list[Diagnostic]]:
    """The gateway's spec, and every rule on it: name parity, callers and limits, subnets; and the warning
    for regional deployments with nowhere to fail over to."""
    spec = gateway_spec(lz, accounts, costs)
    found = failover_warnings(lz, accounts)
    if spec is not None:
        found = [*name_parity(accounts), *rules(lz, spec, subscription_id), *found]
    return spec, found
