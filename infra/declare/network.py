"""The network: VNets and subnets (or the connectivity team's), private DNS zones (created or the hub's)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import resources

from components import Network, PrivateDns
from infra.naming import GATEWAY_SUBNET, PE_SUBNET
from infra.topology import Topology


@dataclass
class DeclaredNetwork:
    subnet_ids: dict[str, pulumi.Input[str]]
    """region -> private endpoint subnet ID."""
    vnet_ids: list[pulumi.Input[str]]
    zone_ids: dict[str, pulumi.Input[str]]
    """zone -> ID, for zone groups; empty where Azure Policy makes them."""
    dns_mode: str
    gateway_subnet_ids: dict[str, pulumi.Input[str]]
    """region -> gateway subnet ID."""

    def outputs(self) -> dict:
        return {
            "dnsMode": self.dns_mode,
            "vnetIds": self.vnet_ids,
            "privateEndpointSubnetIds": self.subnet_ids,
            "privateDnsZoneIds": self.zone_ids,
        }


def declare_network(topology: Topology, groups: dict[str, resources.ResourceGroup]) -> DeclaredNetwork:
    network = topology.network
    # The topology adds the platform resource group whenever there is a network to build.
    platform = groups.get("platform")
    vnets = {
        v.region: Network(
            f"vnet-{v.region}",
            {
                "vnet_name": v.name,
                "resource_group_name": platform.name,
                "location": v.region,
                "address_space": v.address_space,
                "subnets": [
                    {
                        "name": sn.name,
                        "address_prefix": sn.cidr,
                        **({"delegation": sn.delegation} if sn.delegation else {}),
                        "security_rules": [dict(r) for r in sn.security_rules],
                    }
                    for sn in v.subnets
                ],
                "tags": topology.tags,
            },
        )
        for v in network.vnets
    }
    subnet_ids: dict[str, pulumi.Input[str]] = dict(network.existing_subnets)
    subnet_ids.update({r: v.subnet_ids.apply(lambda ids: ids[PE_SUBNET]) for r, v in vnets.items()})
    vnet_ids = [*(v.vnet_id for v in vnets.values()), *network.existing_vnet_ids]
    zone_ids: dict[str, pulumi.Input[str]] = {}
    if network.dns_mode == "create" and any(a.private_endpoint for a in topology.accounts):
        dns = PrivateDns(
            "private-dns",
            {
                "resource_group_name": platform.name,
                "zones": list(network.zones),
                "virtual_network_ids": vnet_ids,
                "tags": topology.tags,
            },
        )
        zone_ids = {z: dns.zone_ids.apply(lambda ids, z=z: ids[z]) for z in network.zones}
    elif network.dns_mode == "hub":
        zone_ids = dict(network.hub_zone_ids)
    gateway_subnets: dict[str, pulumi.Input[str]] = dict(network.existing_gateway_subnets)
    for v in network.vnets:
        if any(sn.name == GATEWAY_SUBNET for sn in v.subnets):
            gateway_subnets[v.region] = vnets[v.region].subnet_ids.apply(lambda ids: ids[GATEWAY_SUBNET])
    return DeclaredNetwork(subnet_ids, vnet_ids, zone_ids, network.dns_mode, gateway_subnets)
