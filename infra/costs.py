"""The costs slice: budgets and their rules, per-team token quotas and committed PTU cost. Plain Python.

On a shared account Azure bills the account, not the team, so a budget cannot
tell teams apart; the per-team token quota (enforced by the AI gateway) is the
real limit there. Quotas are given, or derived from the team's monthly budget
and the catalog's list prices:

    blended price per 1M tokens = multiplier(sku) x (s x input + (1 - s) x output)
    monthly tokens             = budget / (capacity-weighted blended price) x 1M

where s is ``budgets.inputTokenShare``. The tokens-per-minute limit is the
standard capacity the team asked for (1 capacity unit = 1,000 TPM).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from infra import naming
from infra.catalog import Catalog
from infra.config import MAX_NOTIFICATIONS, PROVISIONED_SKUS, ROOT, Budget, LandingZone, Notification
from infra.diagnostics import Diagnostic, error, excerpt, info, join_path, warning
from infra.specs import AccountSpec, BudgetSpec, TeamCost

TPM_PER_CAPACITY_UNIT = 1000


def checks(lz: LandingZone, today: dt.date | None = None) -> list[Diagnostic]:
    """Notifications and start dates; a missing budget in prod is the catalog-free part of the cost checks."""
    out: list[Diagnostic] = []
    base = f"{ROOT}.budgets"
    budgets: list[tuple[str, Budget | None]] = [(f"{base}.environment", lz.budgets.environment)]
    budgets += [(join_path(lz.team_path(i), "budget"), t.budget) for i, t in enumerate(lz.teams)]
    out += _notification_checks(lz.budgets.notifications, f"{base}.notifications")
    out += _start_date_checks(lz.budgets.start_date, f"{base}.startDate", today)
    for path, budget in budgets:
        if budget is None:
            if lz.environment == "prod":
                what = "the environment" if path.endswith("environment") else "every team"
                out.append(error(path, f"is required in prod: {what} needs a monthly budget with alerts"))
            continue
        if budget.notifications is not None:
            out += _notification_checks(budget.notifications, f"{path}.notifications")
        out += _start_date_checks(budget.start_date, f"{path}.startDate", today)
    return out


def _notification_checks(notifications: list[Notification], path: str) -> list[Diagnostic]:
    out = []
    kinds = {n.type for n in notifications}
    for kind in ("Actual", "Forecasted"):
        if kind not in kinds:
            out.append(error(path, f"needs at least one {kind} notification: alert on actual and forecasted spend"))
    if len(notifications) > MAX_NOTIFICATIONS:
        out.append(error(path, f"has {len(notifications)} notifications; Azure allows {MAX_NOTIFICATIONS} per budget"))
    seen = set()
    for i, n in enumerate(notifications):
        key = (n.type, n.operator, n.threshold)
        if key in seen:
            out.append(error(f"{path}[{i}]", f"duplicate {n.type} notification at {n.threshold:g}%"))
        seen.add(key)
    return out


def _start_date_checks(value: str | None, path: str, today: dt.date | None) -> list[Diagnostic]:
    if value is None:
        return []
    try:
        start = dt.date.fromisoformat(value)
    except ValueError:
        return [error(path, f"{excerpt(value)} is not a calendar date")]
    if start.day != 1:
        return [error(path, f"{value} must be the first of a month, e.g. {start.replace(day=1).isoformat()}")]
    today = today or dt.date.today()
    limit = (today.replace(day=1) + dt.timedelta(days=366)).replace(day=1)
    if start > limit:
        return [error(path, f"{value} is more than 12 months ahead; Azure accepts up to {limit.isoformat()}")]
    return []


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def describe(notifications: tuple[Notification, ...]) -> str:
    return ", ".join(f"{n.threshold:g}% {n.type.lower()}" for n in notifications)


def budget_specs(
    lz: LandingZone,
    today: dt.date,
    rg_of_team: dict[str, str],
    landing_zone_rgs: tuple[str, ...],
    accounts: tuple[AccountSpec, ...],
) -> tuple[BudgetSpec, ...]:
    """One budget for the environment and one per team that has one, each filtered to where the spend is billed.

    Azure counts only the costs inside a budget's scope and filter, and an account carries its own bill, in its
    resource group. An existing account's group is its owner's, outside the landing zone's: the environment
    budget takes that group in, and a team billed on an existing account gets a subscription budget filtered
    to its accounts' resource IDs (no resource group holds them all, and the owner's group holds other spend).
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

    out = []
    if lz.budgets.environment is not None:
        # The filter is an "and" of "In" comparisons, with no "or": "the landing zone's groups or that account"
        # cannot be said, so the existing account's whole group counts. More than the landing zone, never less.
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
        out.append(
            spec(
                "environment",
                lz.budgets.environment,
                scope="subscription",
                resource_group=None,
                resource_group_names=landing_zone_rgs + owners,
                why=why,
            )
        )
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
            )
        )
    return tuple(out)


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


def team_costs(
    lz: LandingZone, catalog: Catalog, shared_teams: set[str]
) -> tuple[tuple[TeamCost, ...], list[Diagnostic]]:
    prices, share = catalog.prices, lz.budgets.input_token_share
    out, diags = [], []
    for i, team in enumerate(lz.teams):
        path = lz.team_path(i)
        standard = [m for m in team.models if m.sku not in PROVISIONED_SKUS]
        requested_tpm = sum(m.capacity for m in standard) * TPM_PER_CAPACITY_UNIT
        # Every region's account holds its own copy of the deployment, PTUs included.
        committed = len(lz.regions) * sum(
            prices.ptu_monthly(m.sku, m.capacity) or 0.0 for m in team.models if m.sku in PROVISIONED_SKUS
        )
        blended = _weighted_price(standard, prices, share)
        diags += _spillover_exposure(lz, i, prices, share)
        budget = team.budget.monthly if team.budget else None
        shared = team.name in shared_teams
        monthly_tokens = tpm = None
        source: Literal["explicit", "derived", "none"] = "none"
        if team.token_quota is not None:
            monthly_tokens, tpm, source = (
                team.token_quota.monthly_tokens,
                team.token_quota.tokens_per_minute,
                "explicit",
            )
        elif shared and budget is not None and blended and standard:
            # What is left after committed PTU spend pays for tokens.
            monthly_tokens = int(max(budget - committed, 0) / blended * 1_000_000)
            tpm, source = requested_tpm, "derived"
        elif shared and standard:
            missing = "budget" if budget is None else "list price for one of its models"
            diags.append(
                warning(join_path(path, "tokenQuota"), f"no token quota: the team has no tokenQuota and no {missing}")
            )
        if budget is not None and committed > budget:
            diags.append(
                warning(
                    join_path(path, "budget.monthly"),
                    f"provisioned deployments commit about {committed:,.0f} {prices.currency} a month"
                    f" (pay as you go, {prices.hours_per_month} h), over the budget of {budget:,.0f}",
                )
            )
        if monthly_tokens is not None and requested_tpm:
            used = requested_tpm * 60 * lz.budgets.busy_hours_per_month
            if used > monthly_tokens:
                diags.append(
                    warning(
                        join_path(path, "models"),
                        f"requested capacity of {requested_tpm:,} TPM would use {used:,} tokens in"
                        f" {lz.budgets.busy_hours_per_month} busy hours, but the monthly token quota is"
                        f" {monthly_tokens:,}: lower capacity or raise the budget",
                    )
                )
        out.append(
            TeamCost(
                team=team.name,
                budget=budget,
                notifications=describe(tuple(team.budget.notifications or lz.budgets.notifications))
                if team.budget
                else "",
                shared=shared,
                monthly_tokens=monthly_tokens,
                tokens_per_minute=tpm,
                quota_source=source,
                price_per_million=blended,
                requested_tpm=requested_tpm,
                committed_monthly=committed,
            )
        )
    return tuple(out), diags


def _spillover_exposure(lz: LandingZone, i: int, prices, share: float) -> list[Diagnostic]:
    """What spillover can cost: overflow is billed per token at the standard target's rate ("requests routed
    to the standard deployment are billed at the associated input token, cached token, and output token
    rates", spillover-traffic-management), up to the target's own capacity."""
    team, out = lz.teams[i], []
    names = {naming.deployment(team.name, m): m for m in team.models}
    for j, m in enumerate(team.models):
        target = names.get(m.spillover_deployment_name or "")
        if target is None or target.sku in PROVISIONED_SKUS:
            continue  # the tenancy rules say what is wrong
        price = prices.per_million(target.name, target.sku, share)
        tpm = target.capacity * TPM_PER_CAPACITY_UNIT
        ceiling = (
            f"at most about {tpm * 60 * prices.hours_per_month / 1e6 * price:,.0f} {prices.currency} a month per"
            " region if it ran at that rate all month"
            if price is not None
            else "no list price known for it"
        )
        out.append(
            info(
                join_path(lz.team_path(i), f"models[{j}].spilloverDeploymentName"),
                f"overflow from {m.name} ({m.sku}) is billed pay as you go at {target.name} {target.sku} rates, up"
                f" to its {tpm:,} TPM: {ceiling}",
            )
        )
    return out


def _weighted_price(models, prices, share: float) -> float | None:
    weighted = [(m.capacity, prices.per_million(m.name, m.sku, share)) for m in models]
    if not weighted or any(p is None for _, p in weighted):
        return None
    total = sum(c for c, _ in weighted)
    return sum(c * p for c, p in weighted) / total


def action_group_emails(lz: LandingZone) -> tuple[str, ...]:
    if lz.budgets.action_group_emails:
        return tuple(lz.budgets.action_group_emails)
    contacts = [*(lz.budgets.environment.contacts if lz.budgets.environment else [])]
    contacts += [c for t in lz.teams if t.budget for c in t.budget.contacts]
    return tuple(dict.fromkeys(contacts))
