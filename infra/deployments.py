"""The model deployment slice: each team's requests, resolved once per account and region.

A request in a team file (``ModelRequest``) says what a team wants everywhere; a ``Deployment`` is what one
account in one region holds: that region's capacity (``capacityByRegion``), only the regions the request
names (``regions``), the model's format from the catalog, the ID to adopt. It is built here, once, and every
rule after it (PTU sizing per region, names per account, spillover), every cost, quota, lifecycle row, output,
plan view and component reads it, never the request.
"""

from __future__ import annotations

from dataclasses import replace

from infra import aliases, naming
from infra import catalog as catalog_mod
from infra.config import DEFAULT_CONTENT_FILTER, PROVISIONED_SKUS, LandingZone, ModelRequest, Team
from infra.config.models import Region
from infra.diagnostics import Diagnostic, convention, did_you_mean, error, excerpt, info, join_path, rule
from infra.specs import AccountSpec, Deployment

PROVIDER_ACCOUNT = rule(
    "deployments.provider-account",
    "error",
    "A model of another provider than OpenAI is deployed on an AIServices (Foundry) account.",
    "https://learn.microsoft.com/azure/foundry/foundry-models/concepts/models-sold-directly-by-azure",
)


def request_checks(
    teams: list[tuple[Team, str]], catalog: catalog_mod.Catalog, today, account_kind: str | None
) -> list[Diagnostic]:
    """The catalog's verdict on each request, whatever region it lands in: model, version, lifecycle, type.

    ``account_kind`` is None when the stack's own shape is wrong (the kind is not known)."""
    diags: list[Diagnostic] = []
    for team, team_path in teams:
        for m, req in enumerate(team.models):
            path = join_path(team_path, f"models[{m}]")
            diags += [
                _with_rollout(d, team, req, catalog, today) for d in catalog_mod.check_model(req, path, catalog, today)
            ]
            model = catalog.models.get(req.name)
            if model is not None and model.format != "OpenAI" and account_kind not in (None, "AIServices"):
                # learn.microsoft.com/azure/foundry/foundry-models/concepts/models-sold-directly-by-azure: models of
                # other providers are served by a Foundry (AIServices) resource; an OpenAI account serves OpenAI's.
                diags.append(
                    error(
                        f"{path}.name",
                        f"{req.name} is a {model.format} model: only an AIServices (Foundry) account serves models of"
                        f" other providers than OpenAI; set account.kind: AIServices, or pick an OpenAI model",
                        rule=PROVIDER_ACCOUNT,
                    )
                )
    return diags


def deploys_in(req: ModelRequest, region: str) -> bool:
    """A request deploys in every region of the stack, or only in those it names."""
    return req.regions is None or region in req.regions


def most_in_a_region(team: Team, regions: list[str], account_kind: str) -> int:
    """A team's deployments in the region where it has most: what it needs of the one account it is placed on.

    Azure OpenAI caps "Standard deployments per resource" (learn.microsoft.com/azure/ai-foundry/openai/
    quotas-limits), so provisioned ones do not count there; a Foundry resource caps every deployment ("Max
    deployments per resource", learn.microsoft.com/azure/foundry/foundry-models/quotas-limits)."""
    counted = [r for r in team.models if account_kind == "AIServices" or r.sku not in PROVISIONED_SKUS]
    return max(sum(deploys_in(req, region) for req in counted) for region in regions)


def _with_rollout(d: Diagnostic, team: Team, req: ModelRequest, catalog: catalog_mod.Catalog, today) -> Diagnostic:
    """A standard version that retires soon: the warning proposes rolling its successor out behind an alias."""
    if d.rule != catalog_mod.RETIRING_SOON.id or req.sku in PROVISIONED_SKUS:
        return d
    proposal = aliases.rollout_proposal(team, req, catalog, today) or (
        "plan an upgrade: the catalog names no successor yet; when Microsoft does, roll it out behind an alias"
        ' (docs/app-teams.md, "Roll out a new model version")'
    )
    return replace(d, message=d.message.replace("plan an upgrade", proposal))


def versions_by_team(lz: LandingZone) -> dict[str, set[tuple[str, str]]]:
    """Team -> the (model, version) pairs it deploys: what another stack's promotion gate compares with."""
    return {t.name: {(m.name, m.version) for m in t.models} for t in lz.teams}


def resolve(
    team: Team, m: int, team_path: str, region: str, account: str, catalog: catalog_mod.Catalog
) -> Deployment | None:
    """Request ``m`` of ``team`` as the account ``account`` in ``region`` holds it; None where it is not deployed."""
    req: ModelRequest = team.models[m]
    if not deploys_in(req, region):
        return None
    path = join_path(team_path, f"models[{m}]")
    model = catalog.models.get(req.name)
    by_region = region in req.capacity_by_region
    return Deployment(
        name=naming.deployment(team.name, req),
        team=team.name,
        account=account,
        region=region,
        model_format=model.format if model else "OpenAI",
        model_name=req.name,
        model_version=req.version,
        sku=req.sku,
        capacity=req.capacity_by_region[region] if by_region else req.capacity,
        version_upgrade_option=catalog_mod.upgrade_option(req),
        content_filter=None if team.content_filter == DEFAULT_CONTENT_FILTER else team.content_filter,
        path=path,
        capacity_path=f"{path}.capacityByRegion.{region}" if by_region else f"{path}.capacity",
        explicit_name=req.deployment_name is not None,
        already_deployed=req.already_deployed,
        adopt=req.adopt,
        spillover=req.spillover_deployment_name,
    )


def on_account(
    lz: LandingZone,
    members: tuple[int, ...],
    region: Region,
    account: str,
    catalog: catalog_mod.Catalog,
    subscription_id: str | None,
    diags: list[Diagnostic],
) -> tuple[Deployment, ...]:
    """Every member team's deployments on the account of ``region``, in the order they deploy."""
    resolved = (
        resolve(lz.teams[i], m, lz.team_path(i), region.name, account, catalog)
        for i in members
        for m in range(len(lz.teams[i].models))
    )
    return _spillover_targets_first(
        tuple(_adopted(d, region, subscription_id, diags) for d in resolved if d is not None)
    )


def catalog_checks(
    teams: list[tuple[Team, str]],
    regions: list[Region] | None,
    catalog: catalog_mod.Catalog,
    today,
    account_kind: str | None,
) -> list[Diagnostic]:
    """The catalog's verdict on each request, then PTU sizing on each deployment it resolves to, region by region.

    ``regions`` and ``account_kind`` are None where the stack's own shape is wrong: its teams still hear the
    verdict on their requests."""
    diags = request_checks(teams, catalog, today, account_kind)
    for team, team_path in teams:
        for m in range(len(team.models)):
            for region in regions or ():
                # No account yet (this runs before accounts are decided, and on configs that never get them):
                # sizing reads only the region's capacity, so the account key stays empty.
                d = resolve(team, m, team_path, region.name, "", catalog)
                if d is not None:
                    diags += catalog_mod.check_capacity(d, catalog)
    return list(dict.fromkeys(diags))


UNIQUE_NAME = rule(
    "deployments.unique-name",
    "error",
    "Deployment names are unique on each account: the name is the deployment's ID under its account.",
    "https://learn.microsoft.com/azure/templates/microsoft.cognitiveservices/accounts/deployments",
)
SHARED_PREFIX = rule(
    "deployments.shared-prefix",
    "error",
    "On a new shared account, a deploymentName a team sets starts with the team's name.",
    convention("teams sharing an account share its namespace; the prefix says whose a deployment is"),
)
STANDARD_LIMIT = rule(
    "deployments.standard-limit",
    "error",
    "An account holds at most Azure's number of standard deployments per resource.",
    "https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits",
)


def account_checks(account: AccountSpec, catalog: catalog_mod.Catalog) -> list[Diagnostic]:
    """Unique names, the shared-account prefix, spillover and Azure's per-account limit on standard deployments."""
    out = []
    seen: dict[str, Deployment] = {}
    for d in account.deployments:
        first = seen.setdefault(d.name, d)
        if first is not d:
            out.append(
                error(
                    f"{d.path}.deploymentName",
                    f"deployment name {excerpt(d.name)} is already used on account {account.name} by {first.path};"
                    " set a unique deploymentName",
                    rule=UNIQUE_NAME,
                )
            )
        # On an existing account teams keep the names they deployed under (often the model's): uniqueness
        # above still keeps one team off another's name.
        if (
            account.tenancy == "shared"
            and d.explicit_name
            and not account.existing
            and not d.name.startswith(f"{d.team}-")
        ):
            out.append(
                error(
                    f"{d.path}.deploymentName",
                    f"{excerpt(d.name)} is on a shared account: start it with the team name, e.g. {d.team}-{d.name}",
                    rule=SHARED_PREFIX,
                )
            )
    out += _spillover_checks(account)
    standard = [d for d in account.deployments if not d.provisioned]
    limit = catalog.limits.max_standard_deployments_per_account
    if len(standard) > limit:
        out.append(
            error(
                standard[limit].path,
                f"account {account.name} would hold {len(standard)} standard deployments; Azure allows {limit}"
                " per account: remove some or move teams to another account",
                rule=STANDARD_LIMIT,
            )
        )
    return out


# Spillover (learn.microsoft.com/azure/ai-services/openai/how-to/spillover-traffic-management, "Prerequisites"):
# a global or data zone provisioned deployment as the primary; a standard deployment "in the same Azure OpenAI
# resource"; "the data processing level of your standard deployment must match your provisioned deployment (for
# example, a global provisioned deployment must be used with a global standard spillover deployment)".
SPILLOVER_TARGET = {"GlobalProvisionedManaged": "GlobalStandard", "DataZoneProvisionedManaged": "DataZoneStandard"}
_SPILLOVER = "https://learn.microsoft.com/azure/ai-services/openai/how-to/spillover-traffic-management"
SPILLOVER_PRIMARY = rule(
    "deployments.spillover-primary",
    "error",
    "Only a Global or Data Zone provisioned deployment names a spillover deployment.",
    _SPILLOVER,
)
SPILLOVER_TARGET_FOUND = rule(
    "deployments.spillover-target",
    "error",
    "The spillover deployment is on the same account as the provisioned one.",
    _SPILLOVER,
)
SPILLOVER_TEAM = rule(
    "deployments.spillover-team",
    "error",
    "A team spills over to one of its own deployments.",
    convention("the overflow is billed pay as you go: its cost stays with the team that causes it"),
)
SPILLOVER_TYPE = rule(
    "deployments.spillover-type",
    "error",
    "The spillover deployment is the standard type of the same data processing level (Global, Data Zone).",
    _SPILLOVER,
)


def _spillover_checks(account: AccountSpec) -> list[Diagnostic]:
    out = []
    by_name = {d.name: d for d in account.deployments}
    for d in account.deployments:
        if d.spillover is None:
            continue
        where = f"{d.path}.spilloverDeploymentName"
        wanted = SPILLOVER_TARGET.get(d.sku)
        target = by_name.get(d.spillover)
        if wanted is None:
            kinds = " or ".join(SPILLOVER_TARGET)
            out.append(
                error(where, f"spillover is for {kinds} deployments; {d.name} is {d.sku}", rule=SPILLOVER_PRIMARY)
            )
        elif target is None:
            own = [o.name for o in account.deployments if o.team == d.team and o.sku == wanted]
            near = did_you_mean(d.spillover, own)
            hint = f"; {near}" if near.startswith("did you mean") else "; add it to this team's models"
            out.append(
                error(
                    where,
                    f"no deployment {excerpt(d.spillover)} on account {account.name} ({account.region}): the spillover"
                    f" target must be a {wanted} deployment on the same account{hint}",
                    rule=SPILLOVER_TARGET_FOUND,
                )
            )
        elif target.team != d.team:
            out.append(
                error(
                    where,
                    f"{d.spillover} belongs to {target.team}: spill over to one of {d.team}'s own deployments, so"
                    " that the overflow's pay-as-you-go cost stays with the team that causes it",
                    rule=SPILLOVER_TEAM,
                )
            )
        elif target.sku != wanted:
            out.append(
                error(
                    where,
                    f"{d.spillover} is {target.sku}; a {d.sku} deployment spills over to {wanted} only (the data"
                    " processing level must match, and the target must be a standard deployment)",
                    rule=SPILLOVER_TYPE,
                )
            )
    return out


def _spillover_targets_first(deployments: tuple[Deployment, ...]) -> tuple[Deployment, ...]:
    """Deployment order, except that a spillover target comes before the provisioned deployment that names it,
    so that the name refers to a deployment that exists (deployments on one account still go one at a time).
    Duplicate names are kept, for the uniqueness rule to report."""
    ordered: list[Deployment] = []
    for d in deployments:
        target = next((t for t in deployments if d.spillover and t.name == d.spillover and t is not d), None)
        if target is not None and not any(t is target for t in ordered):
            ordered.append(target)
        if not any(t is d for t in ordered):
            ordered.append(d)
    return tuple(ordered)


_IMPORT = "https://www.pulumi.com/docs/iac/concepts/resources/options/import/"
ADOPT_EXISTING = rule(
    "deployments.adopt-existing",
    "error",
    "A deployment to adopt is in a region with an existingAccount: only there is one to adopt.",
    convention("adopt imports a deployment that runs on an existing account; a new account has none yet"),
)
ADOPT_SUBSCRIPTION = rule(
    "deployments.adopt-subscription",
    "error",
    "Adopting needs azure-native:subscriptionId in the stack config: the import names the deployment's Azure ID.",
    _IMPORT,
)
ADOPTED = rule(
    "deployments.adopt",
    "info",
    "A deployment to adopt is imported by the next pulumi up, not created; adopt is removed once that has run.",
    _IMPORT,
)


def _adopted(d: Deployment, region: Region, subscription_id: str | None, diags: list[Diagnostic]) -> Deployment:
    """A deployment to adopt, with the ID its import names; only an existing account has one to adopt."""
    if not d.adopt:
        return d
    existing = region.existing_account
    if existing is None:
        diags.append(
            error(
                f"{d.path}.adopt",
                f"{region.name} has no existingAccount, so there is no deployment to adopt there: remove adopt, or"
                " limit the model to the existing account's regions",
                rule=ADOPT_EXISTING,
            )
        )
        return d
    if subscription_id is None:
        diags.append(
            error(
                f"{d.path}.adopt",
                "adopting imports the deployment by its Azure ID, which needs the subscription before anything"
                " runs: set azure-native:subscriptionId in the stack config",
                rule=ADOPT_SUBSCRIPTION,
            )
        )
        return d
    diags.append(
        info(
            f"{d.path}.adopt",
            f"{d.name} on {existing.name} is imported by the next pulumi up, not created (inputs that differ from"
            " what runs are then updated to match this file); remove adopt once that has run",
            rule=ADOPTED,
        )
    )
    return replace(d, import_id=naming.deployment_id(subscription_id, existing.resource_group, existing.name, d.name))
