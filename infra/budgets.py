"""Where each budget looks: its scope (a subscription or a resource group in one) and its filter, decided from where
the accounts it watches are billed. Plain Python; the budgets' own rules are in ``infra.costs``."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from infra import naming
from infra.config import Budget, LandingZone
from infra.costs import first_of_month
from infra.specs import AccountSpec, BudgetSpec


def budget_specs(
    lz: LandingZone,
    today: dt.date,
    rg_of_team: dict[str, str],
    landing_zone_rgs: dict[str | None, tuple[str, ...]],
    accounts: tuple[AccountSpec, ...],
) -> tuple[BudgetSpec, ...]:
    """One budget for the environment and one per team that has one, each filtered to where the spend is billed.

    Azure counts only the costs inside a budget's scope and filter, and an account carries its own bill, in its
    resource group. An existing account's group is its owner's, outside the landing zone's: the environment
    budget takes that group in, and a team billed on an existing account gets a subscription budget filtered
    to its accounts' resource IDs (no resource group holds them all, and the owner's group holds other spend).

    A budget sees one subscription (or a resource group in one). Accounts placed in other subscriptions
    (``placement.subscriptions``) get an environment budget there too, for the landing zone's groups in it, each
    checked against the whole amount; a team's accounts are all in one subscription, and so is its budget.
    """
    default_start = lz.budgets.start_date or first_of_month(today).isoformat()
    defaults = tuple(lz.budgets.notifications)

    def spec(key: str, budget: Budget, **where) -> BudgetSpec:
        return BudgetSpec(
            key=key,
            name=naming.budget(lz, key),
            team=None if key == "environment" else key,
            amount=budget.monthly,
            start_date=budget.start_date or default_start,
            notifications=tuple(budget.notifications or defaults),
            contacts=tuple(budget.contacts),
            contact_roles=tuple(lz.budgets.contact_roles),
            **where,
        )

    out = list(_environment_budgets(lz, spec, landing_zone_rgs, accounts))
    for team in lz.teams:
        if team.budget is None:
            continue
        billed = tuple(a for a in accounts if team.name in a.teams)
        if any(a.existing for a in billed):
            out.append(
                spec(
                    team.name,
                    team.budget,
                    scope="subscription",
                    resource_group=None,
                    account_keys=tuple(a.key for a in billed),
                    why=_whole_bill(billed),
                )
            )
            continue
        if lz.tenancy == "distributed":
            keys, why = (), "the team's own resource group"
        elif billed and billed[0].tenancy == "dedicated":
            keys, why = tuple(a.key for a in billed), "the team's dedicated accounts"
        else:
            keys, why = (), "the platform resource group: a shared account cannot split spend by team; token quotas do"
        out.append(
            spec(
                team.name,
                team.budget,
                scope="resourceGroup",
                resource_group=rg_of_team[team.name],
                account_keys=keys,
                why=why,
                subscription=billed[0].subscription if billed else None,
            )
        )
    return tuple(out)


def _environment_budgets(
    lz: LandingZone, spec, landing_zone_rgs: dict[str | None, tuple[str, ...]], accounts: tuple[AccountSpec, ...]
) -> list[BudgetSpec]:
    """The environment's budget in the stack's subscription, and one in each other subscription that holds
    accounts (``placement.subscriptions``): a budget's scope is one subscription, and no filter crosses it."""
    if lz.budgets.environment is None:
        return []
    owners, why = _environment_scope(accounts, landing_zone_rgs[None])
    names = landing_zone_rgs[None] + owners
    others = sorted(sub for sub in landing_zone_rgs if sub)
    if others:
        why = why.replace(
            "all of the landing zone's resource groups",
            "the landing zone's resource groups in the stack's own subscription",
            1,
        ) + (
            f"; and as much again in each of {len(others)} other subscriptions, for their accounts: a budget sees"
            " one subscription, so together they may spend more before any budget alerts"
        )
    out = [
        spec(
            "environment",
            lz.budgets.environment,
            scope="subscription",
            resource_group=None,
            resource_group_names=names,
            why=why,
        )
    ]
    for sub in others:
        # The same name in another subscription; its own key, for its logical name.
        there = spec(
            "environment",
            lz.budgets.environment,
            scope="subscription",
            resource_group=None,
            resource_group_names=landing_zone_rgs[sub],
            subscription=sub,
            why=f"the landing zone's resource groups in subscription {sub}; a budget sees one subscription, so"
            f" each of the {len(others) + 1} is checked against the whole amount",
        )
        out.append(replace(there, key=f"environment-{sub}"))
    return out


def _environment_scope(
    accounts: tuple[AccountSpec, ...], landing_zone_rgs: tuple[str, ...]
) -> tuple[tuple[str, ...], str]:
    """The resource groups the environment budget counts beyond the landing zone's own, and what it sees.

    The filter is an "and" of "In" comparisons, with no "or": "the landing zone's groups or that account" cannot
    be said, so an existing account's whole group counts. More than the landing zone, never less."""
    existing = [a for a in accounts if a.existing and a.resource_group not in landing_zone_rgs]
    owners = tuple(dict.fromkeys(a.resource_group for a in existing))
    why = "all of the landing zone's resource groups"
    if owners:
        one = len(existing) == 1
        why += (
            f" and {', '.join(owners)}, where the existing account{'' if one else 's'}"
            f" {', '.join(a.name for a in existing)} {'is' if one else 'are'} billed: everything else billed there"
            " counts too"
        )
    return owners, why


def _whole_bill(accounts: tuple[AccountSpec, ...]) -> str:
    """What a budget filtered to these accounts' IDs counts: each account's whole bill, whoever deployed on it."""
    shared = accounts[0].tenancy == "shared"
    listed = ", ".join(f"{a.name} (existing, in {a.resource_group})" if a.existing else a.name for a in accounts)
    whose = "shared account" if shared else "team's account"
    out = (
        f"the whole bill of the {whose}{'s' if len(accounts) > 1 else ''} {listed}, deployments made outside this"
        " landing zone included"
    )
    return out + (": a shared account cannot split spend by team; token quotas do" if shared else "")
