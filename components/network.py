"""Network: a VNet with subnets, each behind its own NSG."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network


class SubnetArgs(TypedDict):
    name: str
    address_prefix: str
    """IPv4 CIDR inside the VNet's address space."""


class NetworkArgs(TypedDict):
    vnet_name: str
    resource_group_name: pulumi.Input[str]
    location: str
    address_space: str
    subnets: list[SubnetArgs]
    tags: NotRequired[dict[str, str]]


class Network(pulumi.ComponentResource):
    """A ``Microsoft.Network/virtualNetworks`` with its subnets inline.

    Subnets are declared inside the VNet, not as separate resources: a later
    update of the VNet then never drops a subnet it does not know about.
    Network policies stay enabled on private endpoint subnets so that the
    NSGs apply to the endpoints too.
    """

    vnet_id: pulumi.Output[str]
    subnet_ids: pulumi.Output[dict[str, str]]
    """Subnet name -> subnet resource ID."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        nsgs = {
            s["name"]: network.NetworkSecurityGroup(
                f"{name}-{s['name']}",
                network_security_group_name=f"nsg-{args['vnet_name']}-{s['name']}",
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                tags=args.get("tags"),
                opts=child,
            )
            for s in args["subnets"]
        }
        vnet = network.VirtualNetwork(
            name,
            virtual_network_name=args["vnet_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            address_space=network.AddressSpaceArgs(address_prefixes=[args["address_space"]]),
            subnets=[
                network.SubnetArgs(
                    name=s["name"],
                    address_prefix=s["address_prefix"],
                    network_security_group=network.NetworkSecurityGroupArgs(id=nsgs[s["name"]].id),
                    private_endpoint_network_policies="Enabled",
                    default_outbound_access=False,
                )
                for s in args["subnets"]
            ],
            tags=args.get("tags"),
            opts=child,
        )
        self.vnet_id = vnet.id
        self.subnet_ids = vnet.id.apply(lambda vid: {s["name"]: f"{vid}/subnets/{s['name']}" for s in args["subnets"]})
        self.register_outputs({"vnetId": self.vnet_id, "subnetIds": self.subnet_ids})
