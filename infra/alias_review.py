"""Alias changes in a reviewer's terms: an alias added or removed, a version added to or removed from it, its
traffic moved, e.g. "contoso-chat `chat`: gpt-4.1-mini 2025-04-14 90% → 50%, gpt-5-mini 2025-08-07 10% → 50%".

Read from the plan contracts alone (the base may come from older code, without ``aliases``): each team's
``outputs.teams.<team>.aliases``, alias -> ``[{deployment, model, version, weight}]`` (infra/declare/outputs.py).
A reviewer thinks in model versions and shares of traffic, not deployment names: a target is named by its model
and version, and by its deployment only where two targets would read the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from infra import md


@dataclass(frozen=True)
class Target:
    deployment: str
    model: str
    version: str
    weight: int


def namer(
    targets: Iterable[Target], versions: bool = True, deployment: Callable[[str], str] = str
) -> Callable[[Target], str]:
    """How a reader tells each of ``targets`` apart: its model (``versions``: and version), then its version, then
    its deployment (formatted by ``deployment``), each only where the shorter reads the same as another target's.
    A target is anything with a deployment, model and version (``Target``, ``infra.specs.AliasTargetSpec``)."""
    keys = list(dict.fromkeys((t.deployment, t.model, t.version) for t in targets))
    forms = [lambda d, m, v: m, lambda d, m, v: f"{m} {v}", lambda d, m, v: f"{m} {v} ({deployment(d)})"]
    out = {}
    for key in keys:
        for form in forms[1 if versions else 0 :]:
            name = form(*key)
            if sum(form(*other) == name for other in keys) == 1:
                break
        out[key] = name
    return lambda t: out[t.deployment, t.model, t.version]


def split(targets: Iterable[Target]) -> str:
    """Where an alias sends its calls, shortest: ``gpt-4.1-mini 90% / gpt-5-mini 10%`` (the diagram's line)."""
    targets = list(targets)
    label = namer(targets, versions=False)
    return " / ".join(f"{label(t)} {t.weight}%" for t in targets)


def aliases(plan: dict) -> dict[tuple[str, str], tuple[Target, ...]]:
    """(team, alias) -> its targets in the order the team lists them."""
    teams = (plan.get("outputs") or {}).get("teams") or {}
    out = {}
    for team, o in teams.items():
        declared = o.get("aliases") if isinstance(o, dict) else None
        for alias, targets in (declared or {}).items():
            out[(team, alias)] = tuple(
                Target(t["deployment"], t.get("model", "?"), t.get("version", "?"), t.get("weight", 0))
                for t in targets
                if isinstance(t, dict) and "deployment" in t
            )
    return out


def changes(base: dict, head: dict) -> list[str]:
    """One bullet's text per alias that changed: added, removed, or its targets and weights."""
    if not (base.get("outputs") or {}).get("teams"):
        return []  # a new stack: every alias is new, nothing is a change to review
    old, new = aliases(base), aliases(head)
    lines = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, ()), new.get(key, ())
        label = namer([*a, *b], deployment=md.code)
        who = f"{md.text(key[0])} {md.code(key[1])}"
        if not a:
            lines.append(f"{who} added: " + ", ".join(f"{label(t)} {t.weight}%" for t in b))
        elif not b:
            was = ", ".join(f"{label(t)} {t.weight}%" for t in a)
            lines.append(f"{who} removed (was {was}): the gateway no longer resolves it")
        elif parts := _steps(a, b, label):
            lines.append(f"{who}: " + ", ".join(parts))
    return lines


def _steps(a: tuple[Target, ...], b: tuple[Target, ...], label: Callable[[Target], str]) -> list[str]:
    """Per target, in the head's order and then the removed ones: what changed (nothing for an unchanged one)."""
    before = {t.deployment: t for t in a}
    after = {t.deployment for t in b}
    out = []
    for t in b:
        o = before.get(t.deployment)
        weight = f"{o.weight}% → {t.weight}%" if o and o.weight != t.weight else f"{t.weight}%"
        if o is None:
            out.append(f"{label(t)} added at {t.weight}%")
        elif (o.model, o.version) != (t.model, t.version):  # the deployment itself changed version under the alias
            out.append(f"{label(o)} → {label(t)} in place ({md.code(t.deployment)}) at {weight}")
        elif o.weight != t.weight:
            out.append(f"{label(t)} {weight}")
    out += [f"{label(o)} removed (was at {o.weight}%)" for o in a if o.deployment not in after]
    return out
