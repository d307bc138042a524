"""Subscriptions: which subscription each account group's accounts are in. Plain Python, no Pulumi.

Azure caps the accounts of a kind in one region of one subscription (30 Azure OpenAI, 100 Foundry:
``infra.account_limits``), so a landing zone of more account groups lists several subscriptions in
``landingZone.placement.subscriptions``. Each account group (a shard of a governance profile, or a team's own
accounts) is placed whole in one of them, the same in every region: every group has an account in every region,
so the count per region is the same in each, and a team's bill and budget stay in one subscription.

Like shards, placement is stable: ``placement/<stack>.yaml`` records it under ``accounts:``; a recorded group
stays, new groups go first-fit in the listed order, and only ``place --move TEAM`` moves one. Moving an account to
another subscription deletes it and creates it anew: a new ID, its deployments recreated.

The platform (network, gateway, workspace, action group) stays in the stack's own subscription, the default
provider's; an account in it says ``subscription=None``, like every account of a stack that lists none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from infra import account_limits, placement
from infra.config import ROOT, LandingZone
from infra.diagnostics import Diagnostic, convention, error, rule, warning
from infra.tenancy import AccountGroup

SUBSCRIPTIONS_PATH = f"{ROOT}.placement.subscriptions"
HOME_SUBSCRIPTION = rule(
    "placement.home-subscription",
    "error",
    "placement.subscriptions needs the stack's azure-native:subscriptionId.",
    convention(
        "the platform (network, gateway, monitoring) lives in the default provider's subscription: unstated, it is"
        " whatever the Azure CLI has selected, and no placement across subscriptions can be checked against it"
    ),
)
SUBSCRIPTION_ONCE = rule(
    "placement.subscription-once",
    "error",
    "A subscription is listed once in placement.subscriptions.",
    convention("a subscription listed twice would count its accounts twice"),
)
LOCK_ACCOUNT = rule(
    "placement.lock-account",
    "error",
    "The lock file's accounts name account groups of the stack, each in one of placement.subscriptions.",
    convention("moving an account to another subscription recreates it: only `place --move` does"),
)


@dataclass(frozen=True)
class Placed:
    of_group: dict[str, str | None]
    """Account group -> its subscription; None: the stack's own."""
    recorded: dict[str, str]
    """What the lock file's ``accounts:`` holds after ``place`` (empty without ``placement.subscriptions``)."""
    changes: tuple[str, ...]
    """What changed against the lock file, in reviewer terms."""
    pinned: frozenset[str]
    """Groups the lock file placed: an over-full subscription of only these is the lock file's doing."""


def listed(lz: LandingZone, home: str | None) -> tuple[str, ...]:
    """Where accounts may go, in order of preference (lower case: Azure's IDs are case-insensitive)."""
    return tuple(dict.fromkeys(s.lower() for s in lz.placement.subscriptions)) or ((home.lower(),) if home else ())


def room(lz: LandingZone, subs: tuple[str, ...], home: str | None) -> dict[str, int]:
    """Account groups each subscription can take: Azure's per-region limit for the kind, less the existing
    accounts this stack deploys onto (they are in the stack's own subscription)."""
    limit = account_limits.PER_REGION[lz.account.kind].count
    existing = 1 if any(r.existing_account for r in lz.regions) else 0
    return {s: limit - (existing if home and s == home.lower() else 0) for s in subs}


def assign(
    keys: list[str],
    subs: tuple[str, ...],
    locked: dict[str, str],
    space: dict[str, int],
    move: frozenset[str] = frozenset(),
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Keep every recorded group where it is; place new groups first-fit in the listed order; place a moved group
    in another subscription with room. Where none has room, the one with most room left takes it and
    ``account_limits`` refuses the plan with the limit."""
    out = {k: locked[k] for k in keys if locked.get(k) in subs and k not in move}
    load = Counter(out.values())
    changes = []
    for key in sorted(set(keys) - set(out)):
        old = locked.get(key)
        choices = [s for s in subs if s != old] if key in move and len(subs) > 1 else list(subs)
        sub = next((s for s in choices if load[s] < space[s]), None)
        sub = sub or max(choices, key=lambda s: (space[s] - load[s], -subs.index(s)))
        load[sub] += 1
        out[key] = sub
        changes.append(
            f"{key} moved from subscription {old} to {sub} (moved with --move)"
            if key in move and old
            else f"{key} placed in subscription {sub}"
        )
    return out, tuple(changes)


def decide(
    lz: LandingZone, groups: list[AccountGroup], lock_file: placement.LockFile, home: str | None
) -> tuple[Placed, list[Diagnostic]]:
    """Each account group's subscription: the lock file's, new groups placed provisionally (and said so)."""
    keys = [g.key for g in groups]
    if not lz.placement.subscriptions:
        stale = _stale(lock_file, keys, ())
        return Placed(dict.fromkeys(keys), {}, (), frozenset()), stale
    first: dict[str, int] = {}
    diags = [
        error(
            f"{SUBSCRIPTIONS_PATH}[{i}]", f"{sub} is listed already (at [{first[sub.lower()]}])", rule=SUBSCRIPTION_ONCE
        )
        for i, sub in enumerate(lz.placement.subscriptions)
        if first.setdefault(sub.lower(), i) != i
    ]
    if not home:
        diags.append(
            error(
                SUBSCRIPTIONS_PATH,
                "needs the stack's own subscription, where the platform lives: set azure-native:subscriptionId in"
                " the stack config (it may be one of the listed ones)",
                rule=HOME_SUBSCRIPTION,
            )
        )
        return Placed(dict.fromkeys(keys), {}, (), frozenset()), diags
    subs = listed(lz, home)
    diags += _stale(lock_file, keys, subs)
    recorded, changes = assign(keys, subs, lock_file.accounts, room(lz, subs, home))
    if changes and (lock_file.found or len(subs) > 1):
        command = f"python -m infra place --stack {lock_file.stack or '<stack>'}"
        diags.append(
            warning(
                lock_file.label,
                f"placed provisionally, not yet in the lock file: {placement.listed_changes(list(changes))};"
                f" record it with `{command}` and commit the file, or a later change could move these accounts to"
                " another subscription",
                rule=placement.PROVISIONAL,
            )
        )
    of_group = {k: (None if s == home.lower() else s) for k, s in recorded.items()}
    pinned = frozenset(k for k in keys if lock_file.accounts.get(k) in subs)
    return Placed(of_group, recorded, changes, pinned), diags


def place(
    lz: LandingZone, keys: list[str], lock_file: placement.LockFile, home: str | None, move: frozenset[str]
) -> tuple[dict[str, str], tuple[str, ...], list[str]]:
    """What ``python -m infra place`` records under ``accounts:``: (group -> subscription, changes, refusals).
    It refuses rather than record a subscription over Azure's limit, or without the stack's own subscription."""
    if not home:
        return {}, (), [f"error: {SUBSCRIPTIONS_PATH}: {HOME_SUBSCRIPTION.summary}"]
    subs = listed(lz, home)
    space = room(lz, subs, home)
    recorded, changes = assign(keys, subs, lock_file.accounts, space, move)
    left = tuple(
        f"{key} left subscription {sub}: removed"
        for key, sub in sorted(lock_file.accounts.items())
        if key not in recorded
    )
    load = Counter(recorded.values())
    limit = account_limits.PER_REGION[lz.account.kind]
    refusals = [
        f"error: {SUBSCRIPTIONS_PATH}: subscription {sub} would hold {load[sub]} account groups, each an account"
        f" per region; Azure allows {limit.count} {limit.resources} per region per subscription"
        f" ({limit.source.removeprefix('https://')}): add a subscription, or move teams with --move TEAM"
        for sub in subs
        if load[sub] > space[sub]
    ]
    return recorded, left + changes, refusals


def _stale(lock_file: placement.LockFile, keys: list[str], subs: tuple[str, ...]) -> list[Diagnostic]:
    """Lock entries that name an account group the stack does not have, or a subscription it does not list."""
    command = f"python -m infra place --stack {lock_file.stack or '<stack>'}"
    out = []
    for key, sub in sorted(lock_file.accounts.items()):
        path = f"{lock_file.label}: accounts.{key}"
        if key not in keys:
            why = f"{key} is not an account group of this stack (its team left, or its shard emptied): run `{command}`"
        elif not subs:
            why = f"places {key} in a subscription, but {SUBSCRIPTIONS_PATH} is not set: set it, or run `{command}`"
        elif sub not in subs:
            why = (
                f"subscription {sub} is not in {SUBSCRIPTIONS_PATH}: list it again, or move {key}'s teams with"
                f" `{command} --move TEAM` (its accounts are recreated in another subscription)"
            )
        else:
            continue
        out.append(error(path, why, rule=LOCK_ACCOUNT))
    return out
