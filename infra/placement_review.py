"""Placement changes in a reviewer's terms: a team placed, a shard opened, a team moved.

Read from the plan contracts alone (the base may come from older code): each team's ``outputs.teams.<team>.
accountNames`` and ``accountIds`` (whose subscription a move to another subscription changes) per region.
Moving a team recreates its deployments on the new account under a new endpoint, so a move is also named in the
comment's stateful callout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra import md

_SHARD = re.compile(r"-0\d-[a-z0-9]+$")
"""Shard n >= 2 of a governance profile: ``...-shared-<filter>-<classification>-0n-<region>`` (infra/placement.py)."""


@dataclass(frozen=True)
class Account:
    name: str
    subscription: str
    """From its ID; empty where the plan shows none (an unknown ID in a first preview)."""


@dataclass(frozen=True)
class Move:
    team: str
    steps: tuple[tuple[str, Account, Account], ...]
    """(region, from account, to account)."""


def _accounts(plan: dict) -> dict[str, dict[str, Account]]:
    """Team -> region -> its account (name and subscription), for teams whose accounts may move: shared teams
    between shards, every team between subscriptions."""
    teams = (plan.get("outputs") or {}).get("teams") or {}
    out = {}
    for t, o in teams.items():
        if not isinstance(o, dict):
            continue
        ids = o.get("accountIds") or {}
        out[t] = {
            region: Account(name, _subscription(ids.get(region)))
            for region, name in (o.get("accountNames") or {}).items()
        }
    return out


def _subscription(account_id) -> str:
    parts = account_id.split("/") if isinstance(account_id, str) else []
    return parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else ""


def moves(base: dict, head: dict) -> list[Move]:
    """Teams of both plans whose account changed in a region they are in on both sides: another account, or the
    same name in another subscription."""
    old, new = _accounts(base), _accounts(head)
    out = []
    for team in sorted(set(old) & set(new)):
        steps = tuple(
            (region, old[team][region], new[team][region])
            for region in sorted(set(old[team]) & set(new[team]))
            if _moved(old[team][region], new[team][region])
        )
        if steps:
            out.append(Move(team, steps))
    return out


def _moved(a: Account, b: Account) -> bool:
    return a.name != b.name or bool(a.subscription and b.subscription and a.subscription != b.subscription)


def _label(a: Account, other: Account) -> str:
    """The account's name, and its subscription where that is what changed."""
    there = a.name == other.name and a.subscription != other.subscription
    return md.code(a.name) + (f" in subscription {md.code(a.subscription)}" if there else "")


def changes(base: dict, head: dict) -> list[str]:
    """One bullet's text per placement change: shards opened, teams placed, teams moved."""
    if not (base.get("outputs") or {}).get("teams"):
        return []  # a new stack: every team is placed, nothing is a change to review
    old, new = _accounts(base), _accounts(head)
    before = {a.name for regions in old.values() for a in regions.values()}
    after = {a.name for regions in new.values() for a in regions.values()}
    opened = sorted(n for n in after - before if _SHARD.search(n))

    def where(a: Account, other: Account | None = None) -> str:
        return (_label(a, other) if other else md.code(a.name)) + (" (a new shard)" if a.name in opened else "")

    lines = [f"shard opened: account {md.code(n)}" for n in opened]
    for team in sorted(set(new) - set(old)):
        accounts = ", ".join(where(new[team][r]) for r in sorted(new[team]))
        lines.append(f"{md.code(team)} placed on {accounts}")
    for m in moves(base, head):
        steps = ", ".join(f"{_label(a, b)} → {where(b, a)}" for _, a, b in m.steps)
        lines.append(
            f"{md.code(m.team)} moved: {steps}: its deployments are recreated on the new account, under a new endpoint"
        )
    return lines


def callout(base: dict, head: dict) -> list[str]:
    """The stateful callout's lines for moved teams: a move deletes deployments and creates them elsewhere."""
    return [
        f"> - **moved** team {md.code(m.team)}: "
        + ", ".join(f"from {_label(a, b)} to {_label(b, a)}" for _, a, b in m.steps)
        + ": its deployments are recreated there (new endpoint)"
        for m in moves(base, head)
    ]
