"""The AI gateway's shape: pools, APIs and per-team limits. Plain Python, no Pulumi.

Failover rewrites only the host: the request path carries the deployment
name, so every account in a pool must hold a deployment of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from infra.config import GATEWAY_NETWORK, LandingZone
from infra.diagnostics import Diagnostic, error, warning

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
