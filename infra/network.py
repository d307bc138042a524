"""The network slice: VNets and subnets (created, or a connectivity team's), private endpoints, private DNS.

Its rules (``checks``) and its decisions (``network_spec``) live together. Plain Python, no Pulumi.
"""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import replace

from infra import gateway_checks, naming
from infra.config import GATEWAY_DNS_ZONE, ROOT, LandingZone, Vnet
from infra.diagnostics import Diagnostic, convention, error, excerpt, rule, warning
from infra.specs import AccountSpec, NetworkSpec, SubnetSpec, VnetSpec

# API Management v2 outbound integration needs its subnet delegated to serverFarms
# (learn.microsoft.com/azure/api-management/integrate-vnet-outbound); classic injection needs
# the management endpoint and the load balancer let in (api-management-using-with-vnet).
APIM_V2_DELEGATION = "Microsoft.Web/serverFarms"
APIM_INJECTION_RULES = (
    {
        "name": naming.APIM_MANAGEMENT_RULE,
        "priority": 100,
        "direction": "Inbound",
        "source_address_prefix": "ApiManagement",
        "destination_port_range": "3443",
    },
    {
        "name": naming.APIM_LOAD_BALANCER_RULE,
        "priority": 110,
        "direction": "Inbound",
        "source_address_prefix": "AzureLoadBalancer",
        "destination_port_range": "6390",
    },
)


VNET_FAQ = "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq"
# Azure's own errors for both: NetcfgSubnetRangeOutsideVnet and NetcfgSubnetRangesOverlap, quoted there.
SUBNET_ERRORS = "https://github.com/MicrosoftDocs/azure-docs/pull/123869"
CIDR = rule(
    "network.cidr",
    "error",
    "allowedIps, address spaces and subnets are IPv4 addresses or CIDR ranges with no host bits set.",
    "https://learn.microsoft.com/azure/templates/microsoft.cognitiveservices/accounts",
    VNET_FAQ,
)
ALLOWED_IPS_PUBLIC = rule(
    "network.allowed-ips-public",
    "error",
    "allowedIps is set only in mode: public.",
    convention("a private account has public network access off, so an allow-list would read as if it let someone in"),
)
PRIVATE_IN_PROD = rule(
    "network.private-in-prod",
    "error",
    "A prod stack is private, unless allowPublicInProd: true with a publicInProdReason says why not.",
    convention("prod accounts are reached through private endpoints only"),
)
PUBLIC_IN_PROD = rule(
    "network.public-in-prod",
    "warning",
    "A prod stack allowed to be public says so, with its reason, on every plan.",
    convention("an exception stays in sight"),
)
PUBLIC_REASON = rule(
    "network.public-in-prod-reason",
    "error",
    "allowPublicInProd: true comes with a publicInProdReason.",
    convention("an exception says why"),
)
REGION_OF_STACK = rule(
    "network.region-of-stack",
    "error",
    "Every region under network.regions is one of the stack's regions.",
    convention("a network for a region the stack does not deploy to is a slip"),
)
REGION_COVERED = rule(
    "network.region-covered",
    "error",
    "With private endpoints, every region with an account of the stack's own has a VNet to create or a"
    " privateEndpointSubnetId.",
    convention("each account's private endpoint is placed in its own region"),
)
ONE_SUBNET_SOURCE = rule(
    "network.one-subnet-source",
    "error",
    "A region gives exactly one of vnet (to create) or privateEndpointSubnetId (existing); with vnet, the"
    " gateway's subnet is vnet.gatewaySubnet.",
    convention("one place says where each subnet comes from"),
)
ADDRESS_OVERLAP = rule(
    "network.address-overlap",
    "error",
    "The regions' VNet address spaces do not overlap.",
    convention("the regions' networks are peered or routed to one hub, which overlapping ranges break"),
)
RESERVED_RANGE = rule(
    "network.reserved-range",
    "error",
    "An address space overlaps no range Azure reserves (multicast, broadcast, loopback, link-local, 168.63.129.16).",
    VNET_FAQ,
)
SUBNET_IN_SPACE = rule(
    "network.subnet-in-space", "error", "Each subnet lies inside its VNet's address space.", SUBNET_ERRORS
)
SUBNET_SIZE = rule(
    "network.subnet-size",
    "error",
    "The private endpoint subnet is /28 or larger and the gateway's /27 or larger: Azure reserves 5 addresses"
    " in every subnet.",
    VNET_FAQ,
    "https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound",
)
SUBNET_OVERLAP = rule(
    "network.subnet-overlap",
    "error",
    "The gateway subnet does not overlap the private endpoint subnet.",
    SUBNET_ERRORS,
)
ZONE_IDS_HUB = rule(
    "network.zone-ids-hub",
    "error",
    "privateDns.zoneIds is set only in mode: hub.",
    convention("zone IDs are read only when the hub owns the zones"),
)
HUB_ZONES = rule(
    "network.hub-zones",
    "error",
    "In hub mode, zoneIds holds every zone the accounts' private endpoints register in (openai and"
    " cognitiveservices; services.ai for Foundry).",
    "https://learn.microsoft.com/azure/private-link/private-endpoint-dns",
)
ZONE_ID_NAME = rule(
    "network.zone-id-name",
    "error",
    "Each zoneIds entry is the ID of the zone it is listed under.",
    convention("a record registered in the wrong zone never resolves"),
)


ENDPOINT_SUBSCRIPTION = rule(
    "network.endpoint-subscription",
    "error",
    "A privateEndpointSubnetId is in the stack's subscription, where the landing zone makes its private endpoints.",
    "https://learn.microsoft.com/azure/private-link/private-endpoint-overview",
)


def subscription_checks(lz: LandingZone, subscription_id: str | None) -> list[Diagnostic]:
    """ "The private endpoint must be deployed in the same region and subscription as the virtual network": the
    landing zone makes them in its own subscription (the account they reach may be in another), so a connectivity
    team's subnet must be there too. Unknown without ``azure-native:subscriptionId``."""
    if not subscription_id:
        return []
    return [
        error(
            f"{ROOT}.network.regions.{name}.privateEndpointSubnetId",
            f"the subnet is in subscription {subnet.split('/')[2].lower()}, the landing zone in {subscription_id}"
            " (azure-native:subscriptionId): a private endpoint is made in its VNet's subscription, so use a subnet"
            " of a VNet in the landing zone's subscription (a spoke of the hub)",
            rule=ENDPOINT_SUBSCRIPTION,
        )
        for name, region in lz.network.regions.items()
        if (subnet := region.private_endpoint_subnet_id) and subnet.split("/")[2].lower() != subscription_id.lower()
    ]


def _cidr(value: str, path: str, out: list[Diagnostic]) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        net = None
    if not isinstance(net, ipaddress.IPv4Network):
        hint = "is not an IPv4 address or CIDR range with no host bits set, e.g. 10.10.0.0/24"
        out.append(error(path, f"{excerpt(value)} {hint}", rule=CIDR))
        return None
    return net


# Azure reserves 5 addresses per subnet; private endpoints need room to grow, the gateway more.
_MIN_SUBNET = {"privateEndpointSubnet": 28, "gatewaySubnet": 27}


def checks(lz: LandingZone) -> list[Diagnostic]:
    """The network's rules: ranges, subnets, DNS modes, and private in prod."""
    net, base, out = lz.network, f"{ROOT}.network", []
    for i, ip in enumerate(net.allowed_ips):
        _cidr(ip, f"{base}.allowedIps[{i}]", out)
    if net.mode == "private" and net.allowed_ips:
        why = "only applies in mode: public; a private account takes none"
        out.append(error(f"{base}.allowedIps", why, rule=ALLOWED_IPS_PUBLIC))
    if lz.environment == "prod" and net.mode == "public" and not net.allow_public_in_prod:
        out.append(
            error(
                f"{base}.mode",
                "prod must be private: use mode: private, or set allowPublicInProd: true with a publicInProdReason",
                rule=PRIVATE_IN_PROD,
            )
        )
    if lz.environment == "prod" and net.mode == "public" and net.allow_public_in_prod and net.public_in_prod_reason:
        why = f"public in prod, allowed: {net.public_in_prod_reason}"
        out.append(warning(f"{base}.mode", why, rule=PUBLIC_IN_PROD))
    if net.allow_public_in_prod and not net.public_in_prod_reason:
        why = "is required when allowPublicInProd is true: say why"
        out.append(error(f"{base}.publicInProdReason", why, rule=PUBLIC_REASON))

    stack_regions = [r.name for r in lz.regions]
    for name in net.regions:
        if name not in stack_regions:
            why = f"is not a region of this stack ({', '.join(stack_regions)})"
            out.append(error(f"{base}.regions.{name}", why, rule=REGION_OF_STACK))
    if net.uses_private_endpoints:
        # An existing account gets no private endpoint (its network is its owner's), so its region needs none.
        for name in (r.name for r in lz.regions if r.existing_account is None):
            if name not in net.regions:
                out.append(
                    error(
                        f"{base}.regions",
                        f"missing {name}: private endpoints need a vnet to create or a privateEndpointSubnetId there",
                        rule=REGION_COVERED,
                    )
                )
    spaces: list[tuple[str, ipaddress.IPv4Network]] = []
    for name, region in net.regions.items():
        path = f"{base}.regions.{name}"
        if (region.vnet is None) == (region.private_endpoint_subnet_id is None):
            why = "give exactly one of vnet (to create) or privateEndpointSubnetId (existing)"
            out.append(error(path, why, rule=ONE_SUBNET_SOURCE))
        if region.vnet is not None:
            if region.gateway_subnet_id:
                why = "with vnet, set vnet.gatewaySubnet instead"
                out.append(error(f"{path}.gatewaySubnetId", why, rule=ONE_SUBNET_SOURCE))
            space = _cidr(region.vnet.address_space, f"{path}.vnet.addressSpace", out)
            if space is not None:
                spaces.append((path, space))
                out += _reserved(space, f"{path}.vnet.addressSpace")
                out += _subnet_checks(region.vnet, space, f"{path}.vnet")
    for (path_a, a), (path_b, b) in itertools.combinations(spaces, 2):
        if a.overlaps(b):
            msg = f"{b} overlaps {a} of {path_a}: regions need distinct ranges"
            out.append(error(f"{path_b}.vnet.addressSpace", msg, rule=ADDRESS_OVERLAP))

    dns = net.private_dns
    if dns.mode != "hub" and dns.zone_ids:
        out.append(error(f"{base}.privateDns.zoneIds", "only used with mode: hub", rule=ZONE_IDS_HUB))
    if dns.mode == "hub" and net.uses_private_endpoints:
        for zone in required_zones(lz.account.kind):
            if zone not in dns.zone_ids:
                why = f"missing {zone}: hub mode needs the ID of every zone"
                out.append(error(f"{base}.privateDns.zoneIds", why, rule=HUB_ZONES))
    for zone, zone_id in dns.zone_ids.items():
        if zone_id.rsplit("/", 1)[-1].lower() != zone:
            why = f"points at zone {excerpt(zone_id.rsplit('/', 1)[-1])}"
            out.append(error(f"{base}.privateDns.zoneIds.{zone}", why, rule=ZONE_ID_NAME))
    return out


# Ranges a VNet cannot use (learn.microsoft.com/azure/virtual-network/virtual-networks-faq, "What address
# ranges can I use in my virtual networks?").
RESERVED_RANGES = {
    "224.0.0.0/4": "multicast",
    "255.255.255.255/32": "broadcast",
    "127.0.0.0/8": "loopback",
    "169.254.0.0/16": "link-local",
    "168.63.129.16/32": "Azure's internal DNS",
}


def _reserved(space: ipaddress.IPv4Network, path: str) -> list[Diagnostic]:
    return [
        error(
            path,
            f"{space} overlaps {reserved} ({why}), which Azure reserves: use a private range, e.g. 10.x",
            rule=RESERVED_RANGE,
        )
        for reserved, why in RESERVED_RANGES.items()
        if space.overlaps(ipaddress.ip_network(reserved))
    ]


def _subnet_checks(vnet: Vnet, space: ipaddress.IPv4Network, path: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    subnets = []
    for key, value in (("privateEndpointSubnet", vnet.private_endpoint_subnet), ("gatewaySubnet", vnet.gateway_subnet)):
        if value is None:
            continue
        subnet = _cidr(value, f"{path}.{key}", out)
        if subnet is None:
            continue
        if not subnet.subnet_of(space):
            out.append(error(f"{path}.{key}", f"{subnet} is outside the address space {space}", rule=SUBNET_IN_SPACE))
        elif subnet.prefixlen > _MIN_SUBNET[key]:
            why = f"{subnet} is too small: use /{_MIN_SUBNET[key]} or larger"
            out.append(error(f"{path}.{key}", why, rule=SUBNET_SIZE))
        subnets.append((key, subnet))
    if len(subnets) == 2 and subnets[0][1].overlaps(subnets[1][1]):
        why = f"{subnets[1][1]} overlaps privateEndpointSubnet {subnets[0][1]}"
        out.append(error(f"{path}.gatewaySubnet", why, rule=SUBNET_OVERLAP))
    return out


def required_zones(kind: str) -> tuple[str, ...]:
    """Private DNS zones an account's endpoint registers in (AIServices adds the Foundry zone)."""
    zones = ("privatelink.openai.azure.com", "privatelink.cognitiveservices.azure.com")
    return (*zones, "privatelink.services.ai.azure.com") if kind == "AIServices" else zones


def network_spec(lz: LandingZone) -> NetworkSpec:
    net = lz.network
    gateway_mode = gateway_checks.GATEWAY_NETWORK.get(lz.gateway.sku) if lz.gateway.enabled else None
    gateway_subnet = SubnetSpec(
        naming.GATEWAY_SUBNET,
        "",
        APIM_V2_DELEGATION if gateway_mode == "integration" else None,
        APIM_INJECTION_RULES if gateway_mode == "injection" else (),
    )
    vnets = tuple(
        VnetSpec(
            region=name,
            name=naming.vnet(lz, name),
            address_space=r.vnet.address_space,
            subnets=(SubnetSpec(naming.PE_SUBNET, r.vnet.private_endpoint_subnet),)
            + ((replace(gateway_subnet, cidr=r.vnet.gateway_subnet),) if r.vnet.gateway_subnet else ()),
        )
        for name, r in net.regions.items()
        if r.vnet is not None
    )
    kinds = {lz.account.kind}
    zones = tuple(dict.fromkeys(z for k in sorted(kinds) for z in required_zones(k)))
    if gateway_checks.private_endpoint(lz):
        zones += (GATEWAY_DNS_ZONE,)
    return NetworkSpec(
        mode=net.mode,
        public_network_access="Disabled" if net.mode == "private" else "Enabled",
        allowed_ips=tuple(net.allowed_ips) if net.mode == "public" else (),
        bypass="AzureServices" if lz.account.trusted_services_bypass else "None",
        private_endpoints=net.uses_private_endpoints,
        dns_mode=net.private_dns.mode,
        zones=zones,
        hub_zone_ids=dict(net.private_dns.zone_ids),
        vnets=vnets,
        existing_subnets={
            name: r.private_endpoint_subnet_id for name, r in net.regions.items() if r.private_endpoint_subnet_id
        },
        existing_gateway_subnets={name: r.gateway_subnet_id for name, r in net.regions.items() if r.gateway_subnet_id},
    )


def exposure(account: AccountSpec, net: NetworkSpec) -> str:
    """How the account is reached, as the plan shows it."""
    if account.existing:
        return "existing account: its network is managed by its owner"
    if net.mode == "private":
        text = "private: public network access disabled"
    else:
        text = f"public: allow-list {', '.join(net.allowed_ips) or 'empty (nobody)'}, everything else denied"
    if net.private_endpoints:
        dns = {
            "create": f"DNS zones created here ({', '.join(account.dns_zones)})",
            "hub": "DNS zones from the hub",
            "policy": "DNS zone group left to Azure Policy",
        }[net.dns_mode]
        text += f"; private endpoint (group account) in {account.region}, {dns}"
    return text
