"""The URNs of stateful resources: a rename is a replacement in Azure.

Pulumi identifies a resource by its URN. When a refactor changes one (a new
logical name, a new parent), ``pulumi up`` deletes the old resource and creates
a new one: for an account that means its deployments, fine-tuned models and
soft-deleted name; for a budget, its history. ``tests/golden/prod-stateful-urns.txt``
and ``dev-stateful-urns.txt`` pin them; see the README for the workflow.
"""

from __future__ import annotations

from infra.mocks import RecordedResource

STATEFUL_TYPES = frozenset(
    {
        "azure-native:cognitiveservices:Account",
        "azure-native:cognitiveservices:Deployment",
        "azure-native:privatedns:PrivateZone",
        "azure-native:consumption:Budget",
        "azure-native:apimanagement:ApiManagementService",
        "azure-native:operationalinsights:Workspace",
        # Endpoints and the gateway's integration live in it: a new VNet cuts them off.
        "azure-native:network:VirtualNetwork",
    }
)


def stateful_urns(resources: list[RecordedResource]) -> list[str]:
    return sorted(r.urn for r in resources if r.type in STATEFUL_TYPES)


def compare(golden: list[str], current: list[str]) -> list[str]:
    """Human-readable differences; empty when nothing stateful would be renamed."""
    gone = sorted(set(golden) - set(current))
    new = sorted(set(current) - set(golden))
    out = [f"would be REPLACED or deleted (URN no longer produced): {u}" for u in gone]
    out += [f"new stateful resource (add it to the golden if intended): {u}" for u in new]
    return out
