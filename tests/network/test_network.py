"""Private networking: endpoints, the three DNS modes, VNets or existing subnets, and the prod guardrail."""

from __future__ import annotations

import pytest

from infra import azure_types
from infra.plan import Plan, make_plan
from infra.render import markdown, text
from tests.conftest import diagnostics_of, errors_of
from tests.helpers import (
    ACCOUNT,
    DEPLOYMENT,
    MODELS,
    PLAN_DATE,
    cli,
    example_plan,
    minimal_landing_zone,
    of_type,
    plan_for,
    private_network,
    team,
    write_stack,
)

PE = azure_types.PRIVATE_ENDPOINT.token
ZONE_GROUP = azure_types.PRIVATE_DNS_ZONE_GROUP.token
ZONE = azure_types.PRIVATE_DNS_ZONE.token
LINK = azure_types.PRIVATE_DNS_ZONE_LINK.token
VNET = azure_types.VIRTUAL_NETWORK.token
NSG = azure_types.NETWORK_SECURITY_GROUP.token
SUB = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups"
HUB = {
    "privatelink.openai.azure.com": (
        f"{SUB}/rg-hub/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com"
    ),
    "privatelink.cognitiveservices.azure.com": (
        f"{SUB}/rg-hub/providers/Microsoft.Network/privateDnsZones/privatelink.cognitiveservices.azure.com"
    ),
}
SUBNET = f"{SUB}/rg/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/s"
REGIONS = [{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary"}]
TWO_TEAMS = [team("team-a"), team("team-b", isolation="dedicated")]


def errors(**lz) -> dict[str, str]:
    return errors_of(minimal_landing_zone(**lz))


def test_dns_create_mode(tmp_path):
    plan = plan_for(tmp_path, regions=REGIONS, teams=TWO_TEAMS)
    zones = {z.inputs["privateZoneName"]: z for z in of_type(plan.resources, ZONE)}
    assert set(zones) == {"privatelink.openai.azure.com", "privatelink.cognitiveservices.azure.com"}
    assert {z.inputs["location"] for z in zones.values()} == {"global"}
    vnets = {v.outputs["id"] for v in of_type(plan.resources, VNET)}
    assert len(vnets) == 2
    links = of_type(plan.resources, LINK)
    assert len(links) == 4  # every zone linked to every VNet of the stack
    assert {(lk.inputs["privateZoneName"], lk.inputs["virtualNetwork"]["id"]) for lk in links} == {
        (z, v) for z in zones for v in vnets
    }
    assert all(lk.inputs["registrationEnabled"] is False for lk in links)
    groups = of_type(plan.resources, ZONE_GROUP)
    assert len(groups) == len(of_type(plan.resources, ACCOUNT)) == 4
    zone_ids = {z.outputs["id"] for z in zones.values()}
    for g in groups:
        assert {c["privateDnsZoneId"] for c in g.inputs["privateDnsZoneConfigs"]} == zone_ids
    assert "DNS zones created here" in text(plan)


def test_dns_hub_mode_creates_no_zones(tmp_path):
    plan = plan_for(
        tmp_path, network={**private_network(["swedencentral"]), "privateDns": {"mode": "hub", "zoneIds": HUB}}
    )
    assert of_type(plan.resources, ZONE) == [] and of_type(plan.resources, LINK) == []
    (group,) = of_type(plan.resources, ZONE_GROUP)
    assert {c["privateDnsZoneId"] for c in group.inputs["privateDnsZoneConfigs"]} == set(HUB.values())
    assert group.inputs["privateDnsZoneGroupName"] == "default"
    assert "DNS zones from the hub" in text(plan)


def test_dns_policy_mode_creates_no_zone_groups_and_says_so(tmp_path):
    plan = plan_for(tmp_path, network={**private_network(["swedencentral"]), "privateDns": {"mode": "policy"}})
    assert of_type(plan.resources, ZONE_GROUP) == []
    assert of_type(plan.resources, ZONE) == []
    assert len(of_type(plan.resources, PE)) == 1
    assert "DNS zone group left to Azure Policy" in text(plan)
    assert "DNS zone group left to Azure Policy" in markdown(plan)


def test_ai_services_accounts_also_use_the_foundry_zone(tmp_path):
    plan = plan_for(tmp_path, account={"kind": "AIServices"})
    assert {z.inputs["privateZoneName"] for z in of_type(plan.resources, ZONE)} == {
        "privatelink.openai.azure.com",
        "privatelink.cognitiveservices.azure.com",
        "privatelink.services.ai.azure.com",
    }
    (group,) = of_type(plan.resources, ZONE_GROUP)
    assert len(group.inputs["privateDnsZoneConfigs"]) == 3


def test_every_private_account_has_one_endpoint_after_its_last_deployment(tmp_path):
    plan = plan_for(tmp_path, regions=REGIONS, teams=TWO_TEAMS)
    accounts = of_type(plan.resources, ACCOUNT)
    endpoints = of_type(plan.resources, PE)
    assert len(endpoints) == len(accounts) == 4
    deployments = of_type(plan.resources, DEPLOYMENT)
    for account in accounts:
        (pe,) = [
            e
            for e in endpoints
            if e.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"] == account.outputs["id"]
        ]
        assert pe.inputs["location"] == account.inputs["location"]
        assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["account"]
        mine = [d for d in deployments if d.inputs["accountName"] == account.inputs["accountName"]]
        mine_urns = {d.urn for d in mine}
        last = next(d for d in mine if not any(d.urn in other.depends_on for other in mine))
        assert last.urn in pe.depends_on
        assert mine_urns & set(pe.depends_on) == {last.urn}
        assert account.inputs["properties"]["publicNetworkAccess"] == "Disabled"
        assert account.inputs["properties"]["networkAcls"]["defaultAction"] == "Deny"
        assert (
            "ipRules" not in account.inputs["properties"]["networkAcls"]
            or not account.inputs["properties"]["networkAcls"]["ipRules"]
        )


def test_created_vnets_have_nsgs_on_every_subnet(tmp_path):
    network = private_network(["swedencentral"])
    network["regions"]["swedencentral"]["vnet"]["gatewaySubnet"] = "10.0.0.64/27"
    plan = plan_for(tmp_path, network=network)
    (vnet,) = of_type(plan.resources, VNET)
    nsgs = {n.outputs["id"] for n in of_type(plan.resources, NSG)}
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.0.0.0/24"]}
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert set(subnets) == {"snet-private-endpoints", "snet-gateway"}
    assert subnets["snet-private-endpoints"]["addressPrefix"] == "10.0.0.0/27"
    assert {s["networkSecurityGroup"]["id"] for s in subnets.values()} == nsgs and len(nsgs) == 2
    assert subnets["snet-private-endpoints"]["privateEndpointNetworkPolicies"] == "Enabled"
    (pe,) = of_type(plan.resources, PE)
    assert pe.inputs["subnet"]["id"] == f"{vnet.outputs['id']}/subnets/snet-private-endpoints"


def test_prod_stack_is_private_with_an_endpoint_per_account_in_its_regions_subnet(prod):
    plan = prod
    assert plan.ok
    accounts = of_type(plan.resources, ACCOUNT)
    for a in accounts:
        assert a.inputs["properties"]["publicNetworkAccess"] == "Disabled"
        assert a.inputs["properties"]["networkAcls"]["defaultAction"] == "Deny"
        assert not a.inputs["properties"]["networkAcls"].get("ipRules")
    endpoints = [pe for pe in of_type(plan.resources, PE) if pe.name != "gateway-inbound"]
    assert len(endpoints) == len(accounts) == 6
    short = {"swedencentral": "swc", "francecentral": "frc"}
    for pe in endpoints:
        assert pe.inputs["subnet"]["id"].endswith(
            f"/virtualNetworks/vnet-spoke-ai-{short[pe.inputs['location']]}/subnets/snet-private-endpoints"
        )
    assert of_type(plan.resources, ZONE) == [] and of_type(plan.resources, VNET) == []
    assert plan.outputs["network"]["dnsMode"] == "hub"


def test_dev_public_mode_keeps_the_allow_list_and_the_private_path(dev):
    plan = dev
    for a in of_type(plan.resources, ACCOUNT):
        assert a.inputs["properties"]["publicNetworkAccess"] == "Enabled"
        assert a.inputs["properties"]["networkAcls"]["ipRules"] == [{"value": "203.0.113.0/24"}]
    assert len(of_type(plan.resources, PE)) == len(of_type(plan.resources, ACCOUNT))


def test_public_mode_with_an_empty_allow_list_denies_everyone(tmp_path):
    plan = plan_for(tmp_path, network={"mode": "public"})
    (account,) = of_type(plan.resources, ACCOUNT)
    acls = account.inputs["properties"]["networkAcls"]
    assert acls["defaultAction"] == "Deny" and not acls.get("ipRules")
    assert of_type(plan.resources, PE) == []
    assert "allow-list empty (nobody)" in text(plan)


@pytest.mark.parametrize(
    ("network", "path", "message"),
    [
        (
            {
                "regions": {
                    "swedencentral": {"vnet": {"addressSpace": "10.0.0.0/24", "privateEndpointSubnet": "10.0.0.0/27"}},
                    "eastus2": {"vnet": {"addressSpace": "10.0.0.128/25", "privateEndpointSubnet": "10.0.0.128/27"}},
                }
            },
            "landingZone.network.regions.eastus2.vnet.addressSpace",
            "10.0.0.128/25 overlaps 10.0.0.0/24",
        ),
        (
            {
                "regions": {
                    "swedencentral": {"privateEndpointSubnetId": "/subscriptions/x/subnets/pe"},
                    "eastus2": {"privateEndpointSubnetId": SUBNET},
                }
            },
            "landingZone.network.regions.swedencentral.privateEndpointSubnetId",
            "must be a subnet resource ID",
        ),
        (
            {"regions": {"swedencentral": {"privateEndpointSubnetId": SUBNET}}},
            "landingZone.network.regions",
            "missing eastus2",
        ),
        (
            {
                "regions": {
                    "swedencentral": {"vnet": {"addressSpace": "10.0.0.0/24", "privateEndpointSubnet": "10.0.0.0/29"}},
                    "eastus2": {"vnet": {"addressSpace": "10.1.0.0/24", "privateEndpointSubnet": "10.2.0.0/27"}},
                }
            },
            "landingZone.network.regions.swedencentral.vnet.privateEndpointSubnet",
            "too small: use /28 or larger",
        ),
        (
            {
                "regions": {
                    "swedencentral": {"vnet": {"addressSpace": "10.0.0.0/24", "privateEndpointSubnet": "10.0.0.0/27"}},
                    "eastus2": {"vnet": {"addressSpace": "10.1.0.0/24", "privateEndpointSubnet": "10.2.0.0/27"}},
                }
            },
            "landingZone.network.regions.eastus2.vnet.privateEndpointSubnet",
            "outside the address space 10.1.0.0/24",
        ),
        (
            {
                "regions": {
                    "swedencentral": {},
                    "eastus2": {"vnet": {"addressSpace": "10.1.0.0/24", "privateEndpointSubnet": "10.1.0.0/27"}},
                }
            },
            "landingZone.network.regions.swedencentral",
            "exactly one of vnet",
        ),
        (
            {
                **private_network(["swedencentral", "eastus2"]),
                "privateDns": {
                    "mode": "hub",
                    "zoneIds": {"privatelink.openai.azure.com": HUB["privatelink.openai.azure.com"]},
                },
            },
            "landingZone.network.privateDns.zoneIds",
            "missing privatelink.cognitiveservices.azure.com",
        ),
        (
            {
                **private_network(["swedencentral", "eastus2"]),
                "privateDns": {
                    "mode": "hub",
                    "zoneIds": {
                        "privatelink.openai.azure.com": HUB["privatelink.cognitiveservices.azure.com"],
                        "privatelink.cognitiveservices.azure.com": HUB["privatelink.cognitiveservices.azure.com"],
                    },
                },
            },
            "landingZone.network.privateDns.zoneIds.privatelink.openai.azure.com",
            "points at zone 'privatelink.cognitiveservices.azure.com'",
        ),
        (
            {**private_network(["swedencentral", "eastus2"]), "allowedIps": ["203.0.113.0/24"]},
            "landingZone.network.allowedIps",
            "only applies in mode: public",
        ),
        (
            {**private_network(["swedencentral", "eastus2"]), "privateDns": {"mode": "create", "zoneIds": HUB}},
            "landingZone.network.privateDns.zoneIds",
            "only used with mode: hub",
        ),
    ],
)
def test_bad_network_input_names_its_path(network, path, message):
    errs = errors(regions=REGIONS, network=network)
    assert path in errs, errs
    assert message in errs[path]


def test_public_prod_needs_the_override_with_a_reason(tmp_path):
    errs = errors(environment="prod", network={"mode": "public", "allowedIps": ["203.0.113.0/24"]})
    assert errs["landingZone.network.mode"].startswith("prod must be private")
    errs = errors(environment="prod", network={"mode": "public", "allowPublicInProd": True})
    assert "landingZone.network.publicInProdReason" in errs
    reason = "partner integration until the hub link is live"
    allowed = {"mode": "public", "allowPublicInProd": True, "publicInProdReason": reason}
    env_budget = {"environment": {"monthly": 1000, "contacts": ["finops@contoso.com"]}}
    lz = minimal_landing_zone(environment="prod", network=allowed, budgets=env_budget)
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok
    (warning,) = [d for d in plan.diagnostics if d.path == "landingZone.network.mode"]
    assert warning.severity == "warning" and reason in warning.message
    assert f"public in prod, allowed: {reason}" in text(plan)


def test_bad_network_exits_1_through_the_cli(tmp_path):
    lz = minimal_landing_zone(environment="prod", network={"mode": "public"})
    result = cli("plan", "--stack", "test", "--config-file", str(write_stack(tmp_path, lz)))
    assert result.returncode == 1
    assert "landingZone.network.mode: prod must be private" in result.stdout
    assert "Traceback" not in result.stderr


PRIVATE_ENDPOINT = azure_types.PRIVATE_ENDPOINT.token


def _waits_for(plan: Plan) -> dict[str, set[str]]:
    """URN -> every URN it transitively waits for. Waiting on a component means waiting on all it contains."""
    children: dict[str, list[str]] = {}
    for r in plan.resources:
        if r.parent:
            children.setdefault(r.parent, []).append(r.urn)

    def with_descendants(urn: str) -> set[str]:
        out, todo = set(), [urn]
        while todo:
            u = todo.pop()
            if u not in out:
                out.add(u)
                todo += children.get(u, [])
        return out

    direct = {r.urn: set().union(*(with_descendants(d) for d in r.depends_on)) for r in plan.resources}
    closure: dict[str, set[str]] = {}

    def visit(urn: str) -> set[str]:
        if urn not in closure:
            closure[urn] = set()  # no cycles in a plan; this only stops a runaway
            seen = set(direct.get(urn, ()))
            for d in list(seen):
                seen |= visit(d)
            closure[urn] = seen
        return closure[urn]

    return {urn: visit(urn) for urn in direct}


def test_private_endpoint_waits_for_every_deployment_of_its_account(tmp_path):
    """Bug: the endpoint waited on one deployment (the first), so the account could be 'Accepted' under it."""
    plan = plan_for(
        tmp_path,
        teams=[
            team("team-a", models=MODELS),
            team("team-b", "00000000-0000-0000-0000-00000000000b", isolation="dedicated", models=MODELS[:2]),
        ],
    )
    accounts = {a.outputs["id"]: a.inputs["accountName"] for a in of_type(plan.resources, ACCOUNT)}
    deployments: dict[str, set[str]] = {}
    for d in of_type(plan.resources, DEPLOYMENT):
        deployments.setdefault(d.inputs["accountName"], set()).add(d.urn)
    assert sorted(len(v) for v in deployments.values()) == [2, 3]
    waits = _waits_for(plan)
    endpoints = of_type(plan.resources, PRIVATE_ENDPOINT)
    assert len(endpoints) == 2
    for pe in endpoints:
        (connection,) = pe.inputs["privateLinkServiceConnections"]
        account = accounts[connection["privateLinkServiceId"]]
        missing = deployments[account] - waits[pe.urn]
        assert not missing, f"{pe.name} does not wait for {sorted(missing)}"


@pytest.mark.parametrize(("account", "bypass"), [({}, "AzureServices"), ({"trustedServicesBypass": False}, "None")])
def test_trusted_services_bypass_reaches_the_account_firewall(tmp_path, account, bypass):
    """Bug: ``trustedServicesBypass: false`` was ignored and trusted Azure services still got through."""
    plan = plan_for(tmp_path, **({"account": account} if account else {}))
    accounts = of_type(plan.resources, ACCOUNT)
    assert accounts
    for a in accounts:
        assert a.inputs["properties"]["networkAcls"]["bypass"] == bypass


def test_a_foundry_accounts_private_endpoint_asks_for_the_account_group():
    """An AIServices (Foundry) resource is still a ``Microsoft.CognitiveServices/accounts``, whose one
    private-link sub-resource is ``account`` (learn.microsoft.com/azure/private-link/private-endpoint-overview,
    "Private-link resource" table: "Azure AI services | Microsoft.CognitiveServices/accounts | account"). The
    same table gives ``amlworkspace`` to ``Microsoft.MachineLearningServices/workspaces``, the Foundry hubs: a
    group ID borrowed from there, or made up from the kind, names nothing on the account."""
    plan = example_plan("foundry")
    accounts = {a.outputs["id"]: a for a in of_type(plan.resources, ACCOUNT)}
    assert {a.inputs["kind"] for a in accounts.values()} == {"AIServices"}
    assert all(a.inputs["properties"]["allowProjectManagement"] for a in accounts.values())
    endpoints = of_type(plan.resources, PRIVATE_ENDPOINT)
    assert len(endpoints) == len(accounts) == 2
    for endpoint in endpoints:
        (connection,) = endpoint.inputs["privateLinkServiceConnections"]
        assert connection["privateLinkServiceId"] in accounts
        assert connection["groupIds"] == ["account"]


def test_a_private_endpoint_subnet_in_another_subscription_is_refused():
    """ "The private endpoint must be deployed in the same region and subscription as the virtual network"
    (learn.microsoft.com/azure/private-link/private-endpoint-overview): the landing zone makes its endpoints in its
    own subscription (azure-native:subscriptionId), so a connectivity team's subnet in another subscription is
    refused at its path; in the same subscription (any letter case) it is fine."""
    from infra.network import ENDPOINT_SUBSCRIPTION

    mine, theirs = "11111111-1111-4111-8111-111111111111", "99999999-9999-4999-8999-999999999999"
    subnet = "/subscriptions/{}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe"
    regions = {"swedencentral": {"privateEndpointSubnetId": subnet.format(theirs)}}
    raw = minimal_landing_zone(network={"mode": "private", "regions": regions})
    found = [d for d in diagnostics_of(raw, subscription_id=mine) if d.rule == ENDPOINT_SUBSCRIPTION.id]
    assert [(d.path, d.message.split(":")[0]) for d in found] == [
        (
            "landingZone.network.regions.swedencentral.privateEndpointSubnetId",
            f"the subnet is in subscription {theirs}, the landing zone in {mine} (azure-native",
        )
    ]
    raw["network"]["regions"]["swedencentral"]["privateEndpointSubnetId"] = subnet.format(mine.upper())
    assert [d for d in diagnostics_of(raw, subscription_id=mine) if d.rule == ENDPOINT_SUBSCRIPTION.id] == []
