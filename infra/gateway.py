"""The gateway slice: API Management in front of the accounts, its pools, APIs, callers and limits.

The decision (``decide``: a pool and an API per account group) and the rules that read it live here; the
rules on the config, and which tier reaches what, in ``infra.gateway_checks``; what one instance of a tier holds
(backends, products, subscriptions, API operations, policy size), and the rules on the decided gateway against
it, in ``infra.gateway_limits``. Plain Python.

Failover rewrites only the host: the request path carries the deployment
name, so every account in a pool must hold a deployment of the same name.
"""

from __future__ import annotations

from components.gateway_policy import MAX_TOKEN_QUOTA, MAX_TOKENS_PER_MINUTE, retry_count
from infra import naming
from infra.config import ROOT, LandingZone
from infra.diagnostics import Diagnostic, convention, error, excerpt, join_path, rule, warning
from infra.gateway_checks import (
    APIM_DOCS,
    OUTBOUND,
    PRIMARY_PRIORITY,
    SECONDARY_PRIORITY,
    network_reach,
    private_endpoint,
)
from infra.gateway_limits import limit_rules
from infra.specs import AccountSpec, AliasSpec, GatewayApi, GatewaySpec, PoolMember, TeamCost, TeamRoute

REGIONAL_SKUS = frozenset({"Standard", "ProvisionedManaged"})
"""Deployment types served from one region only; Global and Data Zone types fail over inside Azure."""


NAME_PARITY = rule(
    "gateway.name-parity",
    "error",
    "Every account in a pool holds the same deployment names: failover keeps the path, which names it.",
    "https://github.com/Azure/api-management-policy-snippets/issues/110",
)


REGIONAL_FAILOVER = rule(
    "gateway.regional-failover",
    "warning",
    "In prod without a gateway, each regional deployment (Standard, ProvisionedManaged) is named: it has no failover.",
    convention("prod deployments fail over; Global and Data Zone types do so inside Azure"),
)


RETRY_MAX = rule(
    "gateway.retry-max",
    "error",
    "failureCount x (members - 1) retries, what reaching the last pool member takes, is at most 50.",
    f"{APIM_DOCS}retry-policy",
)


CALLERS = rule(
    "gateway.callers",
    "error",
    "Each team behind the gateway has callerAppIds (keyless) or subscriptionKeys: true.",
    f"{APIM_DOCS}validate-azure-ad-token-policy",
)


TOKEN_LIMIT = rule(
    "gateway.token-limit",
    "error",
    "Token limits fit llm-token-limit: tokens per minute a 32-bit integer, tokens a month a 64-bit one.",
    f"{APIM_DOCS}llm-token-limit-policy",
    "https://github.com/Azure/azure-api-management-policy-toolkit/blob/main/src/Authoring/Configs/TokenLimitConfig.cs",
)


SUBNET_REGION = rule(
    "gateway.subnet-region", "error", "gatewaySubnetId is in the gateway's (primary) region.", OUTBOUND
)


SUBNET_SUBSCRIPTION = rule(
    "gateway.subnet-subscription",
    "error",
    "With VNet integration, the subnet is in the gateway's subscription.",
    OUTBOUND,
)


MAX_RETRIES = 50
"""The retry policy's count is 1 to 50."""


def gateway_spec(
    lz: LandingZone, accounts: list[AccountSpec], costs: tuple[TeamCost, ...], aliases: tuple[AliasSpec, ...] = ()
) -> GatewaySpec | None:
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
            PoolMember(a.key, a.region, PRIMARY_PRIORITY, 1, a.subscription)
            if a.role == "primary"
            else PoolMember(a.key, a.region, SECONDARY_PRIORITY, weight[a.region], a.subscription)
            for a in members
        )
        routes = tuple(
            TeamRoute(
                team=name,
                caller_app_ids=tuple(teams[name].caller_app_ids),
                subscription_key=teams[name].subscription_keys,
                tokens_per_minute=cost[name].tokens_per_minute,
                monthly_tokens=cost[name].monthly_tokens,
                aliases=tuple(a for a in aliases if a.team == name),
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
        private_endpoint_name=naming.private_endpoint(naming.api_management(lz)),
        llm_messages=gw.llm_logs.messages,
        llm_max_size_in_bytes=gw.llm_logs.max_size_in_bytes,
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
                        rule=NAME_PARITY,
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
                        rule=REGIONAL_FAILOVER,
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
                rule=RETRY_MAX,
            )
        )
    out += _subnet_rules(lz, spec, subscription_id)
    return out + limit_rules(spec, lz)


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
                        rule=CALLERS,
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
                            rule=TOKEN_LIMIT,
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
                    rule=SUBNET_REGION,
                )
            )
        owner = subnet.split("/")[2].lower()
        if spec.network == "integration" and subscription_id and owner != subscription_id.lower():
            out.append(
                error(
                    path,
                    f"the subnet is in subscription {owner}, the gateway in {subscription_id}"
                    " (azure-native:subscriptionId): VNet integration needs the VNet in the gateway's subscription",
                    rule=SUBNET_SUBSCRIPTION,
                )
            )
    return out


def decide(
    lz: LandingZone,
    accounts: list[AccountSpec],
    costs: tuple[TeamCost, ...],
    subscription_id: str | None,
    aliases: tuple[AliasSpec, ...] = (),
) -> tuple[GatewaySpec | None, list[Diagnostic]]:
    """The gateway's spec, and every rule on it: name parity, callers and limits, subnets; and the warning
    for regional deployments with nowhere to fail over to."""
    spec = gateway_spec(lz, accounts, costs, aliases)
    found = failover_warnings(lz, accounts)
    if spec is not None:
        found = [*name_parity(accounts), *rules(lz, spec, subscription_id), *found]
    return spec, found
