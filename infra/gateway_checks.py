"""The gateway's rules on the config: which API Management tier reaches what, and what a tier refuses.

The config is checked here before anything is decided (``infra.rules``); the decisions, and the rules that
read them, are in ``infra.gateway``. Plain Python.
"""

from __future__ import annotations

from infra.config import GATEWAY_DNS_ZONE, ROOT, LandingZone
from infra.diagnostics import Diagnostic, convention, error, info, rule, warning
from infra.gateway_limits import POOL_MEMBERS

# Which tiers reach a VNet (learn.microsoft.com/azure/api-management/api-management-features and
# virtual-network-concepts): outbound VNet integration is Standard v2 (and Premium v2); VNet injection is
# Developer and Premium (classic) and Premium v2; Basic, Standard, Basic v2 and Consumption have neither.
# Circuit breakers on backends are not supported in Consumption (learn.microsoft.com/azure/api-management/backends).
GATEWAY_NETWORK = {
    "StandardV2": "integration",
    "Developer": "injection",
    "Premium": "injection",
    "BasicV2": "none",
    "Basic": "none",
    "Standard": "none",
}


MAX_POOL_MEMBERS = POOL_MEMBERS.of("StandardV2")
"""A member per region; every tier takes the same number (``infra.gateway_limits``)."""
PRIMARY_PRIORITY, SECONDARY_PRIORITY = 1, 2
"""The primary region alone first; every secondary in the next group, splitting its traffic by ``weight``."""


APIM_DOCS = "https://learn.microsoft.com/azure/api-management/"


BACKENDS, FEATURES, VNETS = (
    f"{APIM_DOCS}backends",
    f"{APIM_DOCS}api-management-features",
    f"{APIM_DOCS}virtual-network-concepts",
)


OUTBOUND, ENDPOINT = f"{APIM_DOCS}integrate-vnet-outbound", f"{APIM_DOCS}private-endpoint"


SERVICE_API = "https://learn.microsoft.com/azure/templates/microsoft.apimanagement/2024-05-01/service"


CONSUMPTION = rule("gateway.consumption", "error", "The gateway is not on Consumption: no circuit breakers.", BACKENDS)


PREMIUM_V2 = rule(
    "gateway.premium-v2",
    "error",
    "The gateway is not PremiumV2, which API 2024-05-01 (azure-native's) lacks.",
    SERVICE_API,
)


DEVELOPER_IN_PROD = rule("gateway.developer-in-prod", "error", "A prod gateway is not Developer: no SLA.", FEATURES)


ENTRA = rule(
    "gateway.entra",
    "error",
    "An enabled gateway has entra: the tenant and audiences of its callers' tokens.",
    convention("callers are keyless: the gateway validates their Entra tokens"),
)


PUBLISHER_EMAIL = rule("gateway.publisher-email", "error", "An enabled gateway has a publisherEmail.", SERVICE_API)


MONITORING = rule(
    "gateway.monitoring",
    "error",
    "An enabled gateway comes with monitoring, where its per-team token metrics and logs go.",
    convention("chargeback per team reads the gateway's token metrics"),
)


POOL_SIZE = rule(
    "gateway.pool-size", "error", "A backend pool holds at most 30 members (regions).", *POOL_MEMBERS.sources
)


PUBLIC_ACCOUNTS = rule(
    "gateway.public-accounts",
    "warning",
    "A gateway in front of public accounts needs its outbound addresses in allowedIps.",
    convention("a public account denies every address its allow-list does not name, the gateway's too"),
)


VNET_TIER = rule(
    "gateway.vnet-tier", "error", "In front of private accounts, the gateway's tier joins a VNet.", FEATURES, VNETS
)


SUBNET = rule(
    "gateway.subnet", "error", "A gateway that joins a VNet has a subnet in the primary region.", OUTBOUND, VNETS
)


PRIMARY_WEIGHT = rule(
    "gateway.primary-weight", "error", "The primary, alone in priority 1, has no weight: it would do nothing.", BACKENDS
)


ENDPOINT_TIER = rule(
    "gateway.private-endpoint-tier",
    "error",
    "A gateway private endpoint is on a tier that takes one.",
    ENDPOINT,
    FEATURES,
)


ENDPOINT_INJECTED = rule(
    "gateway.private-endpoint-injected", "error", "A gateway injected into a VNet takes no private endpoint.", ENDPOINT
)


ENDPOINT_SUBNET = rule(
    "gateway.private-endpoint-subnet",
    "error",
    "A gateway private endpoint comes with network.privateEndpoints.",
    ENDPOINT,
)


HUB_ZONE = rule("gateway.hub-zone", "error", "With hub DNS, zoneIds holds privatelink.azure-api.net.", ENDPOINT)


ACCESS_DISABLED = rule(
    "gateway.public-access-disabled",
    "error",
    "publicNetworkAccess: Disabled leaves a way in: a private endpoint, or VNet injection.",
    ENDPOINT,
)


ACCESS_SECOND_DEPLOY = rule(
    "gateway.public-access-second-deploy",
    "info",
    "publicNetworkAccess: Disabled takes a second deploy: Azure accepts it once the private endpoint exists.",
    ENDPOINT,
)


PUBLIC_IN_PROD = rule(
    "gateway.public-in-prod",
    "warning",
    "A prod gateway's endpoint is not public.",
    convention("prod is private; callers of a public endpoint still need tokens or keys"),
)


_REFUSED_SKUS = {
    "Consumption": ("Consumption has no backend circuit breakers, which failover needs: use StandardV2", CONSUMPTION),
    "PremiumV2": ("PremiumV2 is not in azure-native's API Management API (2024-05-01): use Premium", PREMIUM_V2),
}


def checks(lz: LandingZone) -> list[Diagnostic]:
    """Rules on the gateway's config: tier, network reach, what it needs to exist."""
    gw, base, out = lz.gateway, f"{ROOT}.gateway", _weight_rules(lz)
    if not gw.enabled:
        return out
    if gw.sku in _REFUSED_SKUS:
        why, refused_by = _REFUSED_SKUS[gw.sku]
        out.append(error(f"{base}.sku", why, rule=refused_by))
    elif gw.sku == "Developer" and lz.environment == "prod":
        out.append(
            error(f"{base}.sku", "Developer has no SLA: use StandardV2 or Premium in prod", rule=DEVELOPER_IN_PROD)
        )
    for key, value, needs in (("entra", gw.entra, ENTRA), ("publisherEmail", gw.publisher_email, PUBLISHER_EMAIL)):
        if value is None:
            out.append(error(f"{base}.{key}", "is required when the gateway is enabled", rule=needs))
    out += _inbound_rules(lz)
    if not lz.monitoring.enabled:
        # llm-emit-token-metric and the gateway's logs go to Application Insights and the workspace.
        out.append(
            error(
                f"{ROOT}.monitoring.enabled",
                "the gateway's token metrics (per-team chargeback) and logs need monitoring: enable it, or"
                " disable the gateway",
                rule=MONITORING,
            )
        )
    if len(lz.regions) > MAX_POOL_MEMBERS:
        why = (
            f"a backend pool holds at most {MAX_POOL_MEMBERS} members ({POOL_MEMBERS.cite}); got {len(lz.regions)}:"
            f" keep at most {MAX_POOL_MEMBERS} regions behind the gateway"
        )
        out.append(error(f"{ROOT}.regions", why, rule=POOL_SIZE))
    mode = GATEWAY_NETWORK.get(gw.sku)
    if mode is None:
        return out
    if not lz.network.uses_private_endpoints:
        # Public accounts: the gateway stays public too and calls their public endpoints.
        out.append(
            warning(
                f"{ROOT}.network.allowedIps",
                "the gateway calls the accounts' public endpoints: add its outbound IP addresses to allowedIps,"
                " or give the accounts private endpoints (privateEndpoints: true)",
                rule=PUBLIC_ACCOUNTS,
            )
        )
    elif mode == "none":
        out.append(
            error(
                f"{base}.sku",
                f"{gw.sku} cannot join a VNet, so it cannot reach private accounts: use StandardV2 or Premium",
                rule=VNET_TIER,
            )
        )
    else:
        primary = lz.primary_region
        region = lz.network.regions.get(primary)
        has_subnet = region is not None and (
            (region.vnet is not None and region.vnet.gateway_subnet) or region.gateway_subnet_id
        )
        if not has_subnet:
            out.append(
                error(
                    f"{ROOT}.network.regions.{primary}",
                    "the gateway needs a subnet in the primary region: set vnet.gatewaySubnet or gatewaySubnetId",
                    rule=SUBNET,
                )
            )
    return out


def _weight_rules(lz: LandingZone) -> list[Diagnostic]:
    """``weight`` splits traffic only inside a priority group, and the primary is alone in its own: a weight
    there, even 1, would read as if it did something."""
    return [
        error(
            f"{ROOT}.regions[{i}].weight",
            f"the primary region is alone in priority {PRIMARY_PRIORITY} of the gateway pool, where a weight does"
            f" nothing: remove weight here; it splits traffic among the secondaries, which share priority"
            f" {SECONDARY_PRIORITY}",
            rule=PRIMARY_WEIGHT,
        )
        for i, r in enumerate(lz.regions)
        if r.role == "primary" and "weight" in r.model_fields_set
    ]


PRIVATE_ENDPOINT_SKUS = frozenset({"Developer", "Basic", "Standard", "StandardV2", "Premium"})
"""Tiers with inbound private endpoints (BasicV2 and Consumption have none; PremiumV2 is not in our API)."""


def network_reach(lz: LandingZone) -> str:
    """How the gateway reaches the accounts: ``integration`` or ``injection`` into a VNet, or ``none`` (public
    accounts, or a tier that joins no VNet)."""
    return GATEWAY_NETWORK.get(lz.gateway.sku, "none") if lz.network.uses_private_endpoints else "none"


def private_endpoint(lz: LandingZone) -> bool:
    """Whether the gateway gets an inbound private endpoint: asked for, or by default in prod when the accounts
    are private and the tier takes one (classic tiers injected into a VNet cannot, and need not)."""
    gw = lz.gateway
    if not gw.enabled:
        return False
    if gw.private_endpoint is not None:
        return gw.private_endpoint
    return (
        lz.environment == "prod" and lz.network.uses_private_endpoints and GATEWAY_NETWORK.get(gw.sku) == "integration"
    )


def _inbound_rules(lz: LandingZone) -> list[Diagnostic]:
    """How callers reach the gateway: a private endpoint where the tier takes one, public access closed only
    once that endpoint exists."""
    base, out = f"{ROOT}.gateway", []
    sku, has_endpoint, network = lz.gateway.sku, private_endpoint(lz), network_reach(lz)
    if has_endpoint:
        if sku not in PRIVATE_ENDPOINT_SKUS:
            why = f"{sku} takes no inbound private endpoint: use StandardV2"
            out.append(error(f"{base}.privateEndpoint", why, rule=ENDPOINT_TIER))
        elif network == "injection":
            out.append(
                error(
                    f"{base}.privateEndpoint",
                    f"{sku} is injected into the VNet (Internal mode), where private endpoints are not supported"
                    " and the gateway is already private: remove privateEndpoint",
                    rule=ENDPOINT_INJECTED,
                )
            )
        if not lz.network.uses_private_endpoints:
            out.append(
                error(
                    f"{base}.privateEndpoint",
                    "needs a private endpoint subnet in the primary region: set network.privateEndpoints: true",
                    rule=ENDPOINT_SUBNET,
                )
            )
        dns = lz.network.private_dns
        if dns.mode == "hub" and GATEWAY_DNS_ZONE not in dns.zone_ids:
            out.append(
                error(
                    f"{ROOT}.network.privateDns.zoneIds",
                    f"missing {GATEWAY_DNS_ZONE}: the gateway's private endpoint registers there",
                    rule=HUB_ZONE,
                )
            )
    if lz.gateway.public_network_access == "Disabled":
        if not has_endpoint and network != "injection":
            out.append(
                error(
                    f"{base}.publicNetworkAccess",
                    "Disabled leaves no way in: Azure needs an approved private endpoint first (privateEndpoint: true)",
                    rule=ACCESS_DISABLED,
                )
            )
        else:
            out.append(
                info(
                    f"{base}.publicNetworkAccess",
                    "Disabled is accepted only on an existing service with an approved private endpoint: a new"
                    " stack deploys once with Enabled (the endpoint is created), then with Disabled",
                    rule=ACCESS_SECOND_DEPLOY,
                )
            )
    elif lz.environment == "prod" and network != "injection":
        fix = (
            "set publicNetworkAccess: Disabled once the private endpoint exists"
            if has_endpoint
            else "give it a private endpoint (privateEndpoint: true), then set publicNetworkAccess: Disabled"
        )
        out.append(
            warning(
                f"{base}.publicNetworkAccess",
                f"the prod gateway's endpoint is public (callers still need Entra tokens or keys): {fix}",
                rule=PUBLIC_IN_PROD,
            )
        )
    return out
