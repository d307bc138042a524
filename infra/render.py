"""Text and Markdown views of a plan (the JSON view is the contract itself)."""

from __future__ import annotations

import json
from collections import Counter

from infra import azure_types, md, platform_costs
from infra.catalog import load as load_catalog
from infra.config import PROVISIONED_SKUS
from infra.diagnostics import errors_in
from infra.diagram import mermaid
from infra.mocks import RecordedResource
from infra.operations import lifecycle
from infra.plan import Plan, _plain
from infra.specs import AliasSpec
from infra.topology import exposure


def _short_type(t: str) -> str:
    return t.split(":")[-1]


def summary(r: RecordedResource) -> str:
    """One line per resource; how each type is summarised is the type registry's (``infra/azure_types.py``)."""
    fn = azure_types.summary_of(r.type)
    return fn(_plain(r.inputs)) if fn else ""


def _children(plan: Plan) -> dict:
    """Children per parent URN, components placed where their first Azure resource deploys."""
    kids: dict = {}
    for r in plan.resources:
        kids.setdefault(r.parent, []).append(r)
    first: dict[str, int] = {}
    for i, r in enumerate(plan.resources):
        first.setdefault(r.urn, i if r.custom else len(plan.resources))
    for r in reversed(plan.resources):
        if r.parent in first:
            first[r.parent] = min(first[r.parent], first[r.urn])
    for siblings in kids.values():
        siblings.sort(key=lambda r: first[r.urn])
    return kids


def _names(plan: Plan) -> dict[str, str]:
    return {r.urn: r.name for r in plan.resources}


def _waits_for(r: RecordedResource, names: dict[str, str], parent: str | None) -> list[str]:
    return [names.get(u, u) for u in r.depends_on if u != parent]


def text(plan: Plan) -> str:
    lines = [f"Plan for {plan.project}/{plan.stack}"]
    if plan.resources:
        custom = sum(r.custom for r in plan.resources)
        lines[0] += f": {custom} Azure resources in {len(plan.resources) - custom} components"
    kids, names = _children(plan), _names(plan)

    def walk(parent: str | None, depth: int) -> None:
        for r in kids.get(parent, []):
            pad = "  " * depth
            flags = [f for f, on in (("protect", r.protect), ("retainOnDelete", r.retain_on_delete)) if on]
            if r.ignore_changes:
                flags.append(f"ignoreChanges={','.join(r.ignore_changes)}")
            # As pulumi preview marks them: + create, = import.
            op = ("= " if r.import_id else "+ ") if r.custom else ""
            head = f"{pad}{op}{_short_type(r.type)} {r.name}"
            lines.append(head + (f" [{' '.join(flags)}]" if flags else ""))
            if r.import_id:
                lines.append(f"{pad}    import: {r.import_id}")
            if s := summary(r):
                lines.append(f"{pad}    {s}")
            waits = _waits_for(r, names, parent)
            if r.custom and waits:
                lines.append(f"{pad}    waits for: {', '.join(waits)}")
            walk(r.urn, depth + 1)

    lines += _team_lines(plan)
    lines += _cost_lines(plan)
    lines += _operations_lines(plan)
    if plan.resources:
        lines.append("")
        walk(None, 0)
    if plan.outputs:
        lines += [
            "",
            "Outputs:",
            *("  " + ln for ln in json.dumps(plan.outputs, indent=2, sort_keys=True).splitlines()),
        ]
    lines += _diagnostic_lines(plan, "  ")
    return "\n".join(lines) + "\n"


def _team_lines(plan: Plan) -> list[str]:
    """Where each team landed, and why."""
    if plan.topology is None or not plan.topology.teams:
        return []
    out = ["", f"Teams (tenancy: {plan.topology.tenancy}):"]
    for t in plan.topology.teams:
        out.append(f"  {t.name} -> {t.group} [{', '.join(t.accounts)}]")
        out.append(f"      {t.reason}")
        out += [f"      alias {alias_line(a)}" for a in plan.topology.aliases if a.team == t.name]
    out += ["", "Accounts and network exposure:"]
    for a in plan.topology.accounts:
        where = f"{a.region}, subscription {a.subscription}" if a.subscription else a.region
        out.append(f"  {a.name} ({where}): {exposure(a, plan.topology.network)}")
    return out


def alias_line(a: AliasSpec) -> str:
    """``chat: contoso-chat-gpt-4.1-mini (gpt-4.1-mini 2025-04-14) 90%, ...``: where an alias sends its calls."""
    return f"{a.name}: " + ", ".join(f"{t.deployment} ({t.model} {t.version}) {t.weight}%" for t in a.targets)


def _money(value: float | None, currency: str) -> str:
    return "none" if value is None else f"{value:,.0f} {currency}"


def cost_rows(plan: Plan) -> list[dict[str, str]]:
    """Per team: budget, alerts, token quota, TPM, committed PTU cost and its warnings, from the contract's
    ``costs`` (the one source every view reads)."""
    costs, topo = plan.costs, plan.topology
    if costs is None or topo is None:
        return []
    currency = costs["currency"]
    paths = {t.name: topo.config.team_path(i) for i, t in enumerate(topo.config.teams)}
    rows = []
    for team, c in costs["teams"].items():
        quota = "n/a (own account: the budget is the limit)"
        if c["sharedAccount"]:
            quota = "none" if c["tokenQuota"] is None else f"{c['tokenQuota']:,} tokens/month ({c['quotaSource']})"
        warnings = [
            d.message
            for d in plan.diagnostics
            if d.severity == "warning"
            and d.path.startswith(paths[team])
            and ("budget" in d.path or "tokenQuota" in d.path or d.path.endswith(".models"))
        ]
        committed = c["committedPtuPerMonth"]
        rows.append(
            {
                "team": team,
                # Budgets are in the billing currency; prices and committed cost in the catalog's.
                "budget": "none" if c["budget"] is None else f"{c['budget']:,.0f}/month ({c['notifications']})",
                "covers": c["budgetCovers"],
                "quota": quota,
                "tpm": "n/a" if c["tpmLimit"] is None else f"{c['tpmLimit']:,}",
                "committed": _money(committed, currency) + "/month" if committed else "none",
                "warnings": "; ".join(warnings) or "none",
            }
        )
    return rows


def _cost_lines(plan: Plan) -> list[str]:
    costs = plan.costs
    if costs is None:
        return []
    out = ["", f"Costs (list prices in {costs['currency']} as of {costs['priceDate']}):"]
    if costs.get("platform"):
        out.append(f"  {platform_costs.summary(costs['platform'])}")
        out.append(f"      assumes {costs['platform']['assumption']}")
    env = costs["environment"]
    if env:
        out.append(f"  environment: budget {env['budget']:,.0f}/month on {env['covers']}, from {env['startDate']}")
    for row in cost_rows(plan):
        out.append(f"  {row['team']}: budget {row['budget']}")
        if row["covers"]:
            out.append(f"      budget sees {row['covers']}")
        out.append(f"      token quota {row['quota']}, TPM limit {row['tpm']}, committed PTU {row['committed']}")
        if row["warnings"] != "none":
            out.append(f"      warnings: {row['warnings']}")
    return out


def operations_rows(plan: Plan) -> list[dict[str, str]]:
    """Per account: monitoring, policy, protection and the soonest retirement."""
    topo = plan.topology
    if topo is None:
        return []
    catalog = load_catalog()
    alerts = topo.config.monitoring.alerts
    policy = f"{topo.guardrails.effect} (keyless, network, identity, approved models; diagnostics audited)"
    rows = []
    for a in topo.accounts:
        soonest = next((r for r in lifecycle([a], catalog, plan.today) if r.retirement), None)
        limits = [
            f"429>{alerts.throttled_requests}",
            f"5xx>{alerts.server_errors}",
            f"latency>{alerts.time_to_response_ms}ms",
        ]
        if any(d.sku in PROVISIONED_SKUS for d in a.deployments):
            limits.append(f"PTU>{alerts.ptu_utilization_percent}%")
        if a.existing:
            monitoring = "none (existing account)"
        elif not topo.monitored:
            monitoring = "off"
        else:
            monitoring = f"logs and metrics to the workspace; alerts {', '.join(limits)}"
        retires = "no retirement announced"
        if soonest:
            retires = f"{soonest.model} {soonest.version} retires {soonest.retirement} ({soonest.days_left} days)"
        rows.append(
            {
                "account": a.name,
                "monitoring": monitoring,
                "policy": policy,
                "protection": "protect + deny-delete policy (deployments stay removable)"
                if topo.guardrails.protect and not a.existing
                else "none",
                "lifecycle": retires,
            }
        )
    return rows


def quota_rows(plan: Plan) -> list[str]:
    topo = plan.topology
    if topo is None:
        return []
    return [
        (f"subscription {q.subscription}: " if q.subscription else "")
        + f"{q.region} {q.model} {q.sku}: {q.total} capacity units"
        + (f" of a quota of {q.quota}" if q.quota is not None else " (no quota stated: compare with the portal)")
        for q in topo.quotas
    ]


def _operations_lines(plan: Plan) -> list[str]:
    rows = operations_rows(plan)
    if not rows:
        return []
    out = ["", "Operations (per account):"]
    for r in rows:
        out.append(f"  {r['account']}:")
        out += [f"      {k}: {r[k]}" for k in ("monitoring", "policy", "protection", "lifecycle")]
    out += ["", "Quota use (per region, model and deployment type, all accounts):"]
    out += [f"  {line}" for line in quota_rows(plan)]
    return out


def _diagnostic_lines(plan: Plan, bullet: str) -> list[str]:
    if not plan.diagnostics:
        return []
    n = len(errors_in(plan.diagnostics))
    head = f"{n} error(s), {len(plan.diagnostics) - n} warning(s)/info:"
    return ["", head, *(f"{bullet}{d.severity}: {d.path}: {d.message}" for d in plan.diagnostics)]


def markdown(plan: Plan) -> str:
    """The whole plan, for the job summary and the plan artifact (the PR comment is ``infra.review``)."""
    status = "❌ invalid configuration" if not plan.ok else "✅ plan made"
    out = [f"### Offline plan: `{plan.project}/{plan.stack}` ({status})", ""]
    if plan.diagnostics:
        rows = [[d.severity, md.code(d.path), md.text(d.message)] for d in plan.diagnostics]
        out += [*md.table(["severity", "path", "message"], rows), ""]
    topo = plan.topology
    if topo is not None and topo.teams:
        teams = [
            [md.code(t.name), md.code(t.group), ", ".join(md.code(a) for a in t.accounts), md.text(t.reason)]
            for t in topo.teams
        ]
        accounts = [[md.code(a.name), a.region, md.text(exposure(a, topo.network))] for a in topo.accounts]
        out += [f"**Tenancy: {topo.tenancy}**", "", *md.table(["team", "account group", "accounts", "why"], teams), ""]
        out += [*md.table(["account", "region", "network exposure"], accounts), ""]
    if topo is not None and topo.costs:
        header = ["team", "budget", "token quota", "TPM limit", "committed PTU", "warnings"]
        rows = [
            [md.code(r["team"]), *(md.text(r[k]) for k in ("budget", "quota", "tpm", "committed", "warnings"))]
            for r in cost_rows(plan)
        ]
        out += ["**Costs**", "", *md.table(header, rows), ""]
    ops = operations_rows(plan)
    if ops:
        keys = ("monitoring", "policy", "protection", "lifecycle")
        rows = [[md.code(r["account"]), *(md.text(r[k]) for k in keys)] for r in ops]
        out += ["**Operations**", "", *md.table(["account", *keys], rows), ""]
        out += ["**Quota use**", "", *(f"- {md.text(line)}" for line in quota_rows(plan)), ""]
    if topo is not None:
        out += md.details("Topology", ["```mermaid", mermaid(topo).rstrip(), "```"])
    if plan.resources:
        counts = Counter(r.type for r in plan.resources if r.custom and not r.import_id)
        rows = [[md.code(t), str(n)] for t, n in sorted(counts.items())]
        out += [
            *md.table(
                ["Azure resource type", "to create"],
                [*rows, ["**total**", f"**{sum(counts.values())}**"]],
                ["---", "---:"],
            ),
            "",
        ]
        if adopted := [r for r in plan.resources if r.import_id]:
            out += [
                *md.table(
                    ["to import (adopted)", "Azure ID"], [[md.code(r.name), md.code(r.import_id)] for r in adopted]
                ),
                "",
            ]
        names = _names(plan)
        rows = [
            [
                md.code(r.name),
                _short_type(r.type),
                md.text(summary(r)),
                ", ".join(md.code(w) for w in _waits_for(r, names, r.parent)),
            ]
            for r in plan.resources
            if r.custom
        ]
        out += md.details("Resources", md.table(["resource", "type", "properties", "waits for"], rows), open_=True)
    if plan.outputs:
        out += md.details("Stack outputs", ["```json", json.dumps(plan.outputs, indent=2, sort_keys=True), "```"])
    return "\n".join(out)
