"""Aliases: stable names a team's apps call, resolved at the gateway to the team's deployments by weight, so that a
new model version rolls out (canary, blue-green) without an app changing the name it calls. Plain Python.

An alias belongs to its team: the gateway resolves it per team, so two teams may both have ``chat``. It is decided
here from the resolved deployments (``infra.deployments``), never from the requests: what the gateway forwards to
must be deployed, and deployed on every member of the team's pool, or failover would forward to nothing.
"""

from __future__ import annotations

import datetime as dt

from infra import naming
from infra.catalog import NO_AUTO_UPGRADE, Catalog, successor
from infra.config import LandingZone, ModelRequest, Team
from infra.diagnostics import Diagnostic, convention, did_you_mean, error, excerpt, info, join_path, rule
from infra.specs import AccountSpec, AliasSpec, AliasTargetSpec, Deployment

_OWN = convention("an alias is its team's: the gateway resolves it per team, and only to what that team deploys")
GATEWAY = rule(
    "aliases.gateway",
    "error",
    "Aliases need gateway.enabled: the gateway is what resolves them.",
    convention("without the gateway an app calls the account, which knows deployments, not aliases"),
)
UNIQUE = rule("aliases.unique", "error", "A team names each alias once.", _OWN)
NOT_A_DEPLOYMENT = rule(
    "aliases.not-a-deployment",
    "error",
    "An alias is not the name of a deployment of the stack: a call by that name would be ambiguous.",
    _OWN,
)
OWN_DEPLOYMENT = rule("aliases.own-deployment", "error", "An alias sends calls only to its team's deployments.", _OWN)
TARGET_ONCE = rule("aliases.target-once", "error", "An alias names each deployment once.", _OWN)
WEIGHTS = rule(
    "aliases.weights",
    "error",
    "An alias's weights are percentages that sum to 100.",
    convention("a weight is the share of the alias's calls; 0 keeps a deployment deployed with none (blue-green)"),
)
EVERY_REGION = rule(
    "aliases.every-region",
    "error",
    "Every deployment an alias names is deployed in every region of the team's pool.",
    convention("the gateway fails over within the pool with the deployment name it chose"),
)
NO_AUTO_UPGRADE_RULE = rule(
    "aliases.no-auto-upgrade",
    "error",
    "The deployments of an alias in rollout are not auto-upgraded (versionUpgradeOption: NoAutoUpgrade).",
    "https://learn.microsoft.com/azure/ai-foundry/openai/concepts/model-versions",
)
PROVISIONED_STEP = rule(
    "aliases.provisioned-step",
    "info",
    "A provisioned rollout says which step of Azure's multi-deployment migration it is at.",
    "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/working-with-models",
)
ROLLOUT_COST = rule(
    "aliases.rollout-cost",
    "info",
    "During a rollout both versions are deployed: both count against quota and budget, and the plan says how much.",
    "https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits",
)


def decide(lz: LandingZone, accounts: list[AccountSpec]) -> tuple[tuple[AliasSpec, ...], list[Diagnostic]]:
    """Every team's aliases, resolved against its deployments, and every rule on them."""
    deployed: dict[str, dict[str, list[Deployment]]] = {}
    regions: dict[str, set[str]] = {}
    for a in accounts:
        for t in a.teams:
            regions.setdefault(t, set()).add(a.region)
        for d in a.deployments:
            deployed.setdefault(d.team, {}).setdefault(d.name, []).append(d)
    owner = {name: team for team, names in deployed.items() for name in names}
    out: list[AliasSpec] = []
    diags: list[Diagnostic] = []
    for i, team in enumerate(lz.teams):
        if not team.aliases:
            continue
        team_path = lz.team_path(i)
        if not lz.gateway.enabled:
            why = "aliases are resolved by the AI gateway: set gateway.enabled (or call deployments by name)"
            diags.append(error(join_path(team_path, "aliases"), why, rule=GATEWAY))
        seen: set[str] = set()
        mine = deployed.get(team.name, {})
        for k, alias in enumerate(team.aliases):
            path = join_path(team_path, f"aliases[{k}]")
            diags += _name_checks(alias.name, path, team.name, seen, owner)
            seen.add(alias.name)
            targets, found = _targets(alias, path, team.name, mine, owner, regions.get(team.name, set()))
            diags += found
            if targets is not None:
                spec = AliasSpec(team.name, alias.name, targets, path)
                out.append(spec)
                diags += _rollout_checks(spec, mine, lz.team_path(i))
    return tuple(out), diags


def _name_checks(name: str, path: str, team: str, seen: set[str], owner: dict[str, str]) -> list[Diagnostic]:
    out = []
    if name in seen:
        out.append(error(f"{path}.name", f"alias {excerpt(name)} is named twice in {team}", rule=UNIQUE))
    if name in owner:
        whose = "one of this team's deployments" if owner[name] == team else f"a deployment of team {owner[name]}"
        why = (
            f"{excerpt(name)} is {whose}: a call by that name would mean the deployment or the alias; pick another"
            " alias name (apps call the alias, the gateway forwards to deployments)"
        )
        out.append(error(f"{path}.name", why, rule=NOT_A_DEPLOYMENT))
    return out


def _targets(
    alias, path: str, team: str, mine: dict[str, list[Deployment]], owner: dict[str, str], pool: set[str]
) -> tuple[tuple[AliasTargetSpec, ...] | None, list[Diagnostic]]:
    """The alias's targets, or None when one does not resolve to a deployment of the team in every region."""
    out: list[AliasTargetSpec] = []
    diags: list[Diagnostic] = []
    names = [t.deployment for t in alias.to]
    for j, target in enumerate(alias.to):
        where = f"{path}.to[{j}].deployment"
        if target.deployment in names[:j]:
            diags.append(error(where, f"{excerpt(target.deployment)} is named twice in this alias", rule=TARGET_ONCE))
            continue
        found = mine.get(target.deployment)
        if found is None:
            if target.deployment in owner:
                why = f"{excerpt(target.deployment)} is team {owner[target.deployment]}'s deployment, not {team}'s"
            else:
                why = f"{team} has no deployment {excerpt(target.deployment)}: {did_you_mean(target.deployment, mine)}"
            diags.append(error(where, why, rule=OWN_DEPLOYMENT))
            continue
        missing = sorted(pool - {d.region for d in found})
        if missing:
            why = (
                f"{target.deployment} is not deployed in {', '.join(missing)}, which the team's pool fails over to:"
                " deploy it there (its model's regions), or leave it out of the alias"
            )
            diags.append(error(where, why, rule=EVERY_REGION))
            continue
        d = found[0]
        out.append(AliasTargetSpec(target.deployment, target.weight, d.model_name, d.model_version, d.sku))
    total = sum(t.weight for t in alias.to)
    if total != 100:
        weights = " + ".join(str(t.weight) for t in alias.to)
        why = f"weights are percentages of the alias's calls and sum to 100 (here {weights} = {total})"
        diags.append(error(f"{path}.to", why, rule=WEIGHTS))
    return (tuple(out) if not diags else None), diags


def _rollout_checks(spec: AliasSpec, mine: dict[str, list[Deployment]], team_path: str) -> list[Diagnostic]:
    """In rollout: no auto-upgrade under it, what it costs, and where a provisioned one stands."""
    if not spec.in_rollout:
        return []
    out = []
    for t in spec.targets:
        d = mine[t.deployment][0]
        if d.version_upgrade_option != NO_AUTO_UPGRADE:
            why = (
                f"{d.name} is in the rollout of alias {spec.name} but {d.version_upgrade_option}: Azure would upgrade"
                " its version under the rollout; set versionUpgradeOption: NoAutoUpgrade"
            )
            out.append(error(f"{d.path}.versionUpgradeOption", why, rule=NO_AUTO_UPGRADE_RULE))
    # No weights here: moving them is the rollout's every step, and this would then read as a new finding.
    capacity = ", ".join(
        f"{t.deployment} ({t.model} {t.version}): "
        + " + ".join(f"{d.capacity} in {d.region}" for d in mine[t.deployment])
        for t in spec.targets
    )
    out.append(
        info(
            spec.path,
            f"{spec.team} {spec.name}: during the rollout every deployment counts against quota and budget, whatever"
            f" its share of calls: {capacity} capacity units",
            rule=ROLLOUT_COST,
        )
    )
    if any(mine[t.deployment][0].provisioned for t in spec.targets):
        out.append(info(spec.path, _provisioned_step(spec), rule=PROVISIONED_STEP))
    return out


def _provisioned_step(spec: AliasSpec) -> str:
    """Azure's multi-deployment migration: create the new deployment, move traffic until the old one has none,
    check that its Azure OpenAI Requests metric shows no call for 5-10 minutes, then delete it. The deployment in
    service is listed first (docs/app-teams.md, "Roll out a new model version")."""
    old, new = spec.targets[0], ", ".join(t.deployment for t in spec.targets[1:])
    head = f"{spec.team} {spec.name} (provisioned rollout): "
    if old.weight == 100:
        return head + f"step 1 of 4, {new} is deployed and gets no traffic yet: move traffic to it in steps"
    if old.weight == 0:
        return head + (
            f"step 3 of 4, {old.deployment} gets no traffic: once its Azure OpenAI Requests metric shows no call for"
            f" 5-10 minutes, remove it from the alias and from models (step 4), which releases its PTUs"
        )
    shares = ", ".join(f"{t.deployment} {t.weight}%" for t in spec.targets)
    return head + f"step 2 of 4, traffic is moving ({shares})"


def rollout_proposal(team: Team, req: ModelRequest, catalog: Catalog, today: dt.date) -> str | None:
    """For a standard deployment whose version retires soon: the YAML to paste that rolls its successor out behind
    an alias at 10%, or None when the catalog names no successor."""
    model = catalog.models.get(req.name)
    target = successor(req.name, model, req.version, today) if model else None
    if target is None:
        return None
    name, version = target
    current = naming.deployment(team.name, req)
    new = f"{team.name}-{name}" if name != req.name else f"{current}-{version}"
    deployment = (
        f'{{name: {name}, version: "{version}", sku: {req.sku}, capacity: {req.capacity}, deploymentName: {new},'
        f" versionUpgradeOption: {NO_AUTO_UPGRADE}}}"
    )
    mine = next((a for a in team.aliases if any(t.deployment == current for t in a.to)), None)
    if mine is not None:
        alias = f"add {{deployment: {new}, weight: 10}} to alias {mine.name} and take 10 off the others' weights"
    else:
        alias = (
            f"add to aliases {{name: {req.name}, to: [{{deployment: {current}, weight: 90}}, {{deployment: {new},"
            " weight: 10}]} and call the alias from your apps"
        )
    pinned = f"; pin this one: versionUpgradeOption: {NO_AUTO_UPGRADE}"
    pinned = "" if req.version_upgrade_option == NO_AUTO_UPGRADE else pinned
    return (
        f'roll out {name} {version} behind an alias (docs/app-teams.md, "Roll out a new model version"): add to'
        f" models {deployment}, {alias}{pinned}"
    )
