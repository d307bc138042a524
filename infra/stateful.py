"""The URNs of stateful resources: a rename is a replacement in Azure.

Pulumi identifies a resource by its URN. When a refactor changes one (a new
logical name, a new parent), ``pulumi up`` deletes the old resource and creates
a new one: for an account that means its deployments, fine-tuned models and
soft-deleted name; for a budget, its history. ``tests/golden/prod-stateful-urns.txt``
and ``dev-stateful-urns.txt`` pin them; see docs/operating.md for the workflow.
"""

from __future__ import annotations

from infra import azure_types
from infra.mocks import RecordedResource


def stateful_urns(resources: list[RecordedResource]) -> list[str]:
    """Which types are stateful is the registry's (``infra/azure_types.py``, ``stateful``)."""
    return sorted(r.urn for r in resources if azure_types.stateful(r.type))


def compare(golden: list[str], current: list[str]) -> list[str]:
    """Human-readable differences; empty when nothing stateful would be renamed."""
    gone = sorted(set(golden) - set(current))
    new = sorted(set(current) - set(golden))
    out = [f"would be REPLACED or deleted (URN no longer produced): {u}" for u in gone]
    out += [f"new stateful resource (add it to the golden if intended): {u}" for u in new]
    return out
