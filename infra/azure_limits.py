"""Values Azure refuses in a stack, whatever is decided: a region that does not exist, too many tags or a
reserved tag name, a globally unique name used twice. Plain Python, run by ``infra.tenancy.checks``."""

from __future__ import annotations

from infra.config import ROOT, LandingZone
from infra.diagnostics import Diagnostic, Rule, error, excerpt, join_path, rule
from infra.regions import unknown_region

MAX_TAGS = 50
"""Tags per resource (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources, Limitations)."""
OWN_TAGS = ("environment", "landingZone", "managedBy", "team", "costCenter")
"""The most tags the landing zone puts on one resource itself (a dedicated team's account)."""
RESERVED_TAG_PREFIXES = ("microsoft", "azure", "windows")
REGION_KNOWN = rule(
    "tenancy.region-known",
    "error",
    "Every region is an Azure region (infra/data/azure_regions.yaml).",
    "https://learn.microsoft.com/azure/reliability/regions-list",
)
TAG_COUNT = rule(
    "tenancy.tag-count",
    "error",
    f"The stack's tags and the landing zone's own make at most {MAX_TAGS} per resource.",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources",
)
TAG_RESERVED = rule(
    "tenancy.tag-reserved",
    "error",
    "No tag name starts with microsoft, azure or windows: those are Azure's.",
    "https://learn.microsoft.com/rest/api/resources/tags/create-or-update",
)
UNIQUE_SUBDOMAIN = rule(
    "tenancy.unique-subdomain",
    "error",
    "No two regions name the same customSubdomain (or existing account): a subdomain is a global DNS name.",
    "https://learn.microsoft.com/azure/ai-services/cognitive-services-custom-subdomains",
)


def checks(lz: LandingZone) -> list[Diagnostic]:
    """Values Azure refuses: unknown regions, too many or reserved tags, a globally unique name used twice."""
    out = []
    for i, region in enumerate(lz.regions):
        if (why := unknown_region(region.name)) is not None:
            out.append(error(f"{ROOT}.regions[{i}].name", why, rule=REGION_KNOWN))
    custom = [k for k in lz.tags if k not in OWN_TAGS]
    if len(custom) + len(OWN_TAGS) > MAX_TAGS:
        out.append(
            error(
                f"{ROOT}.tags",
                f"{len(custom)} tags and the landing zone's own {len(OWN_TAGS)} make {len(custom) + len(OWN_TAGS)};"
                f" Azure allows {MAX_TAGS} per resource: keep at most {MAX_TAGS - len(OWN_TAGS)}",
                rule=TAG_COUNT,
            )
        )
    for key in lz.tags:
        if key.lower().startswith(RESERVED_TAG_PREFIXES):
            why = "tag names starting with microsoft, azure or windows are Azure's"
            out.append(error(f"{ROOT}.tags.{key}", why, rule=TAG_RESERVED))
    # Subdomains are global DNS names; an existing account's name is its subdomain's usual source too.
    names = [(r.custom_subdomain, f"{ROOT}.regions[{i}].customSubdomain") for i, r in enumerate(lz.regions)]
    names += [
        (r.existing_account.name, f"{ROOT}.regions[{i}].existingAccount.name")
        for i, r in enumerate(lz.regions)
        if r.existing_account
    ]
    present = [(n, p) for n, p in names if n]
    out += duplicates(
        [n for n, _ in present], [p.rsplit(".", 1)[0] for _, p in present], "customSubdomain", UNIQUE_SUBDOMAIN
    )
    return out


def duplicates(names: list[str], paths: list[str], key: str, rule: Rule) -> list[Diagnostic]:
    """An error, under ``rule``, at each name already used at an earlier path."""
    seen: dict[str, str] = {}
    out = []
    for name, path in zip(names, paths, strict=True):
        if name in seen:
            why = f"duplicate {key} {excerpt(name)} (first at {seen[name]})"
            out.append(error(join_path(path, key), why, rule=rule))
        else:
            seen[name] = path
    return out
