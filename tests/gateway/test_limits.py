"""One gateway within API Management's limits per tier: backends (pools count), members per pool, products,
subscriptions, API operations and the policy document's size. A stack that would exceed one is refused (or, for
the backends limit Microsoft no longer publishes, warned about), naming the limit, the count, the source and
the ways out."""

from __future__ import annotations

import dataclasses

import pytest

from infra.gateway_limits import (
    API_OPERATIONS,
    BACKENDS,
    POLICY_BYTES,
    PRODUCTS,
    SUBSCRIPTIONS,
    backend_count,
    limit_rules,
    policy_bytes,
)
from infra.plan import make_plan
from infra.specs import GatewayApi, PoolMember, TeamRoute
from infra.topology import decide
from tests.gateway.test_gateway import API_POLICY, BACKEND, GATEWAY, gateway_lz
from tests.helpers import PLAN_DATE, minimal_landing_zone, of_type, private_network, team, write_stack

SERVICE_LIMITS = "learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits"
TWO_REGIONS = [{"name": "swedencentral", "role": "primary"}, {"name": "germanywestcentral", "role": "secondary"}]
CLASSES = ("public", "general", "confidential", "highly-confidential")


def _teams(n: int, apps: int = 1, **overrides) -> list[dict]:
    """``n`` valid teams, each with ``apps`` caller app IDs of its own."""
    return [
        team(
            f"team-{i:03d}",
            f"00000000-0000-4000-8000-{i:012d}",
            callerAppIds=[f"10000000-0000-4000-{j:04x}-{i:012d}" for j in range(apps)],
            **overrides,
        )
        for i in range(n)
    ]


def _lz(teams: list[dict], regions=TWO_REGIONS, sku: str = "StandardV2", **overrides) -> dict:
    network = private_network([r["name"] for r in regions])
    network["regions"][regions[0]["name"]]["vnet"]["gatewaySubnet"] = "10.0.0.64/27"
    lz = minimal_landing_zone(regions=regions, network=network, teams=teams, gateway={**GATEWAY, "sku": sku})
    return {**lz, **overrides}


def distributed(n: int, regions=TWO_REGIONS) -> dict:
    """``n`` teams in distributed tenancy behind one Standard v2 gateway: an account per team and region, a pool
    and an API per team. Foundry (AIServices) accounts, whose per-region limit (100) these counts stay under."""
    return _lz(_teams(n), regions, tenancy="distributed", account={"kind": "AIServices"})


def _found(raw: dict, rule_id: str):
    topology, diags = decide(raw, PLAN_DATE)
    return topology, [d for d in diags if d.rule == rule_id]


def test_fifty_distributed_teams_in_two_regions_name_the_100_backends_limit():
    """2 regions x 50 teams: 100 account backends and 50 pools, 150 backends on one instance, where API Management
    published "Maximum number of backends per service instance: 100" for every tier, v2 and classic
    (github.com/MicrosoftDocs/azure-docs/blob/7324c251fa3e1051d5468bfbba1a8fd515310296/includes/
    api-management-service-limits-v2.md). A pool is itself a backend (`type: Pool`;
    learn.microsoft.com/azure/api-management/backends), so it counts. The 2026 revision of the limits
    (learn.microsoft.com/azure/api-management/service-limits; learn.microsoft.com/azure/azure-resource-manager/
    management/azure-subscription-service-limits#azure-api-management-limits) lists no backend limit any more:
    "Limits are enforced for a smaller set of resource types", so the plan warns, with the ways out, rather
    than refusing what Azure may now accept."""
    topology, (found,) = _found(distributed(50), "gateway.backends")
    assert (found.severity, found.path) == ("warning", "landingZone.tenancy")
    assert found.message.startswith(
        "this gateway would hold 150 backends (100 accounts and 50 pools; a pool is a backend): API Management"
        " published a limit of 100 backends per instance"
    )
    for way_out in ("tenancy: shared", "fewer regions", "another gateway"):
        assert way_out in found.message
    assert "learn.microsoft.com/azure/api-management/service-limits" in found.message
    assert topology is not None  # a warning: the plan is made
    assert backend_count(topology.gateway) == (100, 50)


def test_thirty_three_distributed_teams_in_two_regions_fit_in_100_backends():
    """66 accounts and 33 pools make 99 backends, within the 100 API Management published
    (github.com/MicrosoftDocs/azure-docs/blob/7324c251fa3e1051d5468bfbba1a8fd515310296/includes/
    api-management-service-limits-v2.md); one more team makes 102."""
    topology, found = _found(distributed(33), "gateway.backends")
    assert found == [] and topology is not None
    _, (over,) = _found(distributed(34), "gateway.backends")
    assert "would hold 102 backends (68 accounts and 34 pools" in over.message


def test_the_backends_counted_are_the_backends_declared(tmp_path):
    """What the rule counts is what the program declares: one `Single` backend per account and one `Pool` per
    account group (learn.microsoft.com/azure/api-management/backends)."""
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, distributed(3)))
    assert plan.ok, plan.diagnostics
    kinds = [b.inputs["type"] for b in of_type(plan.resources, BACKEND)]
    assert backend_count(plan.topology.gateway) == (kinds.count("Single"), kinds.count("Pool")) == (6, 3)


def test_the_policy_size_measured_is_the_policy_declared(tmp_path):
    """The size the plan checks against API Management's policy document limit is the byte length of the policy
    the program declares (`ApiPolicy.value`, rawxml)."""
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, gateway_lz()))
    assert plan.ok, plan.diagnostics
    (policy,) = of_type(plan.resources, API_POLICY)
    (api,) = plan.topology.gateway.apis
    assert policy_bytes(plan.topology.gateway, api) == len(policy.inputs["value"].encode()) > 5_000


def test_a_policy_over_512_kib_is_refused_and_one_under_plans():
    """API Management's gateway runtime limits: "Policy document size: 512 KiB" in the classic and v2 tiers (16 KiB
    in Consumption), learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits
    #azure-api-management-limits. One API's policy lists every caller app ID of its teams: 10 shared teams
    with 350 each pass it, with 250 each they fit."""
    raw = _lz(_teams(10, apps=350), regions=TWO_REGIONS[:1])
    _, (found,) = _found(raw, "gateway.policy-size")
    assert (found.severity, found.path) == ("error", "landingZone.tenancy")
    assert found.message.startswith("the policy of API shared-default-general would be ")
    assert "(10 teams, 3,500 callerAppIds); StandardV2 takes at most 512 KiB per policy document" in found.message
    for way_out in ("isolation: dedicated", "tenancy: distributed", "fewer callerAppIds", SERVICE_LIMITS):
        assert way_out in found.message
    topology, fits = _found(_lz(_teams(10, apps=250), regions=TWO_REGIONS[:1]), "gateway.policy-size")
    assert fits == [] and topology is not None
    assert 400 * 1024 < policy_bytes(topology.gateway, topology.gateway.apis[0]) <= POLICY_BYTES.of("StandardV2")


def test_more_key_teams_than_the_tier_takes_products_is_refused():
    """A team with subscriptionKeys gets a product of its own. "Products: 100" in Developer (200 in Basic and
    Basic v2, 500 in Standard and Standard v2, 2,000 in Premium and Premium v2): the 2026 limits of
    learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits
    #azure-api-management-limits. 101 key teams (shared tenancy, four governance profiles, so that no account
    passes its deployment limit) are refused on Developer; 100 fit."""
    keys = [{**t, "dataClassification": CLASSES[i % 4]} for i, t in enumerate(_teams(101, subscriptionKeys=True))]
    raw = _lz(keys, regions=TWO_REGIONS[:1], sku="Developer")
    _, (found,) = _found(raw, "gateway.products")
    assert (found.severity, found.path) == ("error", "landingZone.gateway.sku")
    assert found.message.startswith(
        "Developer holds at most 100 products; this gateway needs 101, one per team with subscriptionKeys"
    )
    for way_out in ("StandardV2 (500)", "callerAppIds instead of subscriptionKeys", "another gateway", SERVICE_LIMITS):
        assert way_out in found.message
    topology, fits = _found({**raw, "teams": keys[:100]}, "gateway.products")
    assert fits == [] and topology is not None


def _spec(apis: int, teams_per_api: int, sku: str = "Developer", key: bool = True):
    """The decided gateway of a small plan, with ``apis`` APIs of ``teams_per_api`` key teams each."""
    topology, _ = decide(gateway_lz(gateway={"sku": sku}), PLAN_DATE)
    spec = topology.gateway
    member = PoolMember("a", "swedencentral", 1, 1)
    routes = tuple(TeamRoute(f"team-{t}", (), key, None, None) for t in range(teams_per_api))
    made = tuple(GatewayApi(f"g{i}", f"pool-g{i}", f"g{i}/openai", (member,), routes) for i in range(apis))
    return dataclasses.replace(spec, apis=made)


def test_more_subscriptions_than_the_tier_takes_is_refused():
    """A key team gets a subscription on each API it calls. "Subscriptions: 10,000" in Developer (15,000 in Basic
    and Basic v2, 25,000 in Standard and Standard v2, 75,000 in Premium and Premium v2; not applicable to
    Consumption): learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits
    #azure-api-management-limits. 2 APIs x 5,001 key teams need 10,002."""
    found = {d.rule: d for d in limit_rules(_spec(2, 5_001))}
    assert found["gateway.subscriptions"].message.startswith(
        "Developer holds at most 10,000 subscriptions; this gateway needs 10,002"
    )
    assert found["gateway.subscriptions"].path == "landingZone.gateway.sku"
    assert "gateway.subscriptions" not in {d.rule for d in limit_rules(_spec(2, 5_000))}
    assert SUBSCRIPTIONS.of("Consumption") is None and SUBSCRIPTIONS.of("PremiumV2") == 75_000


def test_more_api_operations_than_the_tier_takes_is_refused():
    """Each account group's API has 10 operations, and "API operations: 3,000" in Developer (10,000 in Basic and
    Basic v2, 50,000 in Standard and Standard v2, 75,000 in Premium and Premium v2), counting versions and
    revisions: learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits
    #azure-api-management-limits. The limit replaced the former count of APIs. 301 APIs need 3,010."""
    (found,) = [d for d in limit_rules(_spec(301, 0, key=False)) if d.rule == "gateway.api-operations"]
    assert found.message.startswith(
        "Developer holds at most 3,000 API operations; this gateway needs 3,010: 301 APIs (one per account group)"
        " of 10 operations each"
    )
    assert "StandardV2 (50,000)" in found.message and "tenancy: shared" in found.message
    assert "gateway.api-operations" not in {d.rule for d in limit_rules(_spec(300, 0, key=False))}


@pytest.mark.parametrize(
    ("limit", "tier", "value"),
    [
        (PRODUCTS, "StandardV2", 500),
        (PRODUCTS, "Premium", 2_000),
        (SUBSCRIPTIONS, "BasicV2", 15_000),
        (API_OPERATIONS, "StandardV2", 50_000),
        (POLICY_BYTES, "Consumption", 16 * 1024),
        (POLICY_BYTES, "Premium", 512 * 1024),
        (BACKENDS, "StandardV2", 100),
    ],
)
def test_the_table_holds_the_published_numbers(limit, tier, value):
    """The numbers as published: learn.microsoft.com/azure/azure-resource-manager/management/
    azure-subscription-service-limits#azure-api-management-limits (2026: products, subscriptions, API
    operations; the gateway runtime limits for the policy document) and, for backends, the last table that
    listed them (github.com/MicrosoftDocs/azure-docs/blob/7324c251fa3e1051d5468bfbba1a8fd515310296/includes/
    api-management-service-limits-v2.md). Every limit names its source."""
    assert limit.of(tier) == value
    assert limit.sources and all(s.startswith("https://") for s in limit.sources)


def test_more_than_30_pool_members_names_the_limit_its_source_and_the_way_out():
    """API Management: "You can include up to 30 backends in a pool" (learn.microsoft.com/azure/api-management/
    backends). A pool holds a member per region, so at most 30 regions stand behind the gateway."""
    regions = [{"name": "swedencentral", "role": "primary"}] + [
        {"name": f"region{i:02d}", "role": "secondary"} for i in range(30)
    ]
    _, diags = decide(gateway_lz(regions=regions), PLAN_DATE)
    (found,) = [d for d in diags if d.rule == "gateway.pool-size"]
    assert found.message == (
        "a backend pool holds at most 30 members (learn.microsoft.com/azure/api-management/backends); got 31:"
        " keep at most 30 regions behind the gateway"
    )
