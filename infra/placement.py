"""Placement: which shard (account, the same in every region) of its governance profile each team of shared
tenancy is on, and the lock file that keeps it there. Plain Python, no Pulumi.

Azure caps the deployments of one account at 32, so a governance profile spreads over as many accounts
(shards) as its teams' deployments need, each holding at most ``landingZone.placement.maxDeploymentsPerAccount``.
A team is the unit placed: all its deployments are on one shard. Moving a deployment to another account
recreates it and changes its endpoint, so a placed team never moves as a side effect of another team's change:
``placement/<stack>.yaml`` records the placement (reviewed like a package lock) and ``python -m infra place``
changes it only by placing new teams, dropping teams that left, and moving a team asked for (``--move``).

Shard 1 is the account of the profile as it always was (same key and name); shard n >= 2 appends ``-0n``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra import deployments, tenancy
from infra.config import ROOT, LandingZone
from infra.config.errors import to_diagnostics
from infra.config.types import SubscriptionId, team_files_dir
from infra.diagnostics import (
    OUTSIDE_PROJECT,
    Diagnostic,
    convention,
    error,
    join_path,
    outside_of,
    read_config_file,
    rule,
    warning,
)

LOCK_DIR = "placement"
_LIMITS = (
    "https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits",
    "https://learn.microsoft.com/azure/foundry/foundry-models/quotas-limits",
)
TEAM_FITS = rule(
    "placement.team-fits",
    "error",
    "A team's deployments in a region fit on one account: at most placement.maxDeploymentsPerAccount.",
    *_LIMITS,
)
SHARD_FITS = rule(
    "placement.shard-fits",
    "error",
    "Each shard of the lock file holds at most placement.maxDeploymentsPerAccount deployments per region.",
    *_LIMITS,
)
LOCK_TEAM = rule(
    "placement.lock-team",
    "error",
    "The lock file names only teams of the stack, under their own governance profile.",
    convention("a lock entry that places nothing is stale: `place` rewrites it"),
)
PROVISIONAL = rule(
    "placement.provisional",
    "warning",
    "A shared team or an account group the lock file does not hold is placed provisionally, and said so (without a"
    " lock file: once a profile needs a second account, or accounts have more than one subscription to go to).",
    convention("an unrecorded placement could move a team's deployments when another team changes"),
)


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    shard: int = Field(ge=1)
    deployments: int = Field(ge=0)
    """The team's deployments per region when placed: a team that grew past its shard's room is placed anew."""


class AccountEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    subscription: SubscriptionId


class _LockFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    profiles: dict[str, dict[str, Entry]] = Field(default_factory=dict)
    """Account group of the governance profile (``shared-<contentFilter>-<dataClassification>``) -> team -> entry."""
    accounts: dict[str, AccountEntry] = Field(default_factory=dict)
    """Account group (a shard, or ``team-<team>``) -> the subscription its accounts are in, in every region; only
    with ``placement.subscriptions`` (``infra.subscriptions``)."""


Lock = dict[str, dict[str, Entry]]


@dataclass(frozen=True)
class LockFile:
    stack: str | None
    entries: Lock
    found: bool
    accounts: dict[str, str] = dataclasses.field(default_factory=dict)
    """Account group -> subscription."""

    @property
    def label(self) -> str:
        return lock_label(self.stack or "<stack>")


NO_LOCK = LockFile(None, {}, False)


def lock_label(stack: str) -> str:
    return f"{LOCK_DIR}/{stack}.yaml"


def read(stack: str) -> tuple[LockFile, list[Diagnostic]]:
    """``placement/<stack>.yaml`` under the project root (or ``AI_LANDING_ZONE_TEAM_FILES_DIR``), like team files;
    none yet is no error: every team is then placed provisionally."""
    root, label = team_files_dir(), lock_label(stack)
    path = root / label
    if not path.exists() and not path.is_symlink():
        return LockFile(stack, {}, False), []
    if outside := outside_of(root, path):
        return LockFile(stack, {}, False), [error(label, f"file {label} {outside}", rule=OUTSIDE_PROJECT)]
    doc, problems = read_config_file(path, label)
    if problems:
        return LockFile(stack, {}, True), problems
    try:
        parsed = _LockFile.model_validate(doc if doc is not None else {})
    except ValidationError as exc:
        return LockFile(stack, {}, True), to_diagnostics(exc, f"{label}:", _LockFile)
    accounts = {key: e.subscription.lower() for key, e in parsed.accounts.items()}
    return LockFile(stack, parsed.profiles, True, accounts), []


def write(stack: str, lock: Lock, accounts: dict[str, str] | None = None) -> Path:
    path = team_files_dir() / lock_label(stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(stack, lock, accounts or {}))
    return path


def dump(stack: str, lock: Lock, accounts: dict[str, str] | None = None) -> str:
    lines = [
        "# Which shard (account, the same in every region) each team of shared tenancy is on: written by",
        f"# `python -m infra place --stack {stack}`; review it like a package lock. A placed team stays on its",
        "# shard until moved with --move: moving it recreates its deployments under a new endpoint.",
        "profiles:" + ("" if lock else " {}"),
    ]
    for key in sorted(lock):
        lines.append(f"  {key}:")
        for team in sorted(lock[key]):
            e = lock[key][team]
            lines.append(f"    {team}: {{shard: {e.shard}, deployments: {e.deployments}}}")
    if accounts:
        lines.append("# Which subscription each account group's accounts are in (placement.subscriptions).")
        lines.append("accounts:")
        lines += [f"  {key}: {{subscription: {accounts[key]}}}" for key in sorted(accounts)]
    return "\n".join(lines) + "\n"


def weights(lz: LandingZone) -> dict[str, int]:
    """Team -> its deployments in the region where it has most: a team is on the same shard in every region."""
    regions = [r.name for r in lz.regions]
    return {t.name: deployments.most_in_a_region(t, regions, lz.account.kind) for t in lz.teams}


def profiles(lz: LandingZone) -> dict[str, dict[str, int]]:
    """Account group of each governance profile of shared tenancy -> team -> weight."""
    w = weights(lz)
    return {
        g.key: {lz.teams[i].name: w[lz.teams[i].name] for i in g.members}
        for g in tenancy.account_groups(lz)
        if g.tenancy == "shared"
    }


@dataclass(frozen=True)
class Placed:
    lock: Lock
    changes: tuple[str, ...]
    """What changed against the lock file, in reviewer terms."""
    overfull: tuple[tuple[str, int, int], ...]
    """(profile, shard, deployments) of shards over the max that no change of a team explains."""


def assign(profs: dict[str, dict[str, int]], lock: Lock, limit: int, move: frozenset[str] = frozenset()) -> Placed:
    """Keep every placed team where it is; place new teams (by name) first-fit into the lowest shard with room,
    opening one when none has; drop teams that left; move a team only when asked (or when it grew past its
    shard's room, its own change): it is then placed anew, off its shard."""
    out: Lock = {}
    changes: list[str] = []
    overfull: list[tuple[str, int, int]] = []
    for key in sorted(profs):
        team_weights, old = profs[key], lock.get(key, {})
        changes += [f"{t} left {key}: removed" for t in sorted(set(old) - set(team_weights))]
        kept = {t: e.shard for t, e in old.items() if t in team_weights and t not in move}
        load: Counter[int] = Counter()
        for t, s in kept.items():
            load[s] += team_weights[t]
        off: dict[str, int] = {t: old[t].shard for t in move if t in old and t in team_weights}
        for s in sorted(load):
            grown = sorted((t for t in kept if kept[t] == s and team_weights[t] > old[t].deployments), key=str)
            while load[s] > limit and grown:
                t = grown.pop(0)
                load[s] -= team_weights[t]
                off[t] = kept.pop(t)
            if load[s] > limit:
                overfull.append((key, s, load[s]))
        shards = dict(kept)
        for t in sorted(set(team_weights) - set(kept)):
            # A moved team's old shard counts as opened even when it is left empty: the team goes elsewhere.
            w, opened = team_weights[t], max([*load, *off.values()], default=0) + 1
            s = next((s for s in range(1, opened) if s != off.get(t) and load[s] + w <= limit), opened)
            if s == opened and s > 1:
                changes.append(f"shard {s} of {key} opened")
            load[s] += w
            shards[t] = s
            why = "moved with --move" if t in move else f"grew to {w} deployments"
            moved = f"{t} moved from shard {off[t]} to {s} of {key} ({why})" if t in off else None
            changes.append(moved or f"{t} placed on shard {s} of {key}")
        out[key] = {t: Entry(shard=shards[t], deployments=team_weights[t]) for t in sorted(shards)}
    return Placed({k: v for k, v in out.items() if v}, tuple(changes), tuple(overfull))


def group_key(profile_key: str, shard: int) -> str:
    """Shard 1 keeps the profile's account as it always was; shard n >= 2 is ``<profile>-0n``."""
    return profile_key if shard == 1 else f"{profile_key}-{shard:02d}"


def shard_groups(lz: LandingZone, groups: list[tenancy.AccountGroup], lock: Lock) -> list[tenancy.AccountGroup]:
    """The account groups with each shared profile split into its shards."""
    out = []
    for g in groups:
        if g.tenancy != "shared":
            out.append(g)
            continue
        shards = {t: e.shard for t, e in lock.get(g.key, {}).items()}
        by_shard: dict[int, list[int]] = {}
        for i in g.members:
            by_shard.setdefault(shards.get(lz.teams[i].name, 1), []).append(i)
        for s, members in sorted(by_shard.items()):
            out.append(dataclasses.replace(g, key=group_key(g.key, s), members=tuple(members)))
    return sorted(out, key=lambda g: g.key)


def decide(lz: LandingZone, lock_file: LockFile) -> tuple[Lock, list[Diagnostic]]:
    """The placement the plan declares: the lock file's, with teams it does not hold yet placed provisionally
    (and said so), and what Azure or the max would refuse."""
    limit, profs = lz.placement.max_deployments_per_account, profiles(lz)
    placed = assign(profs, lock_file.entries, limit)
    diags = _team_checks(lz, limit) + _lock_checks(lock_file, profs)
    place = f"python -m infra place --stack {lock_file.stack or '<stack>'}"
    for key, s, load in placed.overfull:
        diags.append(
            error(
                f"{lock_file.label}: profiles.{key}",
                f"shard {s} of {key} would hold {load} deployments per region; {ROOT}.placement."
                f"maxDeploymentsPerAccount is {limit}: move a team off it with `{place} --move TEAM`",
                rule=SHARD_FITS,
            )
        )
    news = [c for c in placed.changes if " left " not in c]
    if news and (lock_file.found or any(e.shard > 1 for p in placed.lock.values() for e in p.values())):
        diags.append(
            warning(
                lock_file.label,
                f"placed provisionally, not yet in the lock file: {listed_changes(news)}; record it with `{place}`"
                " and commit the file, or another team's change could move these teams' deployments",
                rule=PROVISIONAL,
            )
        )
    return placed.lock, diags


MAX_LISTED = 5
"""Placements a warning spells out; a landing zone of 200 teams gets a count for the rest, not a page."""


def listed_changes(changes: list[str]) -> str:
    more = len(changes) - MAX_LISTED
    return "; ".join(changes[:MAX_LISTED]) + (f"; and {more} more (`place` lists them all)" if more > 0 else "")


def _team_checks(lz: LandingZone, limit: int) -> list[Diagnostic]:
    """A team is placed whole: one whose own deployments do not fit on an account has no shard."""
    shared = {lz.teams[i].name for g in tenancy.account_groups(lz) if g.tenancy == "shared" for i in g.members}
    out = []
    for i, (name, w) in enumerate(weights(lz).items()):
        if name in shared and w > limit:
            out.append(
                error(
                    join_path(lz.team_path(i), "models"),
                    f"team {name} would hold {w} deployments in one region, and a team's deployments share one"
                    f" account; {ROOT}.placement.maxDeploymentsPerAccount is {limit} (Azure allows 32 per"
                    " account): split the team in two, remove models, or raise the max (at most 32)",
                    rule=TEAM_FITS,
                )
            )
    return out


def _lock_checks(lock_file: LockFile, profs: dict[str, dict[str, int]]) -> list[Diagnostic]:
    place = f"python -m infra place --stack {lock_file.stack or '<stack>'}"
    return [
        error(
            f"{lock_file.label}: profiles.{key}.{team}",
            f"team {team} is not a team of governance profile {key} in shared tenancy (it left, or its profile or"
            f" isolation changed): run `{place}` to update the lock file",
            rule=LOCK_TEAM,
        )
        for key, teams in sorted(lock_file.entries.items())
        for team in sorted(teams)
        if team not in profs.get(key, {})
    ]
