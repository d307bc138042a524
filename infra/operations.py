"""The operations slice: quota sums and their rules, model lifecycle, guardrails, monitoring. Plain Python.

Quota is per subscription, per region, per model and deployment type, so the capacities of every account and
team in one subscription add up against one number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from infra import naming
from infra.azure_limits import duplicates
from infra.catalog import DEPRECATED, RETIREMENT_WARNING_DAYS, Catalog
from infra.config import ROOT, LandingZone
from infra.costs import action_group_emails
from infra.diagnostics import Diagnostic, convention, error, rule
from infra.regions import not_in_stack
from infra.specs import AccountSpec, AlertsSpec, BudgetSpec, GatewaySpec, GuardrailsSpec, MonitoringSpec, QuotaUse

QUOTA_REGION = rule(
    "operations.quota-region",
    "error",
    "Each stated quota names one of the stack's regions.",
    convention("a quota for a region the stack does not deploy to checks nothing"),
)
QUOTA_ONCE = rule(
    "operations.quota-once",
    "error",
    "A quota is stated once per subscription, region, model and deployment type.",
    convention("Azure counts one quota for each: a second would say two things about one number"),
)
QUOTA = rule(
    "operations.quota",
    "error",
    "The stack's capacity per subscription, region, model and deployment type, every account and team added up,"
    " fits the stated quota: Azure counts it per subscription.",
    "https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits",
)
QUOTA_SUBSCRIPTION = rule(
    "operations.quota-subscription",
    "error",
    "A quota's subscription is one of placement.subscriptions.",
    convention("a quota of a subscription that holds no account of the stack checks nothing"),
)
ALERT_RECIPIENTS = rule(
    "operations.alert-recipients",
    "error",
    "Where budgets or metric alerts exist, the action group they call has someone to tell.",
    convention("an alert that tells nobody is no alert"),
)


def checks(lz: LandingZone) -> list[Diagnostic]:
    """Stated quotas name a region of the stack (and one of its subscriptions), once per subscription, region,
    model and deployment type."""
    names = {r.name for r in lz.regions}
    out = [
        error(f"{ROOT}.quotas[{i}].region", not_in_stack(q.region, names), rule=QUOTA_REGION)
        for i, q in enumerate(lz.quotas)
        if q.region not in names
    ]
    listed = {s.lower() for s in lz.placement.subscriptions}
    out += [
        error(
            f"{ROOT}.quotas[{i}].subscription",
            f"{q.subscription} is not in {ROOT}.placement.subscriptions, where accounts go: list it there, or leave"
            " subscription out (the quota then holds for each listed subscription)",
            rule=QUOTA_SUBSCRIPTION,
        )
        for i, q in enumerate(lz.quotas)
        if q.subscription and q.subscription.lower() not in listed
    ]
    keys = [" ".join((str(q.subscription).lower(), q.region, q.model, q.sku)) for q in lz.quotas]
    return out + duplicates(keys, [f"{ROOT}.quotas[{i}]" for i in range(len(keys))], "region", QUOTA_ONCE)


def quota_use(
    lz: LandingZone, accounts: list[AccountSpec], home: str | None = None
) -> tuple[tuple[QuotaUse, ...], list[Diagnostic]]:
    """The capacity per (subscription, region, model, deployment type), against the stated quota: a quota with
    a subscription holds for it, one without for each subscription (None: the stack's own)."""
    sums: dict[tuple[str | None, str, str, str], list[tuple[str, int]]] = {}
    for a in accounts:
        for d in a.deployments:
            key = (a.subscription, a.region, d.model_name, d.sku)
            sums.setdefault(key, []).append((f"{a.name}/{d.name}", d.capacity))
    mine = (home or "").lower()
    stated, general = {}, {}
    for i, q in enumerate(lz.quotas):
        sub = (q.subscription or "").lower()
        target = stated if sub else general
        target[(None if sub == mine else sub or None, q.region, q.model, q.sku)] = (i, q.capacity)
    uses, diags = [], []
    several = len({sub for sub, *_ in sums}) > 1
    for key, parts in sorted(sums.items(), key=lambda kv: (kv[0][0] or "", *kv[0][1:])):
        total = sum(c for _, c in parts)
        index, quota = stated.get(key) or general.get((None, *key[1:]), (None, None))
        sub, region, model, sku = key
        use = QuotaUse(region, model, sku, total, quota, tuple(f"{name}: {c}" for name, c in parts), sub)
        uses.append(use)
        if quota is not None and total > quota:
            whose = f"subscription {sub or home}'s" if several or sub else "the subscription's"
            diags.append(
                error(
                    f"{ROOT}.quotas[{index}]",
                    f"{use.model} {use.sku} in {use.region} needs {total} capacity units but {whose} quota"
                    f" is {quota}; from {', '.join(use.contributors)}. Lower capacity or request more quota",
                    rule=QUOTA,
                )
            )
    return tuple(uses), diags


@dataclass(frozen=True)
class LifecycleRow:
    account: str
    deployment: str
    model: str
    version: str
    upgrade: str
    lifecycle: str
    retirement: dt.date | None
    days_left: int | None

    @property
    def status(self) -> str:
        if self.days_left is None:
            return "ok"
        if self.days_left <= 0:
            return "retired"
        return "retiring" if self.days_left <= RETIREMENT_WARNING_DAYS else "ok"


def lifecycle(accounts: list[AccountSpec], catalog: Catalog, today: dt.date) -> list[LifecycleRow]:
    """Every deployment, soonest retirement first; those with none announced last."""
    rows = []
    for a in accounts:
        for d in a.deployments:
            info = catalog.models.get(d.model_name)
            version = info.versions.get(d.model_version) if info else None
            retirement = version.retirement if version else None
            rows.append(
                LifecycleRow(
                    account=a.name,
                    deployment=d.name,
                    model=d.model_name,
                    version=d.model_version,
                    upgrade=d.version_upgrade_option,
                    lifecycle=version.lifecycle if version else "unknown",
                    retirement=retirement,
                    days_left=(retirement - today).days if retirement else None,
                )
            )
    return sorted(rows, key=lambda r: (r.retirement or dt.date.max, r.account, r.deployment))


def approved_models(
    catalog: Catalog, today: dt.date, already_deployed: frozenset[tuple[str, str]] = frozenset()
) -> dict[str, tuple[str, ...]]:
    """Model name -> versions a deployment may use today: what the allowed-models policy permits.

    Deprecated versions are closed to new customers, so they are approved only where the stack declares
    them ``alreadyDeployed``."""
    out = {}
    for name, model in sorted(catalog.models.items()):
        versions = tuple(
            sorted(
                v
                for v, info in model.versions.items()
                if info.lifecycle != "Retired"
                and (info.retirement is None or info.retirement > today)
                and (info.lifecycle != DEPRECATED or (name, v) in already_deployed)
            )
        )
        if versions:
            out[name] = versions
    return out


def guardrails_spec(lz: LandingZone, catalog: Catalog, today: dt.date, accounts: list[AccountSpec]) -> GuardrailsSpec:
    prod = lz.environment == "prod"
    effect = lz.guardrails.policy_effect or ("Deny" if prod else "Audit")
    protect = prod if lz.guardrails.protect is None else lz.guardrails.protect
    # Deprecated versions stay approved only where a deployment of this stack runs them.
    declared = frozenset((d.model_name, d.model_version) for a in accounts for d in a.deployments if d.already_deployed)
    return GuardrailsSpec(
        effect,
        protect,
        approved_models(catalog, today, declared),
        approved_definition=naming.approved_models_definition(lz),
        no_delete_definition=naming.no_account_delete_definition(lz) if protect else None,
    )


def alerts_spec(lz: LandingZone, emails: tuple[str, ...]) -> AlertsSpec:
    return AlertsSpec(naming.action_group(lz), naming.action_group_short_name(lz), emails)


def monitoring_spec(lz: LandingZone, accounts: list[AccountSpec], gateway: GatewaySpec | None) -> MonitoringSpec | None:
    """Whether there is anything to monitor (an account of ours, or a gateway), and with what."""
    mon = lz.monitoring
    if not mon.enabled or not (any(not a.existing for a in accounts) or gateway is not None):
        return None
    return MonitoringSpec(
        workspace_name=naming.workspace(lz),
        existing_workspace_id=mon.workspace_id,
        retention_days=mon.retention_days,
        app_insights_name=naming.app_insights(lz) if gateway is not None else None,
        thresholds=mon.alerts.model_dump(),
    )


def alerts(
    lz: LandingZone, budgets: tuple[BudgetSpec, ...], monitoring: MonitoringSpec | None
) -> tuple[AlertsSpec | None, list[Diagnostic]]:
    """The action group every budget and metric alert calls, where anything alerts; it needs recipients."""
    if not budgets and monitoring is None:
        return None, []
    emails = action_group_emails(lz)
    if not emails:
        return None, [
            error(
                f"{ROOT}.budgets.actionGroupEmails",
                "budget and metric alerts need someone to tell: set actionGroupEmails, or contacts on the budgets",
                rule=ALERT_RECIPIENTS,
            )
        ]
    return alerts_spec(lz, emails), []
