"""The network slice: VNets and subnets (created, or a connectivity team's), private endpoints, private DNS.

Its rules (``checks``) and its decisions (``network_spec``) live together. Plain Python, no Pulumi.
"""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import replace

from infra import gateway as gateway_mod
from infra import naming
from infra.config import GATEWAY_DNS_ZONE, ROOT, LandingZone, Vnet
from infra.diagnostics import Diagnostic, error, excerpt
from infra.specs import AccountSpec, NetworkSpec, SubnetSpec, VnetSpec

# API Management v2 outbound integration needs its subnet delegated to serverFarms
# (learn.microsoft.com/azure/api-management/integrate-vnet-outbound); classic injection needs
# the management endpoint and the load balancer let in (api-management-using-with-vnet).
APIM_V2_DELEGATION = "Microsoft.Web/serverFarms"
APIM_INJECTION_RULES = (
    {
        "name": "apim-management",
        "priority": 100,
        "direction": "Inbound",
        "source_address_prefix": "ApiManagement",
        "destination_port_range": "3443",
    },
    {
        "name": "apim-load-balancer",
        "priority": 110,
        "direction": "Inbound",
        "source_address_prefix": "AzureLoadBalancer",
        "destination_port_range": "6390",
    },
)


def _cidr(value: str, path: str, out: list[Diagnostic]) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        net = None
    if not isinstance(net, ipaddress.IPv4Network):
        hint = "is not an IPv4 address or CIDR range with no host bits set, e.g. 10.10.0.0/24"
        out.append(error(path, f"{excerpt(value)} {hint}"))
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
        out.append(error(f"{base}.allowedIps", "only applies in mode: public; a private account takes none"))
    if lz.environment == "prod" and net.mode == "public" and not net.allow_public_in_prod:
        out.append(
            error(
                f"{base}.mode",
                "prod must be private: use mode: private, or set allowPublicInProd: true with a publicInProdReason",
            )
        )
    if lz.environment == "prod" and net.mode == "public" and net.allow_public_in_prod and net.public_in_prod_reason:
        out.append(Diagnostic("warning", f"{base}.mode", f"public in prod, allowed: {net.public_in_prod_reason}"))
    if net.allow_public_in_prod and not net.public_in_prod_reason:
        out.append(error(f"{base}.publicInProdReason", "is required when allowPublicInProd is true: say why"))

    stack_regions = [r.name for r in lz.regions]
    for name in net.regions:
        if name not in stack_regions:
            out.append(error(f"{base}.regions.{name}", f"is not a region of this stack ({', '.join(stack_regions)})"))
    if net.uses_private_endpoints:
        # An existing account gets no private endpoint (its network is its owner's), so its region needs none.
        for name in (r.name for r in lz.regions if r.existing_account is None):
            if name not in net.regions:
                out.append(
                    error(
                        f"{base}.regions",
                        f"missing {name}: private endpoints need a vnet to create or a privateEndpointSubnetId there",
                    )
                )
    spaces: list[tuple[str, ipaddress.IPv4Network]] = []
    for name, region in net.regions.items():
        path = f"{base}.regions.{name}"
        if (region.vnet is None) == (region.private_endpoint_subnet_id is None):
            out.append(error(path, "give exactly one of vnet (to create) or privateEndpointSubnetId (existing)"))
        if region.vnet is not None:
            if region.gateway_subnet_id:
                out.append(error(f"{path}.gatewaySubnetId", "with vnet, set vnet.gatewaySubnet instead"))
            space = _cidr(region.vnet.address_space, f"{path}.vnet.addressSpace", out)
            if space is not None:
                spaces.append((path, space))
                out += _reserved(space, f"{path}.vnet.addressSpace")
                out += _subnet_checks(region.vnet, space, f"{path}.vnet")
    for (path_a, a), (path_b, b) in itertools.combinations(spaces, 2):
        if a.overlaps(b):
            msg = f"{b} overlaps {a} of {path_a}: regions need distinct ranges"
            out.append(error(f"{path_b}.vnet.addressSpace", msg))

    dns = net.private_dns
    if dns.mode != "hub" and dns.zone_ids:
        out.append(error(f"{base}.privateDns.zoneIds", "only used with mode: hub"))
    if dns.mode == "hub" and net.uses_private_endpoints:
        for zone in required_zones(lz.account.kind):
            if zone not in dns.zone_ids:
                out.append(error(f"{base}.privateDns.zoneIds", f"missing {zone}: hub mode needs the ID of every zone"))
    for zone, zone_id in dns.zone_ids.items():
        if zone_id.rsplit("/", 1)[-1].lower() != zone:
            out.append(
                error(f"{base}.privateDns.zoneIds.{zone}", f"points at zone {excerpt(zone_id.rsplit('/', 1)[-1])}")
            )
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
        error(path, f"{space} overlaps {reserved} ({why}), which Azure reserves: use a private range, e.g. 10.x")
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
            out.append(error(f"{path}.{key}", f"{subnet} is outside the address space {space}"))
        elif subnet.prefixlen > _MIN_SUBNET[key]:
            out.append(error(f"{path}.{key}", f"{subnet} is too small: use /{_MIN_SUBNET[key]} or larger"))
        subnets.append((key, subnet))
    if len(subnets) == 2 and subnets[0][1].overlaps(subnets[1][1]):
        out.append(error(f"{path}.gatewaySubnet", f"{subnets[1][1]} overlaps privateEndpointSubnet {subnets[0][1]}"))
    return out


def required_zones(kind: str) -> tuple[str, ...]:
    """Private DNS zones an account's endpoint registers in (AIServices adds the Foundry zone)."""
    zones = ("privatelink.openai.azure.com", "privatelink.cognitiveservices.azure.com")
    return (*zones, "privatelink.services.ai.azure.com") if kind == "AIServices" else zones


def network_spec(lz: LandingZone) -> NetworkSpec:
    net = lz.network
    gateway_mode = gateway_mod.GATEWAY_NETWORK.get(lz.gateway.sku) if lz.gateway.enabled else None
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
    if gateway_mod.private_endpoint(lz):
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
