"""The tenancy slice: which teams share which account, the accounts per region, their deployments, and who
may call them. Plain Python, no Pulumi.

- shared: one account per region per governance profile (content filter + data classification). Teams with
  the same profile share it; a team with ``isolation: dedicated`` gets its own, in the platform resource group.
- distributed: every team gets its own resource group and account per region.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

from infra import catalog as catalog_mod
from infra import naming
from infra import network as network_mod
from infra.config import DEFAULT_CONTENT_FILTER, PROVISIONED_SKUS, ROOT, LandingZone, Team
from infra.config.models import Region
from infra.diagnostics import Diagnostic, did_you_mean, error, excerpt, info, join_path
from infra.regions import not_in_stack, unknown_region
from infra.specs import (
    AccountSpec,
    DeploymentSpec,
    NetworkSpec,
    PrincipalAccess,
    ProjectSpec,
    ResourceGroupSpec,
    TeamPlacement,
)


def checks(lz: LandingZone) -> list[Diagnostic]:
    """One primary region; unique region, team and filter names; references to filters and regions resolve."""
    out: list[Diagnostic] = []
    primaries = [i for i, r in enumerate(lz.regions) if r.role == "primary"]
    if len(primaries) != 1:
        out.append(error(f"{ROOT}.regions", f"needs exactly one region with role: primary (found {len(primaries)})"))
    out += duplicates([r.name for r in lz.regions], [f"{ROOT}.regions[{i}]" for i in range(len(lz.regions))], "name")
    out += duplicates([t.name for t in lz.teams], [lz.team_path(i) for i in range(len(lz.teams))], "name")
    filter_paths = [f"{ROOT}.contentFilters[{i}]" for i in range(len(lz.content_filters))]
    out += duplicates([f.name for f in lz.content_filters], filter_paths, "name")
    out += _region_refs(lz)
    out += _azure_limits(lz)
    filters = {f.name for f in lz.content_filters}
    if DEFAULT_CONTENT_FILTER in filters:
        i = next(i for i, f in enumerate(lz.content_filters) if f.name == DEFAULT_CONTENT_FILTER)
        out.append(
            error(f"{ROOT}.contentFilters[{i}].name", "'default' means the built-in Microsoft.DefaultV2: pick another")
        )
    for i, team in enumerate(lz.teams):
        if team.content_filter != DEFAULT_CONTENT_FILTER and team.content_filter not in filters:
            near = did_you_mean(team.content_filter, [DEFAULT_CONTENT_FILTER, *filters])
            out.append(
                error(
                    join_path(lz.team_path(i), "contentFilter"),
                    f"unknown content filter {excerpt(team.content_filter)}: {near}"
                    " (or add it under landingZone.contentFilters)",
                )
            )
    if lz.account.allow_project_management and lz.account.kind != "AIServices":
        # allowProjectManagement makes an AIServices account a Foundry resource; an OpenAI account has no projects.
        out.append(error(f"{ROOT}.account.allowProjectManagement", "Foundry projects need account.kind: AIServices"))
    elif lz.account.allow_project_management and lz.gateway.enabled:
        # The connection authenticates with the project's managed identity, whose application ID exists only
        # once the project does: the gateway cannot list it before the first deployment.
        audience = project_audience(lz)
        asks = f" for {audience} ({AUDIENCE_PATH})" if audience else ""
        out.append(
            info(
                f"{ROOT}.account.allowProjectManagement",
                "each project reaches the gateway through its connection, with a token of the project's managed"
                f" identity{asks};"
                " after the first pulumi up, add that identity's application ID (az ad sp show --id"
                " <teams.<team>.projects.<region>.principalId> --query appId) to the team's callerAppIds, or the"
                " gateway answers 401",
            )
        )
        if audience and (why := _not_a_token_audience(audience)):
            out.append(error(AUDIENCE_PATH, why))
    return out


AUDIENCE_PATH = f"{ROOT}.gateway.entra.audiences[0]"
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def project_audience(lz: LandingZone) -> str | None:
    """The audience each project's gateway connection asks Entra ID for: the gateway's first accepted one, so
    that the token Foundry gets for the project's identity is one the gateway admits."""
    entra = lz.gateway.entra
    return entra.audiences[0] if lz.gateway.enabled and entra is not None and entra.audiences else None


def _not_a_token_audience(audience: str) -> str | None:
    """Why no token's ``aud`` can be ``audience``: Entra ID puts "an Application ID URI or GUID" there, the
    client ID or the resource URI used in the request
    (learn.microsoft.com/entra/identity-platform/access-token-claims-reference, ``aud``)."""
    if audience.rstrip("/").endswith("/.default"):
        base = audience.rstrip("/").removesuffix("/.default")
        return (
            f"{excerpt(audience)} is a scope, not an audience: list {base} (a token's aud never ends in /.default);"
            " each Foundry project's gateway connection asks Entra ID for a token for this first audience"
        )
    if not (_GUID.match(audience) or _ABSOLUTE_URI.match(audience)):
        return (
            f"{excerpt(audience)} is neither an application ID URI nor an application (client) ID, the values a"
            " token's aud takes: each Foundry project's gateway connection asks Entra ID for a token for this first"
            " audience and the gateway would answer 401; put the gateway app's api:// URI or client ID first"
        )
    return None


MAX_TAGS = 50
"""Tags per resource (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources, Limitations)."""
OWN_TAGS = ("environment", "landingZone", "managedBy", "team", "costCenter")
"""The most tags the landing zone puts on one resource itself (a dedicated team's account)."""
RESERVED_TAG_PREFIXES = ("microsoft", "azure", "windows")


def _azure_limits(lz: LandingZone) -> list[Diagnostic]:
    """Values Azure refuses: unknown regions, too many or reserved tags, a globally unique name used twice."""
    out = []
    for i, region in enumerate(lz.regions):
        if (why := unknown_region(region.name)) is not None:
            out.append(error(f"{ROOT}.regions[{i}].name", why))
    custom = [k for k in lz.tags if k not in OWN_TAGS]
    if len(custom) + len(OWN_TAGS) > MAX_TAGS:
        out.append(
            error(
                f"{ROOT}.tags",
                f"{len(custom)} tags and the landing zone's own {len(OWN_TAGS)} make {len(custom) + len(OWN_TAGS)};"
                f" Azure allows {MAX_TAGS} per resource: keep at most {MAX_TAGS - len(OWN_TAGS)}",
            )
        )
    for key in lz.tags:
        if key.lower().startswith(RESERVED_TAG_PREFIXES):
            out.append(error(f"{ROOT}.tags.{key}", "tag names starting with microsoft, azure or windows are Azure's"))
    # Subdomains are global DNS names; an existing account's name is its subdomain's usual source too.
    names = [(r.custom_subdomain, f"{ROOT}.regions[{i}].customSubdomain") for i, r in enumerate(lz.regions)]
    names += [
        (r.existing_account.name, f"{ROOT}.regions[{i}].existingAccount.name")
        for i, r in enumerate(lz.regions)
        if r.existing_account
    ]
    present = [(n, p) for n, p in names if n]
    out += duplicates([n for n, _ in present], [p.rsplit(".", 1)[0] for _, p in present], "customSubdomain")
    return out


def _region_refs(lz: LandingZone) -> list[Diagnostic]:
    names, out = {r.name for r in lz.regions}, []
    for t, team in enumerate(lz.teams):
        for m, model in enumerate(team.models):
            path = join_path(lz.team_path(t), f"models[{m}]")
            for key, values in (("capacityByRegion", list(model.capacity_by_region)), ("regions", model.regions or [])):
                for value in values:
                    if value not in names:
                        out.append(error(f"{path}.{key}", not_in_stack(value, names)))
    return out


def duplicates(names: list[str], paths: list[str], key: str) -> list[Diagnostic]:
    seen: dict[str, str] = {}
    out = []
    for name, path in zip(names, paths, strict=True):
        if name in seen:
            out.append(error(join_path(path, key), f"duplicate {key} {excerpt(name)} (first at {seen[name]})"))
        else:
            seen[name] = path
    return out


@dataclass(frozen=True)
class AccountGroup:
    key: str
    tenancy: Literal["shared", "dedicated"]
    members: tuple[int, ...]
    content_filter: str
    data_classification: str
    why: str


def profile(team: Team) -> str:
    return f"contentFilter={team.content_filter}, dataClassification={team.data_classification}"


def account_groups(lz: LandingZone) -> list[AccountGroup]:
    """Which teams share an account. Teams with different profiles never do."""

    def own(i: int, t: Team, why: str) -> AccountGroup:
        return AccountGroup(f"team-{t.name}", "dedicated", (i,), t.content_filter, t.data_classification, why)

    if lz.tenancy == "distributed":
        why = "tenancy: distributed gives every team its own resource group and accounts"
        return [own(i, t, why) for i, t in enumerate(lz.teams)]
    groups: list[AccountGroup] = []
    by_profile: dict[tuple[str, str], list[int]] = {}
    for i, t in enumerate(lz.teams):
        if t.isolation == "dedicated":
            groups.append(own(i, t, "isolation: dedicated"))
        else:
            by_profile.setdefault((t.content_filter, t.data_classification), []).append(i)
    for (content_filter, classification), members in by_profile.items():
        key = f"shared-{content_filter}-{classification}"
        why = "same governance profile"
        groups.append(AccountGroup(key, "shared", tuple(members), content_filter, classification, why))
    return sorted(groups, key=lambda g: g.key)


def requested_deployments(
    lz: LandingZone, catalog: catalog_mod.Catalog, today: dt.date
) -> tuple[list[list[DeploymentSpec]], list[Diagnostic]]:
    """Per team, the deployments it asks for, checked against the catalog."""
    diags: list[Diagnostic] = []
    deployments_of: list[list[DeploymentSpec]] = []
    for t, team in enumerate(lz.teams):
        custom = None if team.content_filter == DEFAULT_CONTENT_FILTER else team.content_filter
        mine = []
        for m, req in enumerate(team.models):
            path = join_path(lz.team_path(t), f"models[{m}]")
            diags += catalog_mod.check_model(req, path, catalog, today)
            info = catalog.models.get(req.name)
            if info is not None and info.format != "OpenAI" and lz.account.kind != "AIServices":
                # learn.microsoft.com/azure/foundry/foundry-models/concepts/models-sold-directly-by-azure: models of
                # other providers are served by a Foundry (AIServices) resource; an OpenAI account serves OpenAI's.
                diags.append(
                    error(
                        f"{path}.name",
                        f"{req.name} is a {info.format} model: only an AIServices (Foundry) account serves models of"
                        f" other providers than OpenAI; set account.kind: AIServices, or pick an OpenAI model",
                    )
                )
            mine.append(
                DeploymentSpec(
                    name=naming.deployment(team.name, req),
                    team=team.name,
                    model_format=info.format if info else "OpenAI",
                    model_name=req.name,
                    model_version=req.version,
                    sku=req.sku,
                    capacity=req.capacity,
                    version_upgrade_option=catalog_mod.upgrade_option(req),
                    already_deployed=req.already_deployed,
                    adopt=req.adopt,
                    spillover=req.spillover_deployment_name,
                    content_filter=custom,
                    path=path,
                    explicit_name=req.deployment_name is not None,
                    only_regions=tuple(req.regions) if req.regions is not None else None,
                    capacity_by_region=tuple(sorted(req.capacity_by_region.items())),
                )
            )
        deployments_of.append(mine)

    return deployments_of, diags


@dataclass(frozen=True)
class Accounts:
    accounts: tuple[AccountSpec, ...]
    resource_groups: dict[str, ResourceGroupSpec]
    """The ones accounts need, by key."""
    team_accounts: dict[int, list[str]]
    """Team index -> keys of its accounts."""
    platform: ResourceGroupSpec


def accounts(
    lz: LandingZone,
    groups: list[AccountGroup],
    deployments_of: list[list[DeploymentSpec]],
    network: NetworkSpec,
    catalog: catalog_mod.Catalog,
    subscription_id: str | None = None,
) -> tuple[Accounts, list[Diagnostic]]:
    """An account per group and region (or the existing one), with its deployments, filters and access."""
    diags: list[Diagnostic] = []
    primary = lz.primary_region
    base_tags = base_tags_of(lz)
    platform_rg = ResourceGroupSpec("platform", naming.platform_resource_group(lz), primary, None, base_tags)
    diags += _single_group_checks(lz, groups)
    filters = {f.name: f for f in lz.content_filters}
    resource_groups: dict[str, ResourceGroupSpec] = {}
    accounts: list[AccountSpec] = []
    team_accounts: dict[int, list[str]] = {}
    for group in groups:
        teams = [lz.teams[i] for i in group.members]
        tags = dict(base_tags)
        if group.tenancy == "dedicated":
            tags.update(team=teams[0].name, costCenter=teams[0].cost_center)
        if lz.tenancy == "distributed":
            name = naming.team_resource_group(lz, teams[0].name)
            rg = ResourceGroupSpec(f"team-{teams[0].name}", name, primary, teams[0].name, tags)
        else:
            rg = platform_rg
        suffix = group.key.removeprefix("team-")
        deployments = tuple(d for i in group.members for d in deployments_of[i])
        content_filters = (filters[group.content_filter],) if group.content_filter in filters else ()
        for region in lz.regions:
            existing = region.existing_account
            name = existing.name if existing else naming.account(lz, suffix, region.name)
            subdomain = region.custom_subdomain or name
            if not existing and len(name) > naming.MAX_ACCOUNT_NAME:
                diags.append(
                    error(
                        f"{ROOT}.namePrefix",
                        f"account name {name} would be {len(name)} characters; Azure allows {naming.MAX_ACCOUNT_NAME}:"
                        " shorten namePrefix, the environment, the team or content filter name",
                    )
                )
            if not existing:
                resource_groups.setdefault(rg.key, rg)
            account = AccountSpec(
                key=f"{group.key}-{region.name}",
                name=name,
                region=region.name,
                role=region.role,
                kind=lz.account.kind,
                sku=lz.account.sku,
                custom_subdomain=subdomain,
                resource_group=existing.resource_group if existing else rg.key,
                existing=existing is not None,
                group=group.key,
                tenancy=group.tenancy,
                deployments=_spillover_targets_first(
                    tuple(
                        _adopted(x, region, subscription_id, diags)
                        for d in deployments
                        if (x := d.in_region(region.name)) is not None
                    )
                ),
                content_filters=content_filters,
                teams=tuple(t.name for t in teams),
                access=_access(teams),
                tags=tags,
                reason=_account_reason(group, teams) + (" (existing account, not managed here)" if existing else ""),
                dns_zones=network_mod.required_zones(lz.account.kind),
                private_endpoint=network.private_endpoints and not existing,
                # Projects follow tenancy: a shared account holds one per team, a dedicated one the team's.
                projects=tuple(
                    ProjectSpec(
                        naming.project(t.name),
                        t.name,
                        naming.project_endpoint(subdomain, naming.project(t.name)),
                        gateway_audience=project_audience(lz),
                    )
                    for t in teams
                )
                if lz.account.allow_project_management and not existing
                else (),
            )
            diags += _account_limits(account, catalog)
            accounts.append(account)
            for i in group.members:
                team_accounts.setdefault(i, []).append(account.key)

    return Accounts(tuple(accounts), resource_groups, team_accounts, platform_rg), diags


# Spillover (learn.microsoft.com/azure/ai-services/openai/how-to/spillover-traffic-management, "Prerequisites"):
# a global or data zone provisioned deployment as the primary; a standard deployment "in the same Azure OpenAI
# resource"; "the data processing level of your standard deployment must match your provisioned deployment (for
# example, a global provisioned deployment must be used with a global standard spillover deployment)".
SPILLOVER_TARGET = {"GlobalProvisionedManaged": "GlobalStandard", "DataZoneProvisionedManaged": "DataZoneStandard"}


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
            out.append(error(where, f"spillover is for {kinds} deployments; {d.name} is {d.sku}"))
        elif target is None:
            own = [o.name for o in account.deployments if o.team == d.team and o.sku == wanted]
            near = did_you_mean(d.spillover, own)
            hint = f"; {near}" if near.startswith("did you mean") else "; add it to this team's models"
            out.append(
                error(
                    where,
                    f"no deployment {excerpt(d.spillover)} on account {account.name} ({account.region}): the spillover"
                    f" target must be a {wanted} deployment on the same account{hint}",
                )
            )
        elif target.team != d.team:
            out.append(
                error(
                    where,
                    f"{d.spillover} belongs to {target.team}: spill over to one of {d.team}'s own deployments, so"
                    " that the overflow's pay-as-you-go cost stays with the team that causes it",
                )
            )
        elif target.sku != wanted:
            out.append(
                error(
                    where,
                    f"{d.spillover} is {target.sku}; a {d.sku} deployment spills over to {wanted} only (the data"
                    " processing level must match, and the target must be a standard deployment)",
                )
            )
    return out


def _spillover_targets_first(deployments: tuple[DeploymentSpec, ...]) -> tuple[DeploymentSpec, ...]:
    """Deployment order, except that a spillover target comes before the provisioned deployment that names it,
    so that the name refers to a deployment that exists (deployments on one account still go one at a time).
    Duplicate names are kept, for the uniqueness rule to report."""
    ordered: list[DeploymentSpec] = []
    for d in deployments:
        target = next((t for t in deployments if d.spillover and t.name == d.spillover and t is not d), None)
        if target is not None and not any(t is target for t in ordered):
            ordered.append(target)
        if not any(t is d for t in ordered):
            ordered.append(d)
    return tuple(ordered)


def _adopted(d: DeploymentSpec, region: Region, subscription_id: str | None, diags: list[Diagnostic]) -> DeploymentSpec:
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
            )
        )
        return d
    if subscription_id is None:
        diags.append(
            error(
                f"{d.path}.adopt",
                "adopting imports the deployment by its Azure ID, which needs the subscription before anything"
                " runs: set azure-native:subscriptionId in the stack config",
            )
        )
        return d
    diags.append(
        info(
            f"{d.path}.adopt",
            f"{d.name} on {existing.name} is imported by the next pulumi up, not created (inputs that differ from"
            " what runs are then updated to match this file); remove adopt once that has run",
        )
    )
    return replace(d, import_id=naming.deployment_id(subscription_id, existing.resource_group, existing.name, d.name))


def base_tags_of(lz: LandingZone) -> dict[str, str]:
    return {"environment": lz.environment, "landingZone": lz.name_prefix, "managedBy": "pulumi", **lz.tags}


def placements(lz: LandingZone, groups: list[AccountGroup], team_accounts: dict[int, list[str]]):
    return tuple(
        _placement(lz, i, next(g for g in groups if i in g.members), team_accounts.get(i, []))
        for i in range(len(lz.teams))
    )


def _access(teams: list[Team]) -> tuple[PrincipalAccess, ...]:
    """One assignment per principal per account: a principal shared by two teams is granted once."""
    by_principal: dict[str, tuple[str, list[str]]] = {}
    for team in teams:
        for p in team.principals:
            by_principal.setdefault(p.id.lower(), (p.type, []))[1].append(team.name)
    return tuple(PrincipalAccess(pid, ptype, tuple(names)) for pid, (ptype, names) in sorted(by_principal.items()))


def _account_reason(group: AccountGroup, teams: list[Team]) -> str:
    names = ", ".join(t.name for t in teams)
    if group.tenancy == "dedicated":
        return f"dedicated to {names}: {group.why}"
    prof = profile(teams[0])
    if len(teams) == 1:
        return f"shared account for governance profile ({prof}); only {names} has this profile so far"
    return f"shared by {names}: same governance profile ({prof})"


def _placement(lz: LandingZone, index: int, group: AccountGroup, accounts: list[str]) -> TeamPlacement:
    team = lz.teams[index]
    others = tuple(lz.teams[i].name for i in group.members if i != index)
    if group.tenancy == "dedicated":
        reason = f"dedicated: {group.why}"
    elif others:
        reason = f"shared with {', '.join(others)}: same governance profile ({profile(team)})"
    else:
        reason = f"shared account of its governance profile ({profile(team)}); no other team has it yet"
    return TeamPlacement(
        name=team.name,
        cost_center=team.cost_center,
        owners=tuple(team.owners),
        group=group.key,
        tenancy=group.tenancy,
        shared_with=others,
        accounts=tuple(accounts),
        reason=reason,
    )


def _single_group_checks(lz: LandingZone, groups: list[AccountGroup]) -> list[Diagnostic]:
    """A region's existing account or custom subdomain names one account: fine only with one account group."""
    if len(groups) <= 1:
        return []
    out = []
    for i, region in enumerate(lz.regions):
        for key, value in (("existingAccount", region.existing_account), ("customSubdomain", region.custom_subdomain)):
            if value:
                out.append(
                    error(
                        f"{ROOT}.regions[{i}].{key}",
                        f"names one account, but this stack needs {len(groups)} per region"
                        f" ({', '.join(g.key for g in groups)}); give those teams the same governance profile and"
                        f" tenancy: shared, or remove {key}",
                    )
                )
    return out


def _account_limits(account: AccountSpec, catalog: catalog_mod.Catalog) -> list[Diagnostic]:
    out = []
    seen: dict[str, DeploymentSpec] = {}
    for d in account.deployments:
        first = seen.setdefault(d.name, d)
        if first is not d:
            out.append(
                error(
                    f"{d.path}.deploymentName",
                    f"deployment name {excerpt(d.name)} is already used on account {account.name} by {first.path};"
                    " set a unique deploymentName",
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
                )
            )
    out += _spillover_checks(account)
    standard = [d for d in account.deployments if d.sku not in PROVISIONED_SKUS]
    limit = catalog.limits.max_standard_deployments_per_account
    if len(standard) > limit:
        out.append(
            error(
                standard[limit].path,
                f"account {account.name} would hold {len(standard)} standard deployments; Azure allows {limit}"
                " per account: remove some or move teams to another account",
            )
        )
    return out
