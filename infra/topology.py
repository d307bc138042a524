"""Decides what exists: config in, the decided ``Topology`` out. Plain Python, no Pulumi.

The decisions (which teams share which account, names, failover pools, quotas, budgets) are the heart of the
product, so they are plain functions over plain data, fast to test exhaustively. Each concern is a slice
that owns its rules and its decisions (``infra.tenancy``, ``infra.network``, ``infra.gateway``,
``infra.costs``, ``infra.operations``); this module runs them in order. ``infra/program.py`` only declares
what ``Topology`` holds: it reads no config and builds no names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import account_limits, aliases, deployments, operations, placement, promotion, rules, subscriptions, tenancy
from infra import budgets as budgets_mod
from infra import catalog as catalog_mod
from infra import costs as costs_mod
from infra import gateway as gateway_mod
from infra import network as network_mod
from infra.config import LandingZone, parse, well_shaped
from infra.diagnostics import Diagnostic, errors_in
from infra.network import exposure
from infra.specs import (
    AccountSpec,
    AlertsSpec,
    AliasSpec,
    BudgetSpec,
    GatewaySpec,
    GuardrailsSpec,
    MonitoringSpec,
    NetworkSpec,
    QuotaUse,
    ResourceGroupSpec,
    TeamCost,
    TeamPlacement,
)

__all__ = ["Topology", "build", "check", "decide", "exposure"]


@dataclass(frozen=True)
class Topology:
    config: LandingZone
    """For the plan's views (render, parity). The program never reads it: everything it needs is decided."""
    environment: str
    tenancy: str
    location: str
    disable_local_auth: bool
    network: NetworkSpec
    tags: dict[str, str]
    """Landing-zone-wide tags, for shared resources such as the network."""
    budgets: tuple[BudgetSpec, ...]
    costs: tuple[TeamCost, ...]
    gateway: GatewaySpec | None
    quotas: tuple[QuotaUse, ...]
    monitoring: MonitoringSpec | None
    """None: nothing to monitor, or monitoring off."""
    alerts: AlertsSpec | None
    """The action group budgets and metric alerts call; None when nothing alerts."""
    guardrails: GuardrailsSpec
    resource_groups: tuple[ResourceGroupSpec, ...]
    accounts: tuple[AccountSpec, ...]
    teams: tuple[TeamPlacement, ...]
    diagnostics: tuple[Diagnostic, ...]
    subscriptions: tuple[str, ...] = ()
    """Subscriptions besides the stack's own that hold accounts (``placement.subscriptions``): each gets an
    explicit provider."""
    aliases: tuple[AliasSpec, ...] = ()
    """Every team's aliases, resolved at the gateway (``infra.aliases``)."""

    @property
    def monitored(self) -> bool:
        return self.monitoring is not None


def decide(
    raw: Any,
    today: dt.date,
    catalog: catalog_mod.Catalog | None = None,
    base_dir: Path | None = None,
    subscription_id: str | None = None,
    stack: str | None = None,
) -> tuple[Topology | None, list[Diagnostic]]:
    """Config object -> topology, or None when there is any error. Diagnostics are always returned.

    ``subscription_id`` is the deployment's (``azure-native:subscriptionId``) where the stack states it;
    ``stack`` names the placement lock file (``placement/<stack>.yaml``) to read, if any."""
    catalog = catalog or catalog_mod.load()
    lz, diags = check(raw, today, catalog, base_dir)
    lock, found = placement.read(stack) if stack else (placement.NO_LOCK, [])
    diags += found
    if lz is None or errors_in(found):
        return None, diags
    topology = build(lz, catalog, today, subscription_id, lock)
    # Identical findings can repeat (one per account); say each once.
    diags = list(dict.fromkeys([*diags, *topology.diagnostics, *promotion_gate(topology, stack)]))
    return (None if errors_in(diags) else topology), diags


def promotion_gate(topology: Topology, stack: str | None) -> list[Diagnostic]:
    """The promotion gate (``infra.promotion``) on the decided aliases, against the stack promoted from."""
    promoted_from, found = promotion.source(topology.config, stack)
    return found + (promotion.gate(topology.config, topology.aliases, promoted_from) if promoted_from else [])


def check(
    raw: Any,
    today: dt.date,
    catalog: catalog_mod.Catalog,
    base_dir: Path | None = None,
    allowed: frozenset[str] = frozenset(),
) -> tuple[LandingZone | None, list[Diagnostic]]:
    """Every error that can be said before deciding, at once; the config only when there is none (errors of the
    ``allowed`` rules aside: a report whose own subject they are, such as retired versions in ``models``).

    Shape first, then every slice's rules and the catalog's verdict on each model. A config with errors is
    not decided on, but a shape error in one team hides neither the other teams' errors nor the stack's:
    the rules run on what is well shaped (``well_shaped``)."""
    lz, diags = parse(raw, base_dir)
    whole = lz is not None
    if whole:
        teams, regions = [(t, lz.team_path(i)) for i, t in enumerate(lz.teams)], list(lz.regions)
    else:
        lz, teams, regions = well_shaped(raw, base_dir)
    if lz is None:  # the stack's own shape is wrong: its teams still hear the catalog's verdict
        diags += deployments.catalog_checks(teams, regions, catalog, today, account_kind=None)
        return None, list(dict.fromkeys(diags))
    diags += rules.checks(lz, today)
    # The catalog's verdict on each model is safe on a config known to be wrong, and saying it with the other
    # errors spares a second round of fixes.
    diags += deployments.catalog_checks(teams, regions, catalog, today, lz.account.kind)
    diags = list(dict.fromkeys(diags))
    blocking = [d for d in errors_in(diags) if d.rule not in allowed]
    return (lz if whole and not blocking else None), diags


def build(
    lz: LandingZone,
    catalog: catalog_mod.Catalog,
    today: dt.date,
    subscription_id: str | None = None,
    lock: placement.LockFile = placement.NO_LOCK,
) -> Topology:
    """The decisions, step by step; each step returns its value and what it found."""
    diags: list[Diagnostic] = []

    def step(result):
        value, found = result
        diags.extend(found)
        return value

    shards = step(placement.decide(lz, lock))
    groups = placement.shard_groups(lz, tenancy.account_groups(lz), shards)
    where = step(subscriptions.decide(lz, groups, lock, subscription_id))
    network = network_mod.network_spec(lz)
    diags.extend(network_mod.subscription_checks(lz, subscription_id))
    placed = step(tenancy.accounts(lz, groups, network, catalog, subscription_id, where.of_group))
    accounts = list(placed.accounts)
    diags.extend(account_limits.checks(lz, accounts, subscription_id, where.pinned, lock.label))
    shared_teams = {lz.teams[i].name for g in groups if g.tenancy == "shared" for i in g.members}
    costs = step(costs_mod.team_costs(lz, catalog, shared_teams, tuple(accounts)))
    rgs_by_subscription: dict[str | None, set[str]] = {None: {placed.platform.name}}
    for rg in placed.resource_groups.values():
        rgs_by_subscription.setdefault(rg.subscription, set()).add(rg.name)
    budgets = budgets_mod.budget_specs(
        lz,
        today,
        rg_of_team={t.name: _team_rg_key(lz, t.name, placed) for t in lz.teams},
        landing_zone_rgs={sub: tuple(sorted(names)) for sub, names in rgs_by_subscription.items()},
        accounts=tuple(accounts),
    )
    alias_specs = step(aliases.decide(lz, accounts))
    gateway = step(gateway_mod.decide(lz, accounts, costs, subscription_id, alias_specs))
    quotas = step(operations.quota_use(lz, accounts, subscription_id))
    monitoring = operations.monitoring_spec(lz, accounts, gateway)
    alerts = step(operations.alerts(lz, budgets, monitoring))
    resource_groups = dict(placed.resource_groups)
    for sub in {a.subscription for a in accounts if a.subscription} if alerts else ():
        # Each subscription's alerts call an action group of their own subscription, in its platform group.
        there = tenancy.platform_group_in(placed.platform, sub)
        resource_groups.setdefault(there.key, there)
    if network.vnets or any(a.private_endpoint for a in accounts) or budgets or monitoring:
        # The network, the shared action group, the workspace and the environment budget's scope
        # live with the platform.
        resource_groups.setdefault(placed.platform.key, placed.platform)
    return Topology(
        config=lz,
        environment=lz.environment,
        tenancy=lz.tenancy,
        location=lz.primary_region,
        disable_local_auth=lz.account.disable_local_auth,
        network=network,
        tags=tenancy.base_tags_of(lz),
        budgets=budgets,
        costs=costs,
        gateway=gateway,
        quotas=quotas,
        monitoring=monitoring,
        alerts=alerts,
        guardrails=operations.guardrails_spec(lz, catalog, today, accounts),
        resource_groups=tuple(resource_groups.values()),
        accounts=tuple(accounts),
        teams=tenancy.placements(lz, groups, placed.team_accounts),
        diagnostics=tuple(diags),
        subscriptions=tuple(sorted({rg.subscription for rg in resource_groups.values() if rg.subscription})),
        aliases=alias_specs,
    )


def _team_rg_key(lz: LandingZone, team: str, placed: tenancy.Accounts) -> str:
    """The resource group that bills the team's accounts: its own (distributed), or the platform's in the
    subscription its shard is in."""
    own = next((a.resource_group for a in placed.accounts if team in a.teams and not a.existing), None)
    return own or (f"team-{team}" if lz.tenancy == "distributed" else placed.platform.key)
