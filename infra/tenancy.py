"""The tenancy slice: which teams share which account, the accounts per region, their deployments, and who
may call them. Plain Python, no Pulumi.

- shared: one account per region per governance profile (content filter + data classification). Teams with
  the same profile share it; a team with ``isolation: dedicated`` gets its own, in the platform resource group.
- distributed: every team gets its own resource group and account per region.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

from infra import azure_limits, deployments, naming
from infra import catalog as catalog_mod
from infra import network as network_mod
from infra.azure_limits import duplicates
from infra.config import DEFAULT_CONTENT_FILTER, ROOT, LandingZone, Team
from infra.diagnostics import Diagnostic, convention, did_you_mean, error, excerpt, info, join_path, rule
from infra.regions import not_in_stack
from infra.specs import (
    AccountSpec,
    NetworkSpec,
    PrincipalAccess,
    ProjectSpec,
    ResourceGroupSpec,
    TeamPlacement,
    platform_group_key,
)

_NAMES_ARE_KEYS = convention("teams, regions and filters are referred to by name: a name means one of them")
PRIMARY_REGION = rule(
    "tenancy.primary-region",
    "error",
    "Exactly one region has role: primary.",
    convention("the primary holds the platform resource group and is first in every failover pool"),
)
UNIQUE_NAME = rule("tenancy.unique-name", "error", "Region, team and content filter names are unique.", _NAMES_ARE_KEYS)
DEFAULT_FILTER = rule(
    "tenancy.default-filter",
    "error",
    "No content filter is named default: that is Microsoft.DefaultV2.",
    _NAMES_ARE_KEYS,
)
CONTENT_FILTER = rule(
    "tenancy.content-filter", "error", "A team's contentFilter is default or one of contentFilters.", _NAMES_ARE_KEYS
)
REGION_REF = rule(
    "tenancy.region-ref",
    "error",
    "A model's capacityByRegion and regions name regions of the stack.",
    convention("a region the stack has no account in deploys nothing"),
)
PROJECTS_KIND = rule(
    "tenancy.projects-kind",
    "error",
    "allowProjectManagement (Foundry projects) is set on an AIServices account only.",
    "https://learn.microsoft.com/azure/ai-foundry/how-to/upgrade-azure-openai",
)
PROJECT_CALLERS = rule(
    "tenancy.project-callers",
    "info",
    "Behind the gateway, each project's identity is to be added to its team's callerAppIds after the first pulumi up.",
    "https://learn.microsoft.com/azure/foundry/agents/how-to/ai-gateway",
)
PROJECT_AUDIENCE = rule(
    "tenancy.project-audience",
    "error",
    "The gateway's first audience, which each project's connection asks Entra ID for, is one a token's aud can carry.",
    "https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference",
)


def checks(lz: LandingZone) -> list[Diagnostic]:
    """One primary region; unique region, team and filter names; references to filters and regions resolve."""
    out: list[Diagnostic] = []
    primaries = [i for i, r in enumerate(lz.regions) if r.role == "primary"]
    if len(primaries) != 1:
        why = f"needs exactly one region with role: primary (found {len(primaries)})"
        out.append(error(f"{ROOT}.regions", why, rule=PRIMARY_REGION))
    region_paths = [f"{ROOT}.regions[{i}]" for i in range(len(lz.regions))]
    out += duplicates([r.name for r in lz.regions], region_paths, "name", UNIQUE_NAME)
    team_paths = [lz.team_path(i) for i in range(len(lz.teams))]
    out += duplicates([t.name for t in lz.teams], team_paths, "name", UNIQUE_NAME)
    filter_paths = [f"{ROOT}.contentFilters[{i}]" for i in range(len(lz.content_filters))]
    out += duplicates([f.name for f in lz.content_filters], filter_paths, "name", UNIQUE_NAME)
    out += _region_refs(lz)
    out += azure_limits.checks(lz)
    filters = {f.name for f in lz.content_filters}
    if DEFAULT_CONTENT_FILTER in filters:
        i = next(i for i, f in enumerate(lz.content_filters) if f.name == DEFAULT_CONTENT_FILTER)
        why = "'default' means the built-in Microsoft.DefaultV2: pick another"
        out.append(error(f"{ROOT}.contentFilters[{i}].name", why, rule=DEFAULT_FILTER))
    for i, team in enumerate(lz.teams):
        if team.content_filter != DEFAULT_CONTENT_FILTER and team.content_filter not in filters:
            near = did_you_mean(team.content_filter, [DEFAULT_CONTENT_FILTER, *filters])
            out.append(
                error(
                    join_path(lz.team_path(i), "contentFilter"),
                    f"unknown content filter {excerpt(team.content_filter)}: {near}"
                    " (or add it under landingZone.contentFilters)",
                    rule=CONTENT_FILTER,
                )
            )
    if lz.account.allow_project_management and lz.account.kind != "AIServices":
        # allowProjectManagement makes an AIServices account a Foundry resource; an OpenAI account has no projects.
        why = "Foundry projects need account.kind: AIServices"
        out.append(error(f"{ROOT}.account.allowProjectManagement", why, rule=PROJECTS_KIND))
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
                rule=PROJECT_CALLERS,
            )
        )
        if audience and (why := _not_a_token_audience(audience)):
            out.append(error(AUDIENCE_PATH, why, rule=PROJECT_AUDIENCE))
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


def _region_refs(lz: LandingZone) -> list[Diagnostic]:
    names, out = {r.name for r in lz.regions}, []
    for t, team in enumerate(lz.teams):
        for m, model in enumerate(team.models):
            path = join_path(lz.team_path(t), f"models[{m}]")
            for key, values in (("capacityByRegion", list(model.capacity_by_region)), ("regions", model.regions or [])):
                for value in values:
                    if value not in names:
                        out.append(error(f"{path}.{key}", not_in_stack(value, names), rule=REGION_REF))
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
    network: NetworkSpec,
    catalog: catalog_mod.Catalog,
    subscription_id: str | None = None,
    subscription_of: dict[str, str | None] | None = None,
) -> tuple[Accounts, list[Diagnostic]]:
    """An account per group and region (or the existing one), with its deployments, filters and access; each
    group's accounts in its subscription (``subscription_of``, ``infra.subscriptions``: None, the stack's own)."""
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
        subscription = (subscription_of or {}).get(group.key)
        if lz.tenancy == "distributed":
            name = naming.team_resource_group(lz, teams[0].name)
            rg = ResourceGroupSpec(f"team-{teams[0].name}", name, primary, teams[0].name, tags, subscription)
        else:
            rg = platform_group_in(platform_rg, subscription)
        suffix = group.key.removeprefix("team-")
        content_filters = (filters[group.content_filter],) if group.content_filter in filters else ()
        for region in lz.regions:
            existing = region.existing_account
            name = existing.name if existing else naming.account(lz, suffix, region.name)
            subdomain = region.custom_subdomain or name
            if not existing:
                diags += _name_length(name)
                resource_groups.setdefault(rg.key, rg)
            key = f"{group.key}-{region.name}"
            account = AccountSpec(
                key=key,
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
                deployments=deployments.on_account(lz, group.members, region, key, catalog, subscription_id, diags),
                content_filters=content_filters,
                teams=tuple(t.name for t in teams),
                access=_access(teams),
                tags=tags,
                reason=_account_reason(group, teams) + (" (existing account, not managed here)" if existing else ""),
                dns_zones=network_mod.required_zones(lz.account.kind),
                private_endpoint=network.private_endpoints and not existing,
                private_endpoint_name=naming.private_endpoint(name),
                projects=_projects(lz, teams, subdomain) if not existing else (),
                subscription=None if existing else subscription,
            )
            diags += deployments.account_checks(account, catalog)
            accounts.append(account)
            for i in group.members:
                team_accounts.setdefault(i, []).append(account.key)
    return Accounts(tuple(accounts), resource_groups, team_accounts, platform_rg), diags


def platform_group_in(platform: ResourceGroupSpec, subscription: str | None) -> ResourceGroupSpec:
    """The platform's resource group in a subscription: its name again (names are unique per subscription)."""
    if subscription is None:
        return platform
    return dataclasses.replace(platform, key=platform_group_key(subscription), subscription=subscription)


ACCOUNT_NAME_LENGTH = rule(
    "tenancy.account-name-length",
    "error",
    f"An account name the landing zone builds is at most {naming.MAX_ACCOUNT_NAME} characters.",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules",
)


def _name_length(name: str) -> list[Diagnostic]:
    if len(name) <= naming.MAX_ACCOUNT_NAME:
        return []
    return [
        error(
            f"{ROOT}.namePrefix",
            f"account name {name} would be {len(name)} characters; Azure allows {naming.MAX_ACCOUNT_NAME}:"
            " shorten namePrefix, the environment, the team or content filter name",
            rule=ACCOUNT_NAME_LENGTH,
        )
    ]


def _projects(lz: LandingZone, teams: list[Team], subdomain: str) -> tuple[ProjectSpec, ...]:
    """Projects follow tenancy: a shared account holds one per team, a dedicated one the team's."""
    if not lz.account.allow_project_management:
        return ()
    return tuple(
        ProjectSpec(
            naming.project(t.name),
            t.name,
            naming.project_endpoint(subdomain, naming.project(t.name)),
            gateway_audience=project_audience(lz),
        )
        for t in teams
    )


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


ONE_ACCOUNT_PER_REGION = rule(
    "tenancy.one-account-per-region",
    "error",
    "A region's existingAccount or customSubdomain is set only when the stack needs one account per region.",
    convention("each names one account; teams of other profiles or tenancy would need more"),
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
                        rule=ONE_ACCOUNT_PER_REGION,
                    )
                )
    return out
