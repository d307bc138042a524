"""What a change does: the plan of a branch against the plan JSON of its base.

A resource is *replaced* when its URN changes (Pulumi deletes and creates it)
or when a property Azure cannot update in place changes. Those properties, and
what makes two declarations the same Azure resource, are the type registry's
(``infra/azure_types.py``), each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from infra import azure_types, md


def identity(resource: dict) -> tuple | None:
    """What makes a resource the same Azure resource (its ARM ID), to recognise one whose URN changed: only
    then can an alias keep it. Same-named resources on another account or scope are other resources."""
    known = azure_types.BY_TOKEN.get(resource["type"])
    if known is None or not known.identity:
        return None
    values = tuple(resource["inputs"].get(k) for k in known.identity)
    return None if any(v is None for v in values) else (resource["type"], *values)


def _replace_on(type_: str) -> dict[str, str]:
    known = azure_types.BY_TOKEN.get(type_)
    return dict(known.replace_on) if known else {}


@dataclass
class Change:
    urn: str
    type: str
    name: str
    kind: str
    """added, removed, changed or replaced."""
    properties: list[tuple[str, Any, Any]] = field(default_factory=list)
    """(path, old, new)."""
    reasons: list[str] = field(default_factory=list)
    """Why it is replaced."""
    old_urn: str | None = None

    @property
    def stateful(self) -> bool:
        return azure_types.stateful(self.type)

    def as_dict(self) -> dict:
        return {
            "urn": self.urn,
            "oldUrn": self.old_urn,
            "type": self.type,
            "name": self.name,
            "kind": self.kind,
            "stateful": self.stateful,
            "properties": [{"path": p, "old": o, "new": n} for p, o, n in self.properties],
            "reasons": self.reasons,
        }


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
        return out or {prefix: {}}
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return {prefix: value}
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
        return out or {prefix: []}
    return {prefix: value}


def _property_changes(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    a, b = flatten(old), flatten(new)
    return [(p, a.get(p), b.get(p)) for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]


def diff(base: dict, head: dict) -> list[Change]:
    """Changes from the ``base`` plan contract to the ``head`` one (both as parsed JSON)."""
    old = {r["urn"]: r for r in base["resources"] if r["custom"]}
    new = {r["urn"]: r for r in head["resources"] if r["custom"]}
    changes: list[Change] = []
    for urn in sorted(set(old) & set(new)):
        props = _property_changes(old[urn]["inputs"], new[urn]["inputs"])
        if not props:
            continue
        rules = _replace_on(new[urn]["type"])
        reasons = [f"{p}: {rules[p]}" for p, _, _ in props if p in rules]
        kind = "replaced" if reasons else "changed"
        changes.append(Change(urn, new[urn]["type"], new[urn]["name"], kind, props, reasons))
    gone = {u: old[u] for u in set(old) - set(new)}
    added = {u: new[u] for u in set(new) - set(old)}
    for urn, r in sorted(added.items()):
        key = identity(r)
        twin = next((u for u, o in sorted(gone.items()) if key is not None and identity(o) == key), None)
        if twin is not None:
            props = _property_changes(gone.pop(twin)["inputs"], r["inputs"])
            reasons = [f"URN changed from {twin}: Pulumi deletes and re-creates it (add an alias to keep it)"]
            changes.append(Change(urn, r["type"], r["name"], "replaced", props, reasons, old_urn=twin))
            continue
        moved = _moved_from(r, gone, base, head)
        if moved is not None:
            old_account = gone.pop(moved)["inputs"]["accountName"]
            reasons = [
                f"moves from account {old_account} to {r['inputs']['accountName']} in the same region: a new deployment"
                " there and a deleted one here; callers' endpoint changes, and no alias can keep it"
            ]
            changes.append(Change(urn, r["type"], r["name"], "replaced", [], reasons, old_urn=moved))
        else:
            changes.append(Change(urn, r["type"], r["name"], "added"))
    changes += [Change(u, r["type"], r["name"], "removed") for u, r in sorted(gone.items())]
    order = {"replaced": 0, "removed": 1, "added": 2, "changed": 3}
    return sorted(
        changes, key=lambda c: (not c.stateful or c.kind not in ("replaced", "removed"), order[c.kind], c.urn)
    )


def _region_of(account_name: str, plan: dict) -> str | None:
    return next(
        (
            r["inputs"].get("location")
            for r in plan["resources"]
            if r["type"] == azure_types.ACCOUNT.token and r["inputs"].get("accountName") == account_name
        ),
        None,
    )


def _moved_from(added: dict, gone: dict[str, dict], base: dict, head: dict) -> str | None:
    """A deployment of the same name that left another account in the same region: the same team's model,
    moved (e.g. to another content filter's account). Paired so the reviewer sees one replacement."""
    if added["type"] != azure_types.DEPLOYMENT.token:
        return None
    name, region = added["inputs"].get("deploymentName"), _region_of(added["inputs"].get("accountName"), head)
    for urn, old in sorted(gone.items()):
        if (
            old["type"] == azure_types.DEPLOYMENT.token
            and old["inputs"].get("deploymentName") == name
            and region is not None
            and _region_of(old["inputs"].get("accountName"), base) == region
        ):
            return urn
    return None


def summary(changes: list[Change]) -> dict[str, int]:
    counts = {k: 0 for k in ("added", "changed", "replaced", "removed")}
    for c in changes:
        counts[c.kind] += 1
    return counts


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


MULTILINE = "document changed (see the gateway changes above, or the full plan)"


def _value(value) -> str:
    text = str(value)
    return MULTILINE if "\n" in text or text.lstrip().startswith("<") else md.text(text, 60)


def change_rows(changes: Iterable[Change], base: dict, head: dict) -> list[list[str]]:
    before = {r["urn"]: r["inputs"] for r in base.get("resources", [])}
    after = {r["urn"]: r["inputs"] for r in head.get("resources", [])}
    rows = []
    for c in changes:
        danger = c.stateful and c.kind in ("replaced", "removed")
        props = [
            f"{md.code(p, 60)}: {MULTILINE}"
            if _value(o) == _value(n) == MULTILINE
            else f"{md.code(p, 60)}: {_value(o)} → {_value(n)}"
            for p, o, n in c.properties[:4]
        ]
        if len(c.properties) > 4:
            props.append(f"and {len(c.properties) - 4} more")
        described, describe = "", azure_types.summary_of(c.type)
        if c.kind in ("added", "removed") and describe:
            described = md.text(describe((after if c.kind == "added" else before)[c.urn]), 200)
        details = "; ".join(x for x in [described, *(md.text(r, 240) for r in c.reasons), *props] if x)
        kind = f"**{c.kind}**" if danger else c.kind
        rows.append([kind, md.code(c.name), c.type.split(":")[-1], details])
    return rows


def markdown(changes: list[Change], base: dict, head: dict) -> str:
    """For ``--format markdown --diff-against``: the counts and every change, stateful ones first."""
    counts = summary(changes)
    out = ["#### Changes against the base branch", "", " · ".join(f"{n} {k}" for k, n in counts.items()), ""]
    if not changes:
        return "\n".join([*out, "No resource changes."])
    return "\n".join([*out, *md.table(["change", "resource", "type", "details"], change_rows(changes, base, head))])


def text(changes: list[Change]) -> str:
    counts = summary(changes)
    out = ["Changes against the base: " + ", ".join(f"{n} {k}" for k, n in counts.items())]
    for c in changes:
        mark = {"added": "+", "removed": "-", "changed": "~", "replaced": "+-"}[c.kind]
        danger = c.stateful and c.kind in ("replaced", "removed")
        out.append(f"  {mark} {c.type.split(':')[-1]} {c.name}" + (" (STATEFUL)" if danger else ""))
        out += [f"      {r}" for r in c.reasons]
        out += [f"      {p}: {_short(o)} -> {_short(n)}" for p, o, n in c.properties]
    return "\n".join(out)
