"""How many accounts of a kind Azure allows in one region of one subscription, and the check on the decided
accounts. Plain Python, run by ``infra.tenancy.accounts``.

Every account of the stack is placed in the stack's own subscription (``azure-native:subscriptionId``); an
``existingAccount`` is assumed to be there too. Azure counts every account of the kind in that subscription and
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


def checks(lz: LandingZone, accounts: Iterable[AccountSpec], subscription_id: str | None = None) -> list[Diagnostic]:
    """An error for each region where the stack would hold more accounts of a kind than Azure allows. One pass
    over the accounts: (region, kind) -> [to create, existing]."""
    counts: dict[tuple[str, str], list[int]] = {}
    for account in accounts:
        counts.setdefault((account.region, account.kind), [0, 0])[account.existing] += 1
    out = []
    for i, region in enumerate(lz.regions):
        for kind, limit in PER_REGION.items():
            new, existing = counts.get((region.name, kind), (0, 0))
            if new + existing > limit.count:
                out.append(_refusal(lz, i, kind, new, existing, subscription_id))
    return out


def _refusal(lz: LandingZone, i: int, kind: str, new: int, existing: int, subscription_id: str | None) -> Diagnostic:
    limit = PER_REGION[kind]
    where = f"subscription {subscription_id}" if subscription_id else "the stack's subscription"
    if lz.tenancy == "distributed":
        ways = ["tenancy: shared (teams of one governance profile share an account)", "fewer teams"]
    else:
        ways = ["fewer teams with isolation: dedicated or fewer governance profiles"]
    ways += [
        f"account.kind: {k} ({other.count} per region per subscription)"
        for k, other in PER_REGION.items()
        if other.count > limit.count
    ]
    ways_out = ways[0] if len(ways) == 1 else f"{', '.join(ways[:-1])}, or {ways[-1]}"
    return error(
        f"{ROOT}.regions[{i}]",
        f"this stack alone would place {new + existing} {kind} accounts in {lz.regions[i].name} in {where}"
        f" ({new} to create, {existing} existing); Azure allows {limit.count} {limit.resources} per region per"
        f" subscription ({limit.source.removeprefix('https://')}), and accounts outside this stack count too:"
        f" use {ways_out}; placing accounts in more subscriptions is not supported yet",
        rule=ACCOUNTS_PER_REGION,
    )
