"""Dev/prod parity: every stack of the repo should have the same tenancy and teams.

Sizes (regions, capacity, SKUs) may differ between environments; which teams
exist, how they are isolated and which model versions they call may not, or a
change tested in dev is not the change deployed in prod.
"""

from __future__ import annotations

from infra.config import ROOT, LandingZone
from infra.diagnostics import Diagnostic, convention, error, info, rule, warning
from infra.tenancy import profile

MAX_LISTED = 5
_PARITY = convention("a change tested in dev is the change deployed in prod only when their topologies match")
DRIFT = rule(
    "parity.drift",
    "warning",
    "The stack has the same tenancy, content filters, teams (profile and isolation) and model versions as the"
    " repo's other stacks; sizes may differ.",
    _PARITY,
)
DRIFT_ALLOWED = rule(
    "parity.drift-allowed",
    "info",
    "Drift from another stack, allowed by allowTopologyDrift, is still listed with its reason.",
    _PARITY,
)
DRIFT_REASON = rule(
    "parity.drift-reason", "error", "allowTopologyDrift: true comes with a topologyDriftReason.", _PARITY
)
OTHER_STACK_UNCHECKED = rule(
    "parity.other-stack-unchecked",
    "info",
    "A repo stack with errors of its own is left out of the parity check, and the plan says so.",
    convention("another stack's errors are its own plan's to list: here they are one line, and this plan goes on"),
)


def signature(lz: LandingZone) -> dict[str, object]:
    sig: dict[str, object] = {
        "tenancy": lz.tenancy,
        "contentFilters": sorted(f.name for f in lz.content_filters),
    }
    for t in lz.teams:
        sig[f"team {t.name}"] = f"{profile(t)}, isolation={t.isolation}"
        sig[f"team {t.name} models"] = sorted(f"{m.name} {m.version}" for m in t.models)
    return sig


def checks(lz: LandingZone) -> list[Diagnostic]:
    if lz.allow_topology_drift and not lz.topology_drift_reason:
        return [
            error(
                f"{ROOT}.topologyDriftReason",
                "is required when allowTopologyDrift is true: say why this stack's topology differs from the others",
                rule=DRIFT_REASON,
            )
        ]
    return []


def drift(lz: LandingZone, others: dict[str, LandingZone]) -> list[Diagnostic]:
    mine = signature(lz)
    out = []
    for stack, other in sorted(others.items()):
        theirs = signature(other)
        diffs = [
            f"{key}: {mine.get(key, 'absent')} here, {theirs.get(key, 'absent')} in {stack}"
            for key in sorted(set(mine) | set(theirs))
            if mine.get(key) != theirs.get(key)
        ]
        if not diffs:
            continue
        listed = "; ".join(diffs[:MAX_LISTED]) + (
            f"; and {len(diffs) - MAX_LISTED} more" if len(diffs) > MAX_LISTED else ""
        )
        if lz.allow_topology_drift:
            out.append(
                info(
                    ROOT,
                    f"topology differs from stack {stack} (allowed: {lz.topology_drift_reason}): {listed}",
                    rule=DRIFT_ALLOWED,
                )
            )
        else:
            out.append(
                warning(
                    ROOT,
                    f"topology differs from stack {stack}: {listed}. Keep environments alike, or set"
                    " allowTopologyDrift: true with a topologyDriftReason",
                    rule=DRIFT,
                )
            )
    return out
