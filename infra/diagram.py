"""A Mermaid diagram of the topology: regions, accounts and their deployments, the gateway and its pools,
private endpoints and budgets. GitHub renders it in the PR comment."""

from __future__ import annotations

import re

from infra.topology import Topology


def _id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p) for p in parts)


def _label(*lines: str) -> str:
    return '"' + "<br/>".join(line.replace('"', "#quot;") for line in lines) + '"'


def mermaid(topology: Topology) -> str:
    out = ["flowchart LR"]
    roles = {a.region: a.role for a in topology.accounts}
    for region in dict.fromkeys(a.region for a in topology.accounts):
        out.append(f"  subgraph {_id('region', region)}[{_label(f'{region} ({roles[region]})')}]")
        for a in (a for a in topology.accounts if a.region == region):
            deployments = [f"{d.name}: {d.model_name} {d.model_version} {d.sku} x{d.capacity}" for d in a.deployments]
            out.append(f"    {_id('account', a.key)}[{_label(a.name, *deployments)}]")
            if a.private_endpoint:
                out.append(f"    {_id('pe', a.key)}([{_label('private endpoint')}]) --- {_id('account', a.key)}")
        out.append("  end")
    if topology.gateway is not None:
        gw = topology.gateway
        out.append(f"  gateway{{{{{_label('AI gateway', gw.name, gw.sku)}}}}}")
        for api in gw.apis:
            pool = _id("pool", api.pool)
            out.append(f"  gateway --> {pool}[/{_label(api.pool, 'teams: ' + ', '.join(t.team for t in api.teams))}/]")
            for m in api.members:
                out.append(f"  {pool} -->|priority {m.priority}| {_id('account', m.account)}")
    for b in topology.budgets:
        node = _id("budget", b.key)
        out.append(f"  {node}[({_label(f'budget {b.key}', f'{b.amount:,.0f}/month')})]")
        targets = [a.key for a in topology.accounts if b.team in a.teams] if b.team else []
        for key in targets:
            out.append(f"  {node} -.- {_id('account', key)}")
    return "\n".join(out) + "\n"
