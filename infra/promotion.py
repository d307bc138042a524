"""The promotion gate: a stack that declares ``promotesFrom: dev`` sends alias traffic only to model versions the
same team already runs in dev. Plain Python.

The Cloud Adoption Framework asks for a promotion process with quality gates; here the gate is that a version
reaches a stack's apps through an alias only after the stack it is promoted from has run it for the same team.
A written reason (``allowPromotionDrift`` with ``promotionDriftReason``) lets a stack through, and the plan says so.
"""

from __future__ import annotations

from infra import deployments
from infra.config import ROOT, LandingZone, parse, team_files_dir
from infra.diagnostics import Diagnostic, convention, error, errors_in, info, outside_of, read_config_file, rule
from infra.specs import AliasSpec

_GATE = convention("a model version reaches a stack's apps only after the stack it is promoted from ran it")
PROMOTION = rule(
    "aliases.promotion",
    "error",
    "With promotesFrom, every deployment an alias sends traffic to runs a model version the same team runs in the"
    " stack it is promoted from.",
    _GATE,
)
PROMOTION_ALLOWED = rule(
    "aliases.promotion-allowed",
    "info",
    "A version allowed past the gate by allowPromotionDrift is still listed, with its reason.",
    _GATE,
)
PROMOTION_REASON = rule(
    "aliases.promotion-reason", "error", "allowPromotionDrift: true comes with a promotionDriftReason.", _GATE
)
PROMOTES_FROM = rule(
    "aliases.promotes-from",
    "error",
    "promotesFrom names another stack of the repository whose config is valid.",
    _GATE,
)
PATH = f"{ROOT}.promotesFrom"


def checks(lz: LandingZone) -> list[Diagnostic]:
    if lz.allow_promotion_drift and not lz.promotion_drift_reason:
        why = "is required when allowPromotionDrift is true: say why this stack serves versions its source has not run"
        return [error(f"{ROOT}.promotionDriftReason", why, rule=PROMOTION_REASON)]
    return []


def source(lz: LandingZone, stack: str | None) -> tuple[LandingZone | None, list[Diagnostic]]:
    """The stack promoted from: ``Pulumi.<promotesFrom>.yaml`` in the project (where team files are read)."""
    name = lz.promotes_from
    if name is None:
        return None, []
    if name == stack:
        why = f"{name} is this stack: name the stack its versions are promoted from"
        return None, [error(PATH, why, rule=PROMOTES_FROM)]
    root = team_files_dir()
    path = root / f"Pulumi.{name}.yaml"
    if not path.is_file() or outside_of(root, path):
        return None, [error(PATH, f"no stack {name} in the project (Pulumi.{name}.yaml)", rule=PROMOTES_FROM)]
    doc, problems = read_config_file(path, path.name)
    config = doc.get("config") if isinstance(doc, dict) else None
    raw = config.get(f"ai-landing-zone:{ROOT}") if isinstance(config, dict) else None
    found, parse_problems = parse(raw) if raw is not None and not problems else (None, [])
    if found is None or errors_in(parse_problems):
        why = f"Pulumi.{name}.yaml has errors of its own (plan --stack {name} lists them): the gate cannot check"
        return None, [error(PATH, why, rule=PROMOTES_FROM)]
    return found, []


def gate(lz: LandingZone, aliases: tuple[AliasSpec, ...], promoted_from: LandingZone) -> list[Diagnostic]:
    """Every alias target with traffic runs a version its team runs in the stack promoted from."""
    theirs = deployments.versions_by_team(promoted_from)
    out = []
    for alias in aliases:
        for j, t in enumerate(alias.targets):
            if t.weight == 0 or (t.model, t.version) in theirs.get(alias.team, set()):
                continue
            label = f"{t.model} {t.version}"
            where = f"{alias.path}.to[{j}]"
            if lz.allow_promotion_drift:
                why = f"{label} sends {t.weight}% of {alias.team}'s {alias.name} calls before {lz.promotes_from} ran it"
                out.append(info(where, f"{why} (allowed: {lz.promotion_drift_reason})", rule=PROMOTION_ALLOWED))
                continue
            why = (
                f"{label} ({t.deployment}) would get {t.weight}% of {alias.team}'s {alias.name} calls, but"
                f" {alias.team} does not run it in {lz.promotes_from} (promotesFrom): roll it out there first, give"
                " it weight 0 here, or set allowPromotionDrift: true with a promotionDriftReason"
            )
            out.append(error(where, why, rule=PROMOTION))
    return out
