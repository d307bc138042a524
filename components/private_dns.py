"""PrivateDns: the privatelink zones of the stack, linked to its VNets."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import privatedns

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options


class PrivateDnsArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    zones: list[str]
    """e.g. privatelink.openai.azure.com. Each names its zone resource and keys ``zoneIds``."""
    virtual_network_ids: list[pulumi.Input[str]]
    """Every VNet that must resolve the accounts' private addresses."""
    tags: NotRequired[Tags]


class PrivateDns(LandingZoneComponent):
    """``Microsoft.Network/privateDnsZones`` (location global) and a VNet link per zone and VNet.

    Use it only where the stack owns DNS: hub-and-spoke estates usually keep
    these zones in the hub, and their IDs go straight to ``PrivateEndpoint``.
    """

    zone_ids: pulumi.Output[dict[str, str]]
    """Zone name -> zone resource ID."""

    def __init__(self, name: str, args: PrivateDnsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:PrivateDns", name, None, opts)
        child = child_options(self, opts)
        ids = {}
        for zone in args["zones"]:
            resource = privatedns.PrivateZone(
                f"{name}-{zone}",
                private_zone_name=zone,
                resource_group_name=args["resource_group_name"],
                location="global",
                tags=args.get("tags"),
                opts=child,
            )
            for i, vnet_id in enumerate(args["virtual_network_ids"]):
                privatedns.VirtualNetworkLink(
                    f"{name}-{zone}-link{i}",
                    private_zone_name=resource.name,
                    resource_group_name=args["resource_group_name"],
                    virtual_network_link_name=pulumi.Output.from_input(vnet_id).apply(
                        lambda v: f"link-{v.rstrip('/').rsplit('/', 1)[-1]}"
                    ),
                    virtual_network=privatedns.SubResourceArgs(id=vnet_id),
                    registration_enabled=False,
                    location="global",
                    tags=args.get("tags"),
                    opts=child,
                )
            ids[zone] = resource.id
        self.zone_ids = pulumi.Output.all(**ids) if ids else pulumi.Output.from_input({})
        self.register_outputs({"zoneIds": self.zone_ids})
