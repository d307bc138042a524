"""Placement changes in a reviewer's terms: a team placed, a shard opened, a team moved.

Read from the plan contracts alone (the base may come from older code): each team's ``outputs.teams.<team>.
accountNames`` per region. Moving a team recreates its deployments on the new account under a new endpoint,
so a move is also named in the comment's stateful callout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra import md

_SHARD = re.compile(r"-0\d-[a-z0-9]+$")
"""Shard n >= 2 of a governance profile: ``...-shared-<filter>-<classification>-0n-<region>`` (infra/placement.py)."""


@dataclass(frozen=True)
class Move:
    team: str
    steps: tuple[tuple[str, str, str], ...]
    """(region, from account, to account)."""


def _names(plan: dict) -> dict[str, dict[str, str]]:
    """Team -> region -> account name, for shared teams."""
    teams = (plan.get("outputs") or {}).get("teams") or {}
    return {
        t: dict(o.get("accountNames") or {})
        for t, o in teams.items()
        if isinstance(o, dict) and o.get("tenancy", "shared") == "shared"
    }


def moves(base: dict, head: dict) -> list[Move]:
    """Teams of both plans whose account changed in a region they are in on both sides."""
    old, new = _names(base), _names(head)
    out = []
    for team in sorted(set(old) & set(new)):
        steps = tuple(
            (region, old[team][region], new[team][region])
            for region in sorted(set(old[team]) & set(new[team]))
            if old[team][region] != new[team][region]
        )
        if steps:
            out.append(Move(team, steps))
    return out


def changes(base: dict, head: dict) -> list[str]:
    """One bullet's text per placement change: shards opened, teams placed, teams moved."""
    if not (base.get("outputs") or {}).get("teams"):
        return []  # a new stack: every team is placed, nothing is a change to review
    old, new = _names(base), _names(head)
    before = {name for regions in old.values() for name in regions.values()}
    after = {name for regions in new.values() for name in regions.values()}
    opened = sorted(n for n in after - before if _SHARD.search(n))

    def where(name: str) -> str:
        return md.code(name) + (" (a new shard)" if name in opened else "")

    lines = [f"shard opened: account {md.code(n)}" for n in opened]
    for team in sorted(set(new) - set(old)):
        accounts = ", ".join(where(new[team][r]) for r in sorted(new[team]))
        lines.append(f"{md.code(team)} placed on {accounts}")
    for m in moves(base, head):
        steps = ", ".join(f"{md.code(a)} → {where(b)}" for _, a, b in m.steps)
        lines.append(
            f"{md.code(m.team)} moved: {steps}: its deployments are recreated on the new account, under a new endpoint"
        )
    return lines


def callout(base: dict, head: dict) -> list[str]:
    """The stateful callout's lines for moved teams: a move deletes deployments and creates them elsewhere."""
    return [
        f"> - **moved** team {md.code(m.team)}: "
        + ", ".join(f"from {md.code(a)} to {md.code(b)}" for _, a, b in m.steps)
        + ": its deployments are recreated there (new endpoint)"
        for m in moves(base, head)
    ]
