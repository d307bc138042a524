"""The costs slice: the budgets' rules (where each looks: ``infra.budgets``), per-team token quotas, committed PTU
cost. Plain Python.

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

from infra.catalog import Catalog, Prices
from infra.config import MAX_NOTIFICATIONS, ROOT, Budget, LandingZone, Notification
from infra.diagnostics import Diagnostic, convention, error, excerpt, info, join_path, rule, warning
from infra.specs import AccountSpec, BudgetSpec, TeamCost

TPM_PER_CAPACITY_UNIT = 1000
_BUDGETS_API = "https://learn.microsoft.com/azure/templates/microsoft.consumption/budgets"
BUDGET_IN_PROD = rule(
    "costs.budget-in-prod",
    "error",
    "In prod, the environment and every team have a monthly budget with alerts.",
    convention("prod spend is watched: an account without a budget runs up a bill no one is told of"),
)
NOTIFICATION_KINDS = rule(
    "costs.notification-kinds",
    "error",
    "A budget's notifications alert on both Actual and Forecasted spend.",
    "https://learn.microsoft.com/azure/cost-management-billing/costs/tutorial-acm-create-budgets",
    convention("alert on spend that happened and on spend forecast to happen before the month ends"),
)
NOTIFICATION_COUNT = rule(
    "costs.notification-count",
    "error",
    f"A budget has at most {MAX_NOTIFICATIONS} notifications.",
    _BUDGETS_API,
)
NOTIFICATION_UNIQUE = rule(
    "costs.notification-unique",
    "error",
    "A budget's notifications differ in type, operator or threshold.",
    convention("two notifications at one threshold send the same alert twice"),
)
START_DATE = rule(
    "costs.start-date",
    "error",
    "A budget's startDate is a calendar date, the first of a month, at most twelve months ahead.",
    _BUDGETS_API,
)


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
                why = f"is required in prod: {what} needs a monthly budget with alerts"
                out.append(error(path, why, rule=BUDGET_IN_PROD))
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
            why = f"needs at least one {kind} notification: alert on actual and forecasted spend"
            out.append(error(path, why, rule=NOTIFICATION_KINDS))
    if len(notifications) > MAX_NOTIFICATIONS:
        why = f"has {len(notifications)} notifications; Azure allows {MAX_NOTIFICATIONS} per budget"
        out.append(error(path, why, rule=NOTIFICATION_COUNT))
    seen = set()
    for i, n in enumerate(notifications):
        key = (n.type, n.operator, n.threshold)
        if key in seen:
            why = f"duplicate {n.type} notification at {n.threshold:g}%"
            out.append(error(f"{path}[{i}]", why, rule=NOTIFICATION_UNIQUE))
        seen.add(key)
    return out


def _start_date_checks(value: str | None, path: str, today: dt.date | None) -> list[Diagnostic]:
    if value is None:
        return []
    try:
        start = dt.date.fromisoformat(value)
    except ValueError:
        return [error(path, f"{excerpt(value)} is not a calendar date", rule=START_DATE)]
    if start.day != 1:
        why = f"{value} must be the first of a month, e.g. {start.replace(day=1).isoformat()}"
        return [error(path, why, rule=START_DATE)]
    today = today or dt.date.today()
    limit = (today.replace(day=1) + dt.timedelta(days=366)).replace(day=1)
    if start > limit:
        why = f"{value} is more than 12 months ahead; Azure accepts up to {limit.isoformat()}"
        return [error(path, why, rule=START_DATE)]
    return []


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def describe(notifications: tuple[Notification, ...]) -> str:
    return ", ".join(f"{n.threshold:g}% {n.type.lower()}" for n in notifications)


NO_TOKEN_QUOTA = rule(
    "costs.token-quota",
    "warning",
    "A team on a shared account has a token quota: a tokenQuota, or a budget and list prices to derive one from.",
    convention("a shared account bills the account, not the team: the gateway's per-team token quota is the limit"),
)
COMMITTED_OVER_BUDGET = rule(
    "costs.committed-over-budget",
    "warning",
    "A team's provisioned deployments commit no more a month (pay as you go) than its budget.",
    convention("PTUs are billed by the hour whether used or not: a budget they exceed alone alerts every month"),
)
CAPACITY_OVER_QUOTA = rule(
    "costs.capacity-over-quota",
    "warning",
    "A team's requested TPM, run for busyHoursPerMonth, fits its monthly token quota.",
    convention("capacity the quota cannot pay for is refused by the gateway (403) before the month ends"),
)


def team_costs(
    lz: LandingZone, catalog: Catalog, shared_teams: set[str], accounts: tuple[AccountSpec, ...]
) -> tuple[tuple[TeamCost, ...], list[Diagnostic]]:
    """Per team, from what is deployed where: committed PTU cost, token quota and TPM limit."""
    prices, share = catalog.prices, lz.budgets.input_token_share
    out, diags = [], []
    for i, team in enumerate(lz.teams):
        path = lz.team_path(i)
        mine = [d for a in accounts for d in a.deployments if d.team == team.name]
        standard = [d for d in mine if not d.provisioned]
        # The gateway's limit: the most one region serves the team at once (failover moves it, never doubles it).
        per_region: dict[str, int] = {}
        for d in standard:
            per_region[d.region] = per_region.get(d.region, 0) + d.capacity
        requested_tpm = max(per_region.values(), default=0) * TPM_PER_CAPACITY_UNIT
        # Every account holds its own deployment, at its own region's PTU count.
        committed = sum(prices.ptu_monthly(d.sku, d.capacity) or 0.0 for d in mine if d.provisioned)
        blended = _weighted_price(standard, prices, share)
        diags += _spillover_exposure(accounts, team.name, prices, share)
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
            why = f"no token quota: the team has no tokenQuota and no {missing}"
            diags.append(warning(join_path(path, "tokenQuota"), why, rule=NO_TOKEN_QUOTA))
        if budget is not None and committed > budget:
            diags.append(
                warning(
                    join_path(path, "budget.monthly"),
                    f"provisioned deployments commit about {committed:,.0f} {prices.currency} a month"
                    f" (pay as you go, {prices.hours_per_month} h), over the budget of {budget:,.0f}",
                    rule=COMMITTED_OVER_BUDGET,
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
                        rule=CAPACITY_OVER_QUOTA,
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


SPILLOVER_BILLING = rule(
    "costs.spillover-billing",
    "info",
    "What spillover can cost: overflow is billed per token at the standard target's rates, up to its capacity.",
    "https://learn.microsoft.com/azure/ai-services/openai/how-to/spillover-traffic-management",
)


def _spillover_exposure(accounts: tuple[AccountSpec, ...], team: str, prices, share: float) -> list[Diagnostic]:
    """What spillover can cost: overflow is billed per token at the standard target's rate ("requests routed
    to the standard deployment are billed at the associated input token, cached token, and output token
    rates", spillover-traffic-management), up to the target's own capacity in that region."""
    out = []
    for a in accounts:
        by_name = {d.name: d for d in a.deployments}
        for d in a.deployments:
            target = by_name.get(d.spillover or "")
            if d.team != team or target is None or target.provisioned:
                continue  # the deployment rules say what is wrong
            price = prices.per_million(target.model_name, target.sku, share)
            tpm = target.capacity * TPM_PER_CAPACITY_UNIT
            ceiling = (
                f"at most about {tpm * 60 * prices.hours_per_month / 1e6 * price:,.0f} {prices.currency} a month per"
                " region if it ran at that rate all month"
                if price is not None
                else "no list price known for it"
            )
            out.append(
                info(
                    f"{d.path}.spilloverDeploymentName",
                    f"overflow from {d.model_name} ({d.sku}) is billed pay as you go at {target.model_name}"
                    f" {target.sku} rates, up to its {tpm:,} TPM: {ceiling}",
                    rule=SPILLOVER_BILLING,
                )
            )
    return list(dict.fromkeys(out))


def _weighted_price(deployments, prices, share: float) -> float | None:
    weighted = [(d.capacity, prices.per_million(d.model_name, d.sku, share)) for d in deployments]
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


def contract(costs: tuple[TeamCost, ...], budgets: tuple[BudgetSpec, ...], prices: Prices) -> dict:
    """The plan contract's ``costs``: the one source the text view, the PR comment and outside tools read.

    Prices are the catalog's list prices (currency, date and sources); budgets are in the billing currency."""
    env = next((b for b in budgets if b.key == "environment"), None)
    covers = {b.team: b.why for b in budgets if b.team}
    return {
        "currency": prices.currency,
        "priceDate": prices.snapshot_date.isoformat(),
        "priceSources": [s.url for s in prices.sources],
        "environment": None if env is None else {"budget": env.amount, "covers": env.why, "startDate": env.start_date},
        "teams": {
            c.team: {
                "budget": c.budget,
                "budgetCovers": covers.get(c.team),
                "notifications": c.notifications,
                "committedPtuPerMonth": round(c.committed_monthly, 2),
                "tokenQuota": c.monthly_tokens,
                "tpmLimit": c.tokens_per_minute,
                "quotaSource": c.quota_source,
                "sharedAccount": c.shared,
            }
            for c in costs
        },
    }
