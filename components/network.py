"""Network: a VNet with subnets, each behind its own NSG."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options


class SecurityRuleArgs(TypedDict):
    name: pulumi.Input[str]
    priority: pulumi.Input[int]
    direction: pulumi.Input[str]
    """``Inbound`` or ``Outbound``."""
    source_address_prefix: pulumi.Input[str]
    """An address range or a service tag such as ``ApiManagement``."""
    destination_port_range: pulumi.Input[str]
    protocol: NotRequired[pulumi.Input[str]]
    """``Tcp`` by default."""


class SubnetArgs(TypedDict):
    name: str
    """Names the subnet's NSG resource and keys ``subnetIds``."""
    address_prefix: pulumi.Input[str]
    """IPv4 CIDR inside the VNet's address space."""
    delegation: NotRequired[pulumi.Input[str]]
    """A service the subnet is delegated to, e.g. ``Microsoft.Web/serverFarms`` for API Management v2."""
    security_rules: NotRequired[list[SecurityRuleArgs]]
    """Allow rules on the subnet's NSG, on top of Azure's defaults."""


class NetworkArgs(TypedDict):
    vnet_name: pulumi.Input[str]
    """The VNet's Azure name; its NSGs are ``nsg-<vnet>-<subnet>``."""
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    address_space: pulumi.Input[str]
    subnets: list[SubnetArgs]
    tags: NotRequired[Tags]


class Network(LandingZoneComponent):
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
        child = child_options(self, opts)
        nsgs = {
            s["name"]: network.NetworkSecurityGroup(
                f"{name}-{s['name']}",
                network_security_group_name=pulumi.Output.concat("nsg-", args["vnet_name"], "-", s["name"]),
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                security_rules=[
                    network.SecurityRuleArgs(
                        name=r["name"],
                        priority=r["priority"],
                        direction=r["direction"],
                        access="Allow",
                        protocol=r.get("protocol", "Tcp"),
                        source_address_prefix=r["source_address_prefix"],
                        source_port_range="*",
                        destination_address_prefix="VirtualNetwork",
                        destination_port_range=r["destination_port_range"],
                    )
                    for r in s.get("security_rules", [])
                ],
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
                    delegations=[network.DelegationArgs(name="delegation", service_name=s["delegation"])]
                    if s.get("delegation")
                    else None,
                )
                for s in args["subnets"]
            ],
            tags=args.get("tags"),
            opts=child,
        )
        self.vnet_id = vnet.id
        self.subnet_ids = vnet.id.apply(lambda vid: {s["name"]: f"{vid}/subnets/{s['name']}" for s in args["subnets"]})
        self.register_outputs({"vnetId": self.vnet_id, "subnetIds": self.subnet_ids})
