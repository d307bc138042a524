"""The pull-request comment of one stack: what a change does, first, within a size budget.

GitHub refuses comment bodies over 65,536 characters, and a reviewer reads the first screen. The comment
opens with the changes, the placement and alias changes, a callout for stateful replacements and deletions,
the cost change against the base, the gateway changes in a reviewer's terms, and the warnings that are new;
the diagram and the full list of changes follow. The whole plan goes to the job summary or an artifact
(``--format markdown``), linked from here. When the budget is hit, what is cut says so.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field

from infra import alias_review, azure_types, md, placement_review, platform_costs
from infra.config import PROVISIONED_SKUS
from infra.diagram import mermaid
from infra.diff import Change, change_rows, diff

BUDGET = 60_000
"""Characters per comment: under GitHub's 65,536 with room for the workflow's marker and heading."""


@dataclass
class Block:
    """A piece of the comment; a table's rows may be cut to fit, the rest is all or nothing."""

    name: str
    head: list[str]
    rows: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def render(self, rows: list[str] | None = None) -> str:
        return "\n".join([*self.head, *(self.rows if rows is None else rows), *self.tail]) + "\n"


def comment(head_plan, head: dict, base: dict | None, full_plan_url: str | None = None, budget: int = BUDGET) -> str:
    """``head_plan``: the ``Plan`` of this branch; ``head``/``base``: plan contracts (``base`` None: new stack)."""
    stack = head_plan.stack
    link = f"[full plan]({full_plan_url})" if full_plan_url else "full plan: the job summary and the `plans` artifact"
    if not head_plan.ok:
        rows = [[d.severity, md.code(d.path), md.text(d.message)] for d in head_plan.diagnostics]
        block = Block(
            "errors",
            [f"### ❌ `{stack}`: the configuration is invalid", "", *md.table(["severity", "path", "message"], [])],
            [md.row(r) for r in rows],
        )
        return _fit([block], budget, link)
    base = base or {"resources": [], "outputs": {}, "diagnostics": []}
    changes = diff(base, head)
    new_warnings, old_warnings = _warnings(base, head)
    costs = cost_changes(base, head)
    platform = platform_changes(base, head)
    gateway = gateway_changes(base, head)
    placed = placement_review.changes(base, head)
    aliased = alias_review.changes(base, head)
    if not changes and not new_warnings and not costs and not platform and not placed and not aliased:
        return f"### `{stack}`: no changes against the base ({link})\n"
    blocks = [
        Block("summary", [f"### `{stack}`: {_counts(changes)}", "", *_what_changes(changes), ""]),
    ]
    if placed:
        blocks.append(Block("placement", ["**Placement changes**", ""], [f"- {line}" for line in placed], [""]))
    if aliased:  # what the gateway's policy change means: where each alias now sends its calls
        blocks.append(Block("aliases", ["**Alias changes**", ""], [f"- {line}" for line in aliased], [""]))
    blocks.append(Block("stateful", [*_stateful(changes, placement_review.callout(base, head)), ""]))
    if costs:
        blocks.append(
            Block(
                "costs",
                ["**Cost change against the base**", "", *md.table(["", "base", "this change", "change"], [])],
                [md.row(r) for r in costs],
                [""],
            )
        )
    if platform:
        blocks.append(Block("platform", ["**Platform cost change**", ""], [f"- {line}" for line in platform], [""]))
    if gateway:
        blocks.append(Block("gateway", ["**Gateway changes**", ""], [f"- {line}" for line in gateway], [""]))
    blocks += _warning_blocks(new_warnings, old_warnings)
    if head_plan.topology is not None:
        touched = _touched_accounts(changes, base, head)
        diagram = mermaid(head_plan.topology, touched).rstrip()
        note = " (changed accounts highlighted)" if touched else ""
        blocks.append(Block("diagram", md.details(f"Topology{note}", ["```mermaid", diagram, "```"])))
        blocks.append(
            Block(
                "accounts",
                [
                    "<details><summary>Deployments per account</summary>",
                    "",
                    *md.table(["account", "region", "deployments"], []),
                ],
                [md.row(r) for r in _deployment_rows(head_plan, touched)],
                ["", "</details>", ""],
            )
        )
    blocks.append(
        Block(
            "changes",
            [
                "<details open><summary>Every change</summary>",
                "",
                *md.table(["change", "resource", "type", "details"], []),
            ],
            [md.row(r) for r in change_rows(changes, base, head)],
            ["", "</details>", ""],
        )
    )
    return _fit(blocks, budget, link)


def _warning_blocks(new: list[dict], old: list[dict]) -> list[Block]:
    """New warnings open, those the base already had folded."""
    out = []
    if new:
        out.append(
            Block(
                "new warnings",
                ["**New warnings**", ""],
                [f"- {d['severity']}: {md.code(d['path'])}: {md.text(d['message'])}" for d in new],
                [""],
            )
        )
    if old:
        out.append(
            Block(
                "other warnings",
                [f"<details><summary>{len(old)} warning(s) also on the base</summary>", ""],
                [f"- {d['severity']}: {md.code(d['path'])}: {md.text(d['message'])}" for d in old],
                ["", "</details>", ""],
            )
        )
    return out


def _fit(blocks: list[Block], budget: int, link: str) -> str:
    footer = f"\n{link}\n"
    out, left = [], budget - len(footer)
    for i, block in enumerate(blocks):
        whole = block.render()
        if len(whole) <= left:
            out.append(whole)
            left -= len(whole)
            continue
        skipped = [b.name for b in blocks[i + 1 :]]
        notice = (
            f"\n> [!NOTE]\n> Cut to stay under {budget:,} characters: part of *{block.name}*"
            + (f", and {', '.join(skipped)}" if skipped else "")
            + f". See the {link}.\n"
        )
        room, kept = left - len(notice) - len(block.render([])), []
        for row in block.rows:
            if len(row) + 1 > room:
                break
            kept.append(row)
            room -= len(row) + 1
        if block.rows and room >= 0 and (kept or not block.head):
            out.append(block.render(kept))
        out.append(notice)
        break
    return "".join(out) + footer


def _counts(changes: list[Change]) -> str:
    counts = Counter(c.kind for c in changes)
    parts = [f"{counts[k]} {k}" for k in ("added", "changed", "replaced", "removed") if counts[k]]
    return ", ".join(parts) if parts else "no resource changes"


def _what_changes(changes: list[Change]) -> list[str]:
    """One line per kind of change, most consequential first."""
    lines = []
    for kind in ("replaced", "removed", "added", "changed"):
        by = Counter(c.type.split(":")[-1] for c in changes if c.kind == kind)
        if by:
            lines.append(f"- **{kind}**: " + ", ".join(f"{n} {t}" for t, n in sorted(by.items(), key=lambda x: -x[1])))
    return lines


def _stateful(changes: list[Change], moved: list[str]) -> list[str]:
    """``moved``: a line per moved team (``placement_review.callout``): its deployments are recreated elsewhere."""
    danger = [c for c in changes if c.stateful and c.kind in ("replaced", "removed")]
    if not danger and not moved:
        return ["No stateful resource is replaced or deleted."]
    lines = ["> [!CAUTION]"]
    if danger:
        lines.append(f"> {len(danger)} stateful resource(s) replaced or deleted:")
    for c in danger:
        why = f": {md.text('; '.join(c.reasons), 300)}" if c.reasons else ""
        lines.append(f"> - **{c.kind}** {c.type.split(':')[-1]} {md.code(c.name)}{why}")
    if moved:
        lines += [*([">"] if danger else []), f"> {len(moved)} team(s) move to another account:", *moved]
    return lines


def _warnings(base: dict, head: dict) -> tuple[list[dict], list[dict]]:
    seen = {(d["severity"], d["path"], d["message"]) for d in base.get("diagnostics", [])}
    new, old = [], []
    for d in head.get("diagnostics", []):
        (old if (d["severity"], d["path"], d["message"]) in seen else new).append(d)
    return new, old


def cost_facts(plan: dict) -> dict[str, float]:
    """What a change can cost, from a plan contract alone: its ``costs`` (budgets, committed PTU, token quotas)
    and the tokens per minute its deployments serve."""
    costs = plan.get("costs") or {}
    currency = costs.get("currency", "USD")
    facts: dict[str, float] = {}
    if costs.get("environment"):
        facts["budget environment"] = costs["environment"]["budget"]
    for team, c in (costs.get("teams") or {}).items():
        if c.get("budget") is not None:
            facts[f"budget {team}"] = c["budget"]
        if c.get("committedPtuPerMonth"):
            facts[f"{team}: committed PTU ({currency}/month)"] = c["committedPtuPerMonth"]
        if c.get("tpmLimit"):
            facts[f"{team}: gateway limit, tokens/min"] = c["tpmLimit"]
        if c.get("tokenQuota"):
            facts[f"{team}: gateway quota, tokens/month"] = c["tokenQuota"]
    for r in plan.get("resources", []):
        if r["type"] == azure_types.DEPLOYMENT.token:
            team = (r["inputs"].get("tags") or {}).get("team", "?")
            sku = r["inputs"].get("sku") or {}
            if sku.get("name") not in PROVISIONED_SKUS:
                key = f"{team}: deployed tokens/min (all regions)"
                facts[key] = facts.get(key, 0) + (sku.get("capacity") or 0) * 1000
    return facts


def cost_changes(base: dict, head: dict) -> list[list[str]]:
    before, after = cost_facts(base), cost_facts(head)
    rows = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if a and b:
            change = f"{b - a:+,.0f} ({(b - a) / a:+.0%})"
        else:
            change = "new" if a is None else "gone"
        rows.append([md.text(key), "–" if a is None else f"{a:,.0f}", "–" if b is None else f"{b:,.0f}", change])
    return rows


def platform_changes(base: dict, head: dict) -> list[str]:
    """The landing zone's own run cost, line by line, from the contracts' ``costs.platform`` alone: e.g.
    ``gateway StandardV2 → Premium: +2,095 USD/month``. A base without it (older plans) gives no delta."""
    before = (base.get("costs") or {}).get("platform")
    after = (head.get("costs") or {}).get("platform")
    if not before or not after or before["total"] == after["total"]:
        return []
    currency = after["currency"]
    old = {line["key"]: line for line in before["lines"]}
    new = {line["key"]: line for line in after["lines"]}
    out = []
    for key in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(key), new.get(key)
        delta = (b["monthly"] if b else 0) - (a["monthly"] if a else 0)
        if round(delta) == 0:
            continue
        if a and b:
            what = _platform_what(a, b)
        else:
            what = f"{platform_costs.describe(b or a)} ({'new' if a is None else 'gone'})"
        out.append(f"{what}: {delta:+,.0f} {currency}/month")
    total = after["total"] - before["total"]
    out.append(f"platform total: {before['total']:,.0f} → {after['total']:,.0f} {currency}/month ({total:+,.0f})")
    return out


def _platform_what(a: dict, b: dict) -> str:
    """``gateway StandardV2 → Premium``, ``gateway StandardV2 x1 → x2``, ``private endpoints 5 → 6``."""
    if a["detail"] != b["detail"] and a["quantity"] == b["quantity"] == 1:
        return f"{b['item']} {a['detail']} → {b['detail']}"
    if a["detail"] or b["detail"]:
        return f"{b['item']} {a['detail']} x{a['quantity']:g} → {b['detail']} x{b['quantity']:g}"
    if a["quantity"] != b["quantity"]:
        return f"{b['item']} {a['quantity']:g} → {b['quantity']:g}"
    if b["key"] == "ptu":  # one line of a month's commitment: its price is the change
        return b["item"]
    return f"{b['item']} at {a['unitPrice']:,.2f} → {b['unitPrice']:,.2f} per {b['unit']}"


def _policy(xml: str) -> dict:
    doc = ET.fromstring(xml)
    limits = {
        e.get("counter-key"): (e.get("tokens-per-minute"), e.get("token-quota")) for e in doc.iter("llm-token-limit")
    }
    retry = doc.find("backend/retry")
    return {
        "limits": limits,
        "apps": {e.text for e in doc.iter("application-id")},
        "backends": [e.get("backend-id") for e in doc.iter("set-backend-service")],
        "retries": retry.get("count") if retry is not None else "0",
    }


def _by_api(plan: dict, type_: azure_types.AzureType) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in plan.get("resources", []):
        if r["type"] == type_.token:
            out.setdefault(r["inputs"].get("apiId") or r["inputs"].get("productId"), []).append(r["inputs"])
    return out


def _pools(plan: dict) -> dict[str, str]:
    return {
        r["inputs"]["backendId"]: azure_types.pool_members(r["inputs"])
        for r in plan.get("resources", [])
        if r["type"] == azure_types.BACKEND.token and r["inputs"].get("type") == "Pool"
    }


def _num(value: str | None) -> str:
    return "none" if value is None else f"{int(value):,}"


def gateway_changes(base: dict, head: dict) -> list[str]:
    """Per API: team limits, callers, backends, retries and routes, old → new."""
    old_p, new_p = _by_api(base, azure_types.API_POLICY), _by_api(head, azure_types.API_POLICY)
    old_o, new_o = _by_api(base, azure_types.API_OPERATION), _by_api(head, azure_types.API_OPERATION)
    lines = []
    for api in sorted(set(old_p) | set(new_p)):
        if api not in old_p:
            lines.append(f"{md.code(api)}: new API")
            continue
        if api not in new_p:
            lines.append(f"{md.code(api)}: API removed")
            continue
        a, b = _policy(old_p[api][0]["value"]), _policy(new_p[api][0]["value"])
        for team in sorted(set(a["limits"]) | set(b["limits"])):
            (tpm0, q0), (tpm1, q1) = a["limits"].get(team, (None, None)), b["limits"].get(team, (None, None))
            if tpm0 != tpm1:
                lines.append(f"{md.code(api)}: {md.text(team)} tokens/min {_num(tpm0)} → {_num(tpm1)}")
            if q0 != q1:
                lines.append(f"{md.code(api)}: {md.text(team)} tokens/month {_num(q0)} → {_num(q1)}")
        for app in sorted(b["apps"] - a["apps"]):
            lines.append(f"{md.code(api)}: caller app {md.code(app)} admitted")
        for app in sorted(a["apps"] - b["apps"]):
            lines.append(f"{md.code(api)}: caller app {md.code(app)} no longer admitted")
        if a["backends"] != b["backends"]:
            lines.append(
                f"{md.code(api)}: backends {md.text(', '.join(a['backends']))} → {md.text(', '.join(b['backends']))}"
            )
        if a["retries"] != b["retries"]:
            lines.append(f"{md.code(api)}: retries {a['retries']} → {b['retries']}")
        routes0 = {(o["method"], o["urlTemplate"]) for o in old_o.get(api, [])}
        routes1 = {(o["method"], o["urlTemplate"]) for o in new_o.get(api, [])}
        for method, url in sorted(routes1 - routes0):
            lines.append(f"{md.code(api)}: route {md.code(f'{method} {url}')} added")
        for method, url in sorted(routes0 - routes1):
            lines.append(f"{md.code(api)}: route {md.code(f'{method} {url}')} removed")
    pools0, pools1 = _pools(base), _pools(head)
    for pool in sorted(set(pools0) & set(pools1)):
        if pools0[pool] != pools1[pool]:  # priorities and weights: who is first, how the fallback traffic splits
            lines.append(f"{md.code(pool)}: {md.text(pools0[pool])} → {md.text(pools1[pool])}")
    product = azure_types.PRODUCT.token
    products0 = {r["inputs"].get("productId") for r in base.get("resources", []) if r["type"] == product}
    products1 = {r["inputs"].get("productId") for r in head.get("resources", []) if r["type"] == product}
    lines += [f"key product for {md.code(p)} added" for p in sorted(products1 - products0)]
    lines += [f"key product for {md.code(p)} removed" for p in sorted(products0 - products1)]
    return lines


def _touched_accounts(changes: list[Change], base: dict, head: dict) -> set[str]:
    inputs = {r["urn"]: r["inputs"] for r in [*base.get("resources", []), *head.get("resources", [])]}
    names = set()
    for c in changes:
        for urn in (c.urn, c.old_urn):
            account = (inputs.get(urn) or {}).get("accountName") if urn else None
            if isinstance(account, str):
                names.add(account)
    return names


def _deployment_rows(plan, touched: set[str]) -> list[list[str]]:
    rows = []
    for a in plan.topology.accounts:
        mark = " (changed)" if a.name in touched else ""
        names = ", ".join(f"{d.name} ({d.sku} ×{d.capacity})" for d in a.deployments) or "none"
        rows.append([md.code(a.name) + mark, a.region, md.text(names)])
    return rows
