"""How many accounts of a kind Azure allows in one region of one subscription, and the check on the decided
accounts. Plain Python, run by ``infra.tenancy.accounts``.

Accounts are placed in the stack's own subscription (``azure-native:subscriptionId``) or over
``placement.subscriptions`` (``infra.subscriptions``); an ``existingAccount`` is assumed to be in the stack's own.
Azure counts every account of the kind in that subscription and
region, this stack's or not: the plan can count only its own, so it refuses what is already too many and says
that others count too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from infra.config import ROOT, LandingZone
from infra.diagnostics import Diagnostic, error, rule
from infra.specs import AccountSpec


@dataclass(frozen=True)
class RegionLimit:
    count: int
    resources: str
    """What Azure's page calls them."""
    source: str


PER_REGION = {
    "OpenAI": RegionLimit(
        30, "Azure OpenAI resources", "https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits"
    ),
    "AIServices": RegionLimit(
        100, "Foundry (AIServices) resources", "https://learn.microsoft.com/azure/foundry/foundry-models/quotas-limits"
    ),
}
"""Accounts per region per subscription, by ``account.kind``: the quotas-and-limits pages of Azure OpenAI
("Azure OpenAI resources per region, per Azure subscription": 30) and Foundry Models ("Foundry resources per
region per Azure subscription": 100)."""

ACCOUNTS_PER_REGION = rule(
    "tenancy.accounts-per-region",
    "error",
    "The accounts of a kind in each region of the subscription, existing ones included, are at most what Azure"
    " allows: 30 OpenAI, 100 AIServices.",
    *(limit.source for limit in PER_REGION.values()),
)


def checks(
    lz: LandingZone,
    accounts: Iterable[AccountSpec],
    home: str | None = None,
    pinned: frozenset[str] = frozenset(),
    lock_label: str | None = None,
) -> list[Diagnostic]:
    """An error for each (subscription, region) where the stack would hold more accounts of a kind than Azure
    allows. One pass over the accounts: (subscription, region, kind) -> [to create, existing, recorded in the lock
    file]."""
    counts: dict[tuple[str | None, str, str], list[int]] = {}
    for account in accounts:
        count = counts.setdefault((account.subscription, account.region, account.kind), [0, 0, 0])
        count[account.existing] += 1
        count[2] += account.group in pinned
    out = []
    index = {r.name: i for i, r in enumerate(lz.regions)}
    for (sub, region, kind), (new, existing, recorded) in sorted(
        counts.items(), key=lambda kv: (kv[0][0] or "", index[kv[0][1]], kv[0][2])
    ):
        limit = PER_REGION[kind]
        if new + existing <= limit.count:
            continue
        i = index[region]
        where = f"subscription {sub or home}" if sub or home else "the stack's subscription"
        path = f"{ROOT}.regions[{i}]"
        if lz.placement.subscriptions:
            path = (
                f"{lock_label}: accounts"
                if lock_label and recorded > limit.count
                else f"{ROOT}.placement.subscriptions"
            )
        out.append(_refusal(lz, path, region, kind, new, existing, where))
    return out


def _refusal(lz: LandingZone, path: str, region: str, kind: str, new: int, existing: int, where: str) -> Diagnostic:
    limit = PER_REGION[kind]
    if path.endswith(": accounts"):
        ways = ["`python -m infra place --move TEAM` for teams of accounts placed there (the lock file places them)"]
    elif lz.tenancy == "distributed":
        ways = ["tenancy: shared (teams of one governance profile share an account)", "fewer teams"]
    else:
        ways = ["fewer teams with isolation: dedicated or fewer governance profiles"]
    ways += [
        f"account.kind: {k} ({other.count} per region per subscription)"
        for k, other in PER_REGION.items()
        if other.count > limit.count
    ]
    ways.append(f"another subscription in {ROOT}.placement.subscriptions")
    ways_out = f"{', '.join(ways[:-1])}, or {ways[-1]}"
    return error(
        path,
        f"this stack alone would place {new + existing} {kind} accounts in {region} in {where}"
        f" ({new} to create, {existing} existing); Azure allows {limit.count} {limit.resources} per region per"
        f" subscription ({limit.source.removeprefix('https://')}), and accounts outside this stack count too:"
        f" use {ways_out}",
        rule=ACCOUNTS_PER_REGION,
    )
