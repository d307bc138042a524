"""PrivateEndpoint: one private endpoint to one resource, with or without a DNS zone group."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options


class PrivateEndpointArgs(TypedDict):
    endpoint_name: pulumi.Input[str]
    """The endpoint's Azure name, also its connection's; its NIC is ``nic-<endpoint>``."""
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    """Region of the subnet (and, for accounts here, of the account)."""
    subnet_id: pulumi.Input[str]
    target_id: pulumi.Input[str]
    """Resource ID of the account (or other private link resource)."""
    group_id: NotRequired[pulumi.Input[str]]
    """Private link sub-resource; ``account`` for Cognitive Services."""
    private_dns_zone_ids: NotRequired[list[pulumi.Input[str]]]
    """Zones for the zone group. Empty: no zone group, e.g. where Azure Policy creates it."""
    tags: NotRequired[Tags]


class PrivateEndpoint(LandingZoneComponent):
    """A ``Microsoft.Network/privateEndpoints`` and its ``privateDnsZoneGroups/default``.

    Resources passed in ``opts.depends_on`` are waited for by the endpoint itself.
    """

    private_endpoint_id: pulumi.Output[str]

    def __init__(self, name: str, args: PrivateEndpointArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:PrivateEndpoint", name, None, opts)
        # A component's depends_on does not reach its children; the endpoint itself must wait
        # (for an account, on its last deployment).
        child = child_options(self, opts)
        endpoint = network.PrivateEndpoint(
            name,
            private_endpoint_name=args["endpoint_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            subnet=network.SubnetArgs(id=args["subnet_id"]),
            custom_network_interface_name=pulumi.Output.concat("nic-", args["endpoint_name"]),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=args["endpoint_name"],
                    private_link_service_id=args["target_id"],
                    group_ids=[args.get("group_id", "account")],
                )
            ],
            tags=args.get("tags"),
            opts=child,
        )
        zone_ids = args.get("private_dns_zone_ids") or []
        if zone_ids:
            network.PrivateDnsZoneGroup(
                name,
                private_dns_zone_group_name="default",
                private_endpoint_name=endpoint.name,
                resource_group_name=args["resource_group_name"],
                private_dns_zone_configs=[
                    network.PrivateDnsZoneConfigArgs(
                        name=pulumi.Output.from_input(z).apply(lambda zid: zid.rsplit("/", 1)[-1].replace(".", "-")),
                        private_dns_zone_id=z,
                    )
                    for z in zone_ids
                ],
                opts=child,
            )
        self.private_endpoint_id = endpoint.id
        self.register_outputs({"privateEndpointId": self.private_endpoint_id})
