"""Decides what exists: plain data in, plain data out, no Pulumi.

The decisions (which account holds which deployment, names, limits) are the
heart of the product, so they live here as pure functions that are fast to
test exhaustively. ``components/`` only declares what this returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from infra import catalog as catalog_mod
from infra.config import (
    BUILTIN_RAI_POLICY,
    DEFAULT_CONTENT_FILTER,
    PROVISIONED_SKUS,
    ROOT,
    ContentFilter,
    LandingZone,
    NetworkAcls,
    parse,
)
from infra.diagnostics import Diagnostic, error, errors_in


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    """Azure deployment name: identical in every region so that gateway failover keeps the path."""
    team: str
    model_format: str
    model_name: str
    model_version: str
    sku: str
    capacity: int
    version_upgrade_option: str
    content_filter: str | None
    """Name of a custom filter created on the account, or None for the built-in policy."""
    path: str
    """YAML path of the request that asked for it."""

    @property
    def rai_policy_name(self) -> str:
        return self.content_filter or BUILTIN_RAI_POLICY


@dataclass(frozen=True)
class AccountSpec:
    key: str
    """Stable logical name; also the prefix of every child's logical name."""
    name: str
    region: str
    role: str
    kind: str
    sku: str
    custom_subdomain: str
    resource_group_name: str
    existing: bool
    deployments: tuple[DeploymentSpec, ...]
    content_filters: tuple[ContentFilter, ...]
    teams: tuple[str, ...]
    reason: str
    """Why these deployments landed on this account, shown in the plan."""


@dataclass(frozen=True)
class Topology:
    environment: str
    location: str
    resource_group_name: str
    create_resource_group: bool
    disable_local_auth: bool
    public_network_access: str
    network_acls: NetworkAcls
    tags: dict[str, str]
    accounts: tuple[AccountSpec, ...]
    diagnostics: tuple[Diagnostic, ...]


def decide(
    raw: Any, today: dt.date, catalog: catalog_mod.Catalog | None = None
) -> tuple[Topology | None, list[Diagnostic]]:
    """Config object -> topology, or None when there is any error. Diagnostics are always returned."""
    lz, diags = parse(raw)
    if lz is None:
        return None, diags
    topology = build(lz, catalog or catalog_mod.load(), today)
    # Identical findings can repeat (one per account); say each once.
    diags = list(dict.fromkeys([*diags, *topology.diagnostics]))
    return (None if errors_in(diags) else topology), diags


def build(lz: LandingZone, catalog: catalog_mod.Catalog, today: dt.date) -> Topology:
    diags: list[Diagnostic] = []
    deployments: list[DeploymentSpec] = []
    for t, team in enumerate(lz.teams):
        custom = None if team.content_filter == DEFAULT_CONTENT_FILTER else team.content_filter
        for m, req in enumerate(team.models):
            path = f"{ROOT}.teams[{t}].models[{m}]"
            diags += catalog_mod.check_model(req, path, catalog, today)
            info = catalog.models.get(req.name)
            deployments.append(
                DeploymentSpec(
                    name=req.deployment_name or f"{team.name}-{req.name}",
                    team=team.name,
                    model_format=info.format if info else "OpenAI",
                    model_name=req.name,
                    model_version=req.version,
                    sku=req.sku,
                    capacity=req.capacity,
                    version_upgrade_option=req.version_upgrade_option,
                    content_filter=custom,
                    path=path,
                )
            )

    used_filters = {d.content_filter for d in deployments}
    filters = tuple(f for f in lz.content_filters if f.name in used_filters)
    rg_name = lz.resource_group.name or f"rg-{lz.name_prefix}-{lz.environment}"
    teams = tuple(t.name for t in lz.teams)
    accounts = []
    for region in lz.regions:
        existing = region.existing_account
        name = existing.name if existing else f"oai-{lz.name_prefix}-{lz.environment}-{region.name}"
        account = AccountSpec(
            key=f"shared-{region.name}",
            name=name,
            region=region.name,
            role=region.role,
            kind=lz.account.kind,
            sku=lz.account.sku,
            custom_subdomain=region.custom_subdomain or name,
            resource_group_name=existing.resource_group if existing else rg_name,
            existing=existing is not None,
            deployments=tuple(deployments),
            content_filters=filters,
            teams=teams,
            reason="shared: the platform account of the region hosts every team's deployments"
            + (" (existing account, not managed here)" if existing else ""),
        )
        diags += _account_limits(account, catalog)
        accounts.append(account)

    primary = next((r.name for r in lz.regions if r.role == "primary"), lz.regions[0].name)
    tags = {"environment": lz.environment, "landingZone": lz.name_prefix, "managedBy": "pulumi", **lz.tags}
    return Topology(
        environment=lz.environment,
        location=primary,
        resource_group_name=rg_name,
        create_resource_group=any(not a.existing for a in accounts),
        disable_local_auth=lz.account.disable_local_auth,
        public_network_access=lz.account.public_network_access,
        network_acls=lz.account.network_acls,
        tags=tags,
        accounts=tuple(accounts),
        diagnostics=tuple(diags),
    )


def _account_limits(account: AccountSpec, catalog: catalog_mod.Catalog) -> list[Diagnostic]:
    out = []
    seen: dict[str, DeploymentSpec] = {}
    for d in account.deployments:
        first = seen.setdefault(d.name, d)
        if first is not d:
            out.append(
                error(
                    f"{d.path}.deploymentName",
                    f"deployment name {d.name!r} is already used on account {account.name} by {first.path};"
                    " set a unique deploymentName",
                )
            )
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
