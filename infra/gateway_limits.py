"""API Management's limits per tier, each with where it was read, and the rules that hold the decided gateway
to them (``limit_rules``, run by ``infra.gateway.rules``). The pool size is checked on the config, in
``infra.gateway_checks``. Plain Python.

Microsoft revised the limits in 2026 (rolled out March to May 2026, by tier): classic tiers now share the v2
tiers' numbers, and "limits are enforced for a smaller set of resource types ... such as API operations, tags,
products, and subscriptions" (learn.microsoft.com/azure/api-management/service-limits). The revised table has
no count of APIs (API operations replace it) and no count of backends. The former 100 backends per instance,
in every tier, is kept here as what it now is: the last published number, which the plan warns about rather
than refuses. A tier missing from a limit has no published number: nothing is checked for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.gateway_policy import OPERATIONS, PolicyRoutingArgs, render_api_policy
from infra.config import ROOT, LandingZone
from infra.diagnostics import Diagnostic, error, join_path, rule, warning
from infra.specs import GatewayApi, GatewaySpec

SERVICE_LIMITS = (
    "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits"
    "#azure-api-management-limits"
)
"""The 2026 table ("Limits - API Management classic and v2 tiers") and the gateway runtime limits."""
LIMITS_2026 = "https://learn.microsoft.com/azure/api-management/service-limits"
"""Why the limits changed in 2026, and what the revision stopped enforcing."""
BACKENDS_PAGE = "https://learn.microsoft.com/azure/api-management/backends"
BACKENDS_2024 = (
    "https://github.com/MicrosoftDocs/azure-docs/blob/7324c251fa3e1051d5468bfbba1a8fd515310296/includes/"
    "api-management-service-limits-v2.md"
)
"""The v2 tiers' table that listed "Maximum number of backends per service instance: 100" (the classic tiers'
table of 2025 listed the same 100; the 2026 revision lists neither)."""
LIMITS_REVISION = "https://github.com/MicrosoftDocs/azure-docs/commit/4b703ee1dc82d7545a8dd7a5822f71018eb60436"
"""The docs change ("[APIM] Updated classic and v2 limits") that dropped the backends and APIs rows."""

TIERS = ("Consumption", "Developer", "Basic", "BasicV2", "Standard", "StandardV2", "Premium", "PremiumV2")
SUGGESTED_TIERS = ("StandardV2", "Premium")
"""The bigger tiers a way out may name: production tiers that reach private accounts, in the provider's API
(``infra.gateway_checks`` refuses Consumption and Premium v2, Developer in prod, and the tiers that join no VNet
in front of private accounts)."""


@dataclass(frozen=True)
class Limit:
    what: str
    """What is counted, plural, as a message says it: ``products``."""
    per_tier: dict[str, int]
    """Tier -> the most one instance holds; a tier absent has no published number."""
    sources: tuple[str, ...]
    cite: str
    """The source as a message names it, without the scheme."""

    def of(self, tier: str) -> int | None:
        return self.per_tier.get(tier)


def _by_tier(consumption: int | None, developer: int, basic: int, standard: int, premium: int) -> dict[str, int]:
    """The 2026 table's columns: Consumption, Developer, Basic / Basic v2, Standard / Standard v2, Premium /
    Premium v2 (N/A: ``None``)."""
    values = (consumption, developer, basic, basic, standard, standard, premium, premium)
    return {tier: v for tier, v in zip(TIERS, values, strict=True) if v is not None}


_CITE = SERVICE_LIMITS.removeprefix("https://").split("#")[0]

PRODUCTS = Limit("products", _by_tier(100, 100, 200, 500, 2_000), (SERVICE_LIMITS,), _CITE)
SUBSCRIPTIONS = Limit("subscriptions", _by_tier(None, 10_000, 15_000, 25_000, 75_000), (SERVICE_LIMITS,), _CITE)
API_OPERATIONS = Limit(
    "API operations", _by_tier(3_000, 3_000, 10_000, 50_000, 75_000), (SERVICE_LIMITS, LIMITS_2026), _CITE
)
"""Versions and revisions count too; the landing zone makes none."""
POLICY_BYTES = Limit(
    "bytes per policy document",
    {tier: 16 * 1024 if tier == "Consumption" else 512 * 1024 for tier in TIERS},
    (SERVICE_LIMITS,),
    f"{_CITE}, gateway runtime limits",
)
"""512 KiB in the classic and v2 tiers, 16 KiB in Consumption (it was 256 KiB before the 2026 revision)."""
POOL_MEMBERS = Limit(
    "backends in a pool", dict.fromkeys(TIERS, 30), (BACKENDS_PAGE,), BACKENDS_PAGE.removeprefix("https://")
)
"""'You can include up to 30 backends in a pool.'"""
BACKENDS = Limit(
    "backends per instance",
    dict.fromkeys(TIERS, 100),
    (BACKENDS_2024, LIMITS_REVISION, LIMITS_2026),
    LIMITS_2026.removeprefix("https://"),
)
"""A pool is a backend too (``type: Pool``). Published until 2026; the revised limits list none."""


def bigger_tiers(limit: Limit, needed: int, tier: str) -> list[str]:
    """``Tier (limit)`` for each suggested tier other than ``tier`` that holds ``needed``."""
    return [
        f"{t} ({limit.of(t):,})"
        for t in SUGGESTED_TIERS
        if t != tier and (limit.of(t) or 0) >= needed and (limit.of(t) or 0) > (limit.of(tier) or 0)
    ]


BACKEND_COUNT = rule(
    "gateway.backends",
    "warning",
    "One gateway holds at most 100 backends, a pool counting as one (published until the 2026 revision).",
    *BACKENDS.sources,
)


PRODUCT_COUNT = rule(
    "gateway.products",
    "error",
    "The tier holds a product per team with subscriptionKeys (Developer 100 ... Premium 2,000).",
    *PRODUCTS.sources,
)


SUBSCRIPTION_COUNT = rule(
    "gateway.subscriptions",
    "error",
    "The tier holds a subscription per key team and API (Developer 10,000 ... Premium 75,000).",
    *SUBSCRIPTIONS.sources,
)


OPERATION_COUNT = rule(
    "gateway.api-operations",
    "error",
    "The tier holds every API's operations (Developer 3,000 ... Premium 75,000).",
    *API_OPERATIONS.sources,
)


POLICY_SIZE = rule(
    "gateway.policy-size",
    "error",
    "Each API's rendered policy is at most 512 KiB (16 KiB in Consumption).",
    *POLICY_BYTES.sources,
)


def backend_count(spec: GatewaySpec) -> tuple[int, int]:
    """(account backends, pools) on the instance: a ``Single`` backend per pool member and a ``Pool`` per API."""
    return sum(len(api.members) for api in spec.apis), len(spec.apis)


def policy_bytes(spec: GatewaySpec, api: GatewayApi) -> int:
    """The size of the API's policy, rendered from the spec as the program declares it."""
    routing = PolicyRoutingArgs(
        pool=api.pool,
        pool_size=len(api.members),
        primary_backend=api.members[0].account,
        failure_count=spec.failure_count,
    )
    return len(render_api_policy(spec.tenant_id, list(spec.audiences), routing, api.team_args()).encode())


def _over(limit: Limit, tier: str, needed: int) -> int | None:
    """The tier's limit when ``needed`` passes it; None when it fits or the tier has no published number."""
    most = limit.of(tier)
    return most if most is not None and needed > most else None


ANOTHER_GATEWAY = "or put some teams behind another gateway (another stack)"


def limit_rules(spec: GatewaySpec, lz: LandingZone | None = None) -> list[Diagnostic]:
    """What one instance of the tier holds: backends, products, subscriptions, API operations, policy size.
    ``lz`` makes the ways out precise (the tenancy, each team's path); without it they are general."""
    return [*_backend_rules(spec, lz), *_count_rules(spec, lz), *_policy_rules(spec, lz)]


def _fewer_groups(lz: LandingZone | None, each: str) -> str:
    """The way to fewer account groups, each with ``each`` (a pool, an API) of its own."""
    if lz is not None and lz.tenancy == "shared":
        return f"fewer dedicated teams or governance profiles ({each} each)"
    return f"tenancy: shared ({each} per governance profile, not per team)"


def _backend_rules(spec: GatewaySpec, lz: LandingZone | None) -> list[Diagnostic]:
    members, pools = backend_count(spec)
    if (most := _over(BACKENDS, spec.sku, members + pools)) is None:
        return []
    return [
        warning(
            f"{ROOT}.tenancy",
            f"this gateway would hold {members + pools:,} backends ({members:,} accounts and {pools:,} pools; a pool"
            f" is a backend): API Management published a limit of {most} backends per instance, in every tier,"
            f" until its 2026 revision ({BACKENDS.cite}), which lists none. If the instance refuses them:"
            f" {_fewer_groups(lz, 'a pool')}, fewer regions (a backend per region in every pool), {ANOTHER_GATEWAY}",
            rule=BACKEND_COUNT,
        )
    ]


def _count_rules(spec: GatewaySpec, lz: LandingZone | None) -> list[Diagnostic]:
    """Products and subscriptions (key teams), API operations (account groups): a bigger tier holds more."""
    keys = "give some teams callerAppIds instead of subscriptionKeys"
    per_api = len(OPERATIONS)
    counts = (
        (
            PRODUCTS,
            len({t.team for api in spec.apis for t in api.teams if t.subscription_key}),
            ", one per team with subscriptionKeys",
            keys,
            PRODUCT_COUNT,
        ),
        (
            SUBSCRIPTIONS,
            sum(t.subscription_key for api in spec.apis for t in api.teams),
            ", one per team with subscriptionKeys on each API it calls",
            keys,
            SUBSCRIPTION_COUNT,
        ),
        (
            API_OPERATIONS,
            len(spec.apis) * per_api,
            f": {len(spec.apis):,} APIs (one per account group) of {per_api} operations each",
            _fewer_groups(lz, "an API"),
            OPERATION_COUNT,
        ),
    )
    out = []
    for limit, needed, why, fix, refused_by in counts:
        if (most := _over(limit, spec.sku, needed)) is None:
            continue
        bigger = " or ".join(bigger_tiers(limit, needed, spec.sku))
        ways = f"a bigger tier such as {bigger}, {fix}" if bigger else fix
        out.append(
            error(
                f"{ROOT}.gateway.sku",
                f"{spec.sku} holds at most {most:,} {limit.what}; this gateway needs {needed:,}{why}"
                f" ({limit.cite}): {ways}, {ANOTHER_GATEWAY}",
                rule=refused_by,
            )
        )
    return out


def _policy_rules(spec: GatewaySpec, lz: LandingZone | None) -> list[Diagnostic]:
    """Each API's policy lists its teams' caller app IDs and a token limit per team: it grows with both."""
    most = POLICY_BYTES.of(spec.sku)
    if most is None:
        return []
    paths = {t.name: lz.team_path(i) for i, t in enumerate(lz.teams)} if lz is not None else {}
    out = []
    for api in spec.apis:
        try:
            size = policy_bytes(spec, api)
        except ValueError:  # a value the policy refuses, which gateway.token-limit reports
            continue
        if size <= most:
            continue
        apps = sum(len(t.caller_app_ids) for t in api.teams)
        if len(api.teams) == 1 and api.teams[0].team in paths:
            path, fix = join_path(paths[api.teams[0].team], "callerAppIds"), "fewer callerAppIds"
        else:
            path = f"{ROOT}.tenancy"
            fix = "give some teams an API of their own (isolation: dedicated, or tenancy: distributed), or fewer"
            fix += " callerAppIds"
        out.append(
            error(
                path,
                f"the policy of API {api.group} would be {size / 1024:,.0f} KiB ({len(api.teams):,} teams,"
                f" {apps:,} callerAppIds); {spec.sku} takes at most {most // 1024:,} KiB per policy document"
                f" ({POLICY_BYTES.cite}): {fix}",
                rule=POLICY_SIZE,
            )
        )
    return out
