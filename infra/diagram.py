"""A Mermaid diagram of the topology that reads at a glance: regions (primary first) holding the accounts,
the gateway and its pools, deployment counts, budgets and each team's aliases (where they send their calls) as
labels. GitHub renders it in the PR comment.

Details (each deployment) belong in a table, not in the picture. Past ``MAX_GROUPS`` account groups the
regions show totals instead of one node per account.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from infra import alias_review
from infra.specs import AliasSpec
from infra.topology import AccountSpec, Topology

MAX_GROUPS = 8
"""Account groups drawn one by one; more are summed per region."""
MAX_TEAMS_IN_LABEL = 4
"""A pool's teams listed by name up to this many; past it, a count and the sum of their budgets."""
MAX_ALIASES_PER_TEAM = 3
"""A team's aliases listed, each with its split, up to this many; past it, how many more."""
CHANGED_STYLE = "fill:#fff4c2,stroke:#bf8700,stroke-width:2px"


def _id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p) for p in parts)


def _label(*lines: str) -> str:
    return '"' + "<br/>".join(line.replace('"', "#quot;") for line in lines if line) + '"'


def _money(amount: float) -> str:
    return f"{amount:,.0f}/mo"


def _regions(topology: Topology) -> list[str]:
    roles = {a.region: a.role for a in topology.accounts}
    return sorted(dict.fromkeys(a.region for a in topology.accounts), key=lambda r: roles[r] != "primary")


def mermaid(topology: Topology, changed_accounts: Collection[str] = (), max_groups: int = MAX_GROUPS) -> str:
    """``changed_accounts``: names of accounts a pull request touches, drawn highlighted."""
    budgets = {b.team: b.amount for b in topology.budgets if b.team}
    groups = list(dict.fromkeys(a.group for a in topology.accounts))
    detailed = len(groups) <= max_groups
    out = ["flowchart LR", f"  classDef changed {CHANGED_STYLE}"]
    env = next((b for b in topology.budgets if b.key == "environment"), None)
    if env is not None:
        out.append(f"  env_budget[{_label('environment budget', _money(env.amount))}]")
    roles = {a.region: a.role for a in topology.accounts}
    for region in _regions(topology):
        accounts = [a for a in topology.accounts if a.region == region]
        out.append(f"  subgraph {_id('region', region)}[{_label(f'{region} · {roles[region]}')}]")
        if detailed:
            for a in accounts:
                out.append(f"    {_id('account', a.key)}[{_account_label(a, budgets, topology.gateway is None)}]")
                if a.name in changed_accounts:
                    out.append(f"    class {_id('account', a.key)} changed")
        else:
            node = _id("accounts", region)
            out.append(f"    {node}[{_summary_label(accounts)}]")
            if any(a.name in changed_accounts for a in accounts):
                out.append(f"    class {node} changed")
        out.append("  end")
    if topology.gateway is not None:
        gw = topology.gateway
        access = "private endpoint" if gw.private_endpoint else "public endpoint"
        # Past max_groups no pool is drawn: the gateway carries the aliases' count instead.
        count = "" if detailed else _alias_count(topology.aliases)
        out.append(f"  gateway{{{{{_label('AI gateway', f'{gw.sku} · {access}', count)}}}}}")
        for api in gw.apis:
            pool = _id("pool", api.group)
            teams = [
                line
                for t in api.teams
                for line in [
                    f"{t.team} {_money(budgets[t.team])}" if t.team in budgets else t.team,
                    *_alias_lines([a for a in topology.aliases if a.team == t.team]),
                ]
            ]
            if len(api.teams) > MAX_TEAMS_IN_LABEL:
                total = sum(budgets.get(t.team, 0) for t in api.teams)
                names = {t.team for t in api.teams}
                crowd = [a for a in topology.aliases if a.team in names]
                teams = [f"{len(api.teams)} teams", f"budgets {_money(total)}", _alias_count(crowd)]
            if detailed:
                out.append(f"  gateway --> {pool}[/{_label(api.group, *teams)}/]")
                # The pool sends to the primary, and fails over to the secondaries together (they share a
                # priority): each group is a row, the regions columns. Weights show only where they split traffic.
                first, *rest = sorted(api.members, key=lambda m: m.priority)
                out.append(f"  {pool} --> {_id('account', first.account)}")
                for m in rest:
                    label = "failover" if len(rest) == 1 else f"failover · weight {m.weight}"
                    out.append(f"  {_id('account', first.account)} -.->|{label}| {_id('account', m.account)}")
        if not detailed:
            for region in _regions(topology):
                label = "priority 1" if roles[region] == "primary" else "fallback"
                out.append(f"  gateway -->|{label}| {_id('accounts', region)}")
    return "\n".join(out) + "\n"


def _alias_lines(aliases: list[AliasSpec]) -> list[str]:
    """A team's aliases under its name, e.g. ``chat: gpt-4.1-mini 90% / gpt-5-mini 10%``."""
    lines = [f"{a.name}: {alias_review.split(a.targets)}" for a in aliases[:MAX_ALIASES_PER_TEAM]]
    more = len(aliases) - MAX_ALIASES_PER_TEAM
    return [*lines, *([f"{more} more alias{'es' if more > 1 else ''}"] if more > 0 else [])]


def _alias_count(aliases: list[AliasSpec] | tuple[AliasSpec, ...]) -> str:
    """``3 aliases, 1 in rollout``; empty without aliases."""
    if not aliases:
        return ""
    rolling = sum(a.in_rollout for a in aliases)
    return f"{len(aliases)} alias{'es' if len(aliases) > 1 else ''}" + (f", {rolling} in rollout" if rolling else "")


def _account_label(a: AccountSpec, budgets: dict[str, float], with_budgets: bool) -> str:
    count = len(a.deployments)
    lines = [a.group, f"{count} deployment{'s' if count != 1 else ''}"]
    if a.private_endpoint:
        lines.append("private endpoint")
    if a.existing:
        lines.append("existing account")
    if with_budgets:  # no gateway pool to carry the teams' budgets
        lines += [f"{t} {_money(budgets[t])}" for t in a.teams if t in budgets]
    return _label(*lines)


def _summary_label(accounts: list[AccountSpec]) -> str:
    shared = sum(a.tenancy == "shared" for a in accounts)
    dedicated = len(accounts) - shared
    deployments = sum(len(a.deployments) for a in accounts)
    return _label(f"{shared} shared, {dedicated} dedicated accounts", f"{deployments} deployments")
