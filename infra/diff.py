"""What a change does: the plan of a branch against the plan JSON of its base.

A resource is *replaced* when its URN changes (Pulumi deletes and creates it)
or when a property Azure cannot update in place changes. Those properties are
listed once, here, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.stateful import STATEFUL_TYPES

# type -> {input path: why Azure cannot change it in place}
REPLACE_ON: dict[str, dict[str, str]] = {
    "azure-native:resources:ResourceGroup": {
        "resourceGroupName": "the name is the resource group's identity",
        "location": "a resource group cannot move region",
    },
    "azure-native:cognitiveservices:Account": {
        "accountName": "the name is the account's identity (a deleted account is soft-deleted and keeps it)",
        "resourceGroupName": "moving resource groups is not an update",
        "location": "an account cannot move region",
        "kind": "the kind (OpenAI or AIServices) is fixed at creation",
        "properties.customSubDomainName": "the custom subdomain cannot change once set",
    },
    "azure-native:cognitiveservices:Deployment": {
        "accountName": "a deployment belongs to one account",
        "deploymentName": "the name is the deployment's identity, and callers' request paths",
        "properties.model.name": "a deployment serves one model; another model is a new deployment",
        "properties.model.format": "a deployment serves one model format",
    },
    "azure-native:cognitiveservices:RaiPolicy": {
        "accountName": "a content filter belongs to one account",
        "raiPolicyName": "the name is the filter's identity, and deployments refer to it",
    },
    "azure-native:network:PrivateEndpoint": {
        "privateEndpointName": "the name is the endpoint's identity",
        "subnet.id": "an endpoint cannot move subnet",
        "location": "an endpoint cannot move region",
    },
    "azure-native:network:VirtualNetwork": {
        "virtualNetworkName": "the name is the VNet's identity",
        "location": "a VNet cannot move region",
    },
    "azure-native:privatedns:PrivateZone": {"privateZoneName": "the zone name is its identity"},
    "azure-native:consumption:Budget": {
        "budgetName": "the name is the budget's identity",
        "scope": "a budget cannot move scope",
    },
    "azure-native:apimanagement:ApiManagementService": {
        "serviceName": "the name is the gateway's host name",
        "location": "the gateway cannot move region",
    },
    "azure-native:authorization:RoleAssignment": {
        "roleAssignmentName": "role assignments are immutable",
        "scope": "role assignments are immutable",
        "principalId": "role assignments are immutable",
        "roleDefinitionId": "role assignments are immutable",
    },
}

# The Azure name of a resource, to recognise a resource whose URN changed as the same resource.
IDENTITY = {
    "azure-native:cognitiveservices:Account": "accountName",
    "azure-native:cognitiveservices:Deployment": "deploymentName",
    "azure-native:consumption:Budget": "budgetName",
    "azure-native:privatedns:PrivateZone": "privateZoneName",
    "azure-native:apimanagement:ApiManagementService": "serviceName",
    "azure-native:resources:ResourceGroup": "resourceGroupName",
}


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
        return self.type in STATEFUL_TYPES

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
        rules = REPLACE_ON.get(new[urn]["type"], {})
        reasons = [f"{p}: {rules[p]}" for p, _, _ in props if p in rules]
        kind = "replaced" if reasons else "changed"
        changes.append(Change(urn, new[urn]["type"], new[urn]["name"], kind, props, reasons))
    gone = {u: old[u] for u in set(old) - set(new)}
    added = {u: new[u] for u in set(new) - set(old)}
    for urn, r in sorted(added.items()):
        key = IDENTITY.get(r["type"])
        twin = next(
            (
                u
                for u, o in gone.items()
                if o["type"] == r["type"] and key and o["inputs"].get(key) == r["inputs"].get(key)
            ),
            None,
        )
        if twin is not None:
            props = _property_changes(gone.pop(twin)["inputs"], r["inputs"])
            reasons = [f"URN changed from {twin}: Pulumi deletes and re-creates it (add an alias to keep it)"]
            changes.append(Change(urn, r["type"], r["name"], "replaced", props, reasons, old_urn=twin))
        else:
            changes.append(Change(urn, r["type"], r["name"], "added"))
    changes += [Change(u, r["type"], r["name"], "removed") for u, r in sorted(gone.items())]
    order = {"replaced": 0, "removed": 1, "added": 2, "changed": 3}
    return sorted(
        changes, key=lambda c: (not c.stateful or c.kind not in ("replaced", "removed"), order[c.kind], c.urn)
    )


def summary(changes: list[Change]) -> dict[str, int]:
    counts = {k: 0 for k in ("added", "changed", "replaced", "removed")}
    for c in changes:
        counts[c.kind] += 1
    return counts


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def markdown(changes: list[Change]) -> str:
    """For the PR comment: replacements and deletions of stateful resources first, in bold."""
    counts = summary(changes)
    out = ["#### Changes against the base branch", "", " · ".join(f"{n} {k}" for k, n in counts.items()), ""]
    if not changes:
        return "\n".join([*out, "No resource changes."])
    out += ["| change | resource | type | details |", "|---|---|---|---|"]
    for c in changes:
        danger = c.stateful and c.kind in ("replaced", "removed")
        kind = f"**{c.kind.upper()}**" if danger else c.kind
        details = "; ".join(c.reasons) if c.reasons else ""
        props = ", ".join(f"`{p}`: {_short(o)} → {_short(n)}" for p, o, n in c.properties[:6])
        if len(c.properties) > 6:
            props += f", and {len(c.properties) - 6} more"
        cell = " ".join(x for x in (details, props) if x).replace("|", "\\|")
        name = f"**`{c.name}`**" if danger else f"`{c.name}`"
        out.append(f"| {kind} | {name} | {c.type.split(':')[-1]} | {cell} |")
    return "\n".join(out)


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
