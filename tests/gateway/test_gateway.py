"""The AI gateway: pools, circuit breakers, the rendered policy, keyless backends, and the failover rules."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from components.gateway_policy import render_api_policy
from infra import azure_types
from infra.plan import _plain, make_plan
from infra.topology import decide
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, minimal_landing_zone, of_type, private_network, team, write_stack

BACKEND = azure_types.BACKEND.token
API_POLICY = azure_types.API_POLICY.token
ROLE = azure_types.ROLE_ASSIGNMENT.token
ACCOUNT = azure_types.ACCOUNT.token
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
GATEWAY = {
    "enabled": True,
    "publisherEmail": "ai@contoso.com",
    "entra": {"tenantId": TENANT, "audiences": ["api://ai-gw"]},
}
REGIONS = [{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary", "weight": 3}]
APP_A, APP_B = "00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000b1"


def gateway_lz(regions=REGIONS, gateway=None, **overrides):
    network = private_network([r["name"] for r in regions])
    network["regions"][regions[0]["name"]]["vnet"]["gatewaySubnet"] = "10.0.0.64/27"
    lz = minimal_landing_zone(
        regions=regions,
        gateway={**GATEWAY, **(gateway or {})},
        network=network,
        teams=[
            team("team-a", callerAppIds=[APP_A]),
            team("team-b", "00000000-0000-0000-0000-00000000000b", callerAppIds=[APP_B], subscriptionKeys=True),
        ],
    )
    lz.update(overrides)
    return lz


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    result = make_plan("test", PLAN_DATE, write_stack(tmp_path_factory.mktemp("gw"), gateway_lz()))
    assert result.ok, result.diagnostics
    return result


def policy_of(plan) -> ET.Element:
    (policy,) = of_type(plan.resources, API_POLICY)
    assert policy.inputs["format"] == "rawxml"
    return ET.fromstring(policy.inputs["value"])


def test_policy_routes_to_an_existing_pool_and_pins_stored_responses_to_the_primary(plan):
    doc = policy_of(plan)
    pinned, pooled = (e.get("backend-id") for e in doc.iter("set-backend-service"))
    backends = {b.inputs["backendId"]: b.inputs["type"] for b in of_type(plan.resources, BACKEND)}
    assert (pooled, backends[pooled]) == ("pool-shared-default-general", "Pool")
    assert (pinned, backends[pinned]) == ("shared-default-general-swedencentral", "Single")


def test_retry_covers_what_trips_a_member_until_every_fallback_was_reached(plan):
    """A member trips only after `failureCount` failures within the interval, and until then the pool keeps
    choosing it (learn.microsoft.com/azure/api-management/backends, circuit breaker), so the retries must
    outlast the trips: failureCount x (members - 1). Azure-Samples/AI-Gateway backend-pool-load-balancing
    retries through the pool in the same way."""
    retry = policy_of(plan).find("backend/retry")
    condition = retry.get("condition")
    assert "StatusCode == 429" in condition and "StatusCode >= 500" in condition
    assert retry.get("count") == "3"  # two members, three failures to trip the first
    assert retry.find("forward-request").get("buffer-request-body") == "true"


def routing(pool_size: int, failure_count: int = 3) -> dict:
    return {"pool": "pool-x", "pool_size": pool_size, "primary_backend": "x-1", "failure_count": failure_count}


def test_single_member_pool_has_no_retry():
    doc = ET.fromstring(render_api_policy(TENANT, ["api://x"], routing(1), [{"team": "t", "caller_app_ids": [APP_A]}]))
    assert doc.find("backend/retry") is None and doc.find("backend/forward-request") is not None
    three = ET.fromstring(
        render_api_policy(TENANT, ["api://x"], routing(3, 2), [{"team": "t", "caller_app_ids": [APP_A]}])
    )
    assert three.find("backend/retry").get("count") == "4"


def test_keyless_auth_entra_validation_and_metrics(plan):
    doc = policy_of(plan)
    auth = doc.find("inbound/authentication-managed-identity")
    assert auth.get("resource") == "https://cognitiveservices.azure.com"
    validate = doc.find("inbound/choose/when/validate-azure-ad-token")
    assert validate.get("tenant-id") == TENANT
    assert [a.text for a in validate.findall("audiences/audience")] == ["api://ai-gw"]
    assert [a.text for a in validate.findall("client-application-ids/application-id")] == [APP_A, APP_B]
    metric = doc.find("inbound/llm-emit-token-metric")
    assert {d.get("name") for d in metric.findall("dimension")} == {"Team", "Model", "API", "Alias", "Deployment"}
    # callers are mapped to teams by their app ID
    team_var = doc.find("inbound/set-variable").get("value")
    assert f'case "{APP_A}": return "team-a";' in team_var and f'case "{APP_B}": return "team-b";' in team_var


def test_token_limits_per_team_match_the_quotas(plan):
    costs = {c.team: c for c in plan.topology.costs}
    limits = {}
    doc = policy_of(plan)
    for limit in doc.iter("llm-token-limit"):
        when = next(w for w in doc.iter("when") if limit in list(w))
        limits[limit.get("counter-key")] = limit
        assert f'== "{limit.get("counter-key")}"' in when.get("condition")
    assert set(limits) == {"team-a", "team-b"}
    for name, limit in limits.items():
        assert limit.get("tokens-per-minute") == str(costs[name].tokens_per_minute) == "10000"
        assert limit.get("token-quota") == str(costs[name].monthly_tokens)
        assert limit.get("token-quota-period") == "Monthly"
    otherwise = policy_of(plan).find("inbound/choose/otherwise/return-response/set-status")
    assert otherwise.get("code") == "403"
    assert of_type(plan.resources, "azure-native:apimanagement:ProductPolicy") == []  # nothing else counts


def test_team_products_and_keys(plan):
    """Only key teams get a product, and it requires a subscription: an API takes at most one open product,
    and every keyless call would run as its team (learn.microsoft.com/azure/api-management/
    api-management-subscriptions: "An API can be associated with at most one open product")."""
    products = {p.inputs["productId"]: p for p in of_type(plan.resources, "azure-native:apimanagement:Product")}
    assert set(products) == {"team-b"}
    assert products["team-b"].inputs["subscriptionRequired"] is True
    (sub,) = of_type(plan.resources, "azure-native:apimanagement:Subscription")
    assert sub.inputs["scope"] == products["team-b"].outputs["id"]
    text = str(plan.outputs).lower()
    assert "primarykey" not in text and "secondarykey" not in text and "connectionstring" not in text


def test_pool_members_priorities_weights_and_breakers(plan):
    backends = {b.inputs["backendId"]: b for b in of_type(plan.resources, BACKEND)}
    pool = backends["pool-shared-default-general"].inputs["pool"]["services"]
    members = {backends_by_id(backends, s["id"]): s for s in pool}
    assert members == {
        "shared-default-general-swedencentral": {
            "id": backends["shared-default-general-swedencentral"].outputs["id"],
            "priority": 1,
            "weight": 1,
        },
        "shared-default-general-eastus2": {
            "id": backends["shared-default-general-eastus2"].outputs["id"],
            "priority": 2,
            "weight": 3,
        },
    }
    accounts = {a.inputs["accountName"]: a for a in of_type(plan.resources, ACCOUNT)}
    for key in members:
        single = backends[key].inputs
        assert single["type"] == "Single" and single["protocol"] == "http"
        (rule,) = single["circuitBreaker"]["rules"]
        assert rule["acceptRetryAfter"] is True
        assert rule["tripDuration"] == "PT1M"
        assert rule["failureCondition"]["count"] == 3 and rule["failureCondition"]["interval"] == "PT1M"
        assert rule["failureCondition"]["statusCodeRanges"] == [{"min": 429, "max": 429}, {"min": 500, "max": 599}]
        region = key.rsplit("-", 1)[1]
        account = accounts[f"oai-contoso-dev-shared-default-general-{region}"]
        assert single["url"] == f"https://{account.inputs['properties']['customSubDomainName']}.openai.azure.com/openai"


def backends_by_id(backends: dict, arm_id: str) -> str:
    return next(k for k, b in backends.items() if b.outputs["id"] == arm_id)


def test_gateway_identity_can_call_every_backend_account_and_nothing_else(plan):
    (service,) = of_type(plan.resources, "azure-native:apimanagement:ApiManagementService")
    principal = service.outputs["identity"]["principalId"]
    scopes = [r.inputs["scope"] for r in of_type(plan.resources, ROLE) if r.inputs["principalId"] == principal]
    assert sorted(scopes) == sorted(a.outputs["id"] for a in of_type(plan.resources, ACCOUNT))
    for r in of_type(plan.resources, ROLE):
        if r.inputs["principalId"] == principal:
            assert r.inputs["principalType"] == "ServicePrincipal"
            assert r.inputs["roleDefinitionId"].endswith("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd")


def test_gateway_service_and_network(plan):
    (service,) = of_type(plan.resources, "azure-native:apimanagement:ApiManagementService")
    i = service.inputs
    assert i["sku"] == {"name": "StandardV2", "capacity": 1}
    assert i["identity"] == {"type": "SystemAssigned"}
    assert i["virtualNetworkType"] == "External"
    assert i["virtualNetworkConfiguration"]["subnetResourceId"].endswith("/subnets/snet-gateway")
    (vnet,) = [
        v
        for v in of_type(plan.resources, "azure-native:network:VirtualNetwork")
        if v.inputs["location"] == "swedencentral"
    ]
    gateway_subnet = next(s for s in vnet.inputs["subnets"] if s["name"] == "snet-gateway")
    assert gateway_subnet["delegations"] == [{"name": "delegation", "serviceName": "Microsoft.Web/serverFarms"}]
    loggers = {r.inputs["loggerId"]: r for r in of_type(plan.resources, "azure-native:apimanagement:Logger")}
    assert set(loggers) == {"appinsights", "azuremonitor"}  # azuremonitor: LLM logs (tests/gateway/test_llm_logs.py)
    logger = loggers["appinsights"]
    assert _plain(logger.inputs)["credentials"] == "[secret]"  # the App Insights connection string
    (diag,) = of_type(plan.resources, "azure-native:apimanagement:Diagnostic")
    assert diag.inputs["metrics"] is True


def test_premium_injects_internally_with_the_required_nsg_rules(tmp_path):
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, gateway_lz(gateway={"sku": "Premium"})))
    assert plan.ok, plan.diagnostics
    (service,) = of_type(plan.resources, "azure-native:apimanagement:ApiManagementService")
    assert service.inputs["virtualNetworkType"] == "Internal"
    nsg = next(
        n
        for n in of_type(plan.resources, "azure-native:network:NetworkSecurityGroup")
        if n.inputs["networkSecurityGroupName"].endswith("snet-gateway")
    )
    rules = {r["sourceAddressPrefix"]: r["destinationPortRange"] for r in nsg.inputs["securityRules"]}
    assert rules == {"ApiManagement": "3443", "AzureLoadBalancer": "6390"}


def test_team_gateway_url(plan):
    assert (
        plan.outputs["teams"]["team-a"]["gatewayUrl"] == "https://apim-contoso-dev.azure-api.net/shared-default-general"
    )
    assert plan.outputs["gateway"]["apis"] == {"shared-default-general": "shared-default-general/openai"}


def test_prod_stack_is_two_regions_behind_the_gateway(prod):
    plan = prod
    assert plan.ok
    pools = [b for b in of_type(plan.resources, BACKEND) if b.inputs["type"] == "Pool"]
    assert len(pools) == 3
    for p in pools:
        assert sorted(s["priority"] for s in p.inputs["pool"]["services"]) == [1, 2]
    for policy in of_type(plan.resources, API_POLICY):
        assert ET.fromstring(policy.inputs["value"]).find("backend/retry").get("count") == "3"
    for name in ("contoso-chat", "claims-assist", "hr-copilot", "fraud-detect"):
        assert plan.outputs["teams"][name]["gatewayUrl"].startswith("https://apim-contoso-prod.azure-api.net/")


def _errors(lz) -> dict[str, str]:
    _, diags = decide(lz, PLAN_DATE)
    return {d.path: d.message for d in diags if d.severity == "error"}


def test_deployment_names_must_match_across_a_pool():
    lz = gateway_lz()
    lz["teams"][0]["models"][0]["regions"] = ["swedencentral"]
    errs = _errors(lz)
    msg = errs["landingZone.teams[0].models[0]"]
    assert "pool shared-default-general: deployment 'team-a-gpt-4.1-mini' is in swedencentral but not in eastus2" in msg
    lz["gateway"]["enabled"] = False
    assert "landingZone.teams[0].models[0]" not in _errors(lz)


def test_capacity_per_region_keeps_the_names(tmp_path):
    lz = gateway_lz()
    lz["teams"][0]["models"][0]["capacityByRegion"] = {"eastus2": 4}
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok, plan.diagnostics
    caps = {
        (d.inputs["accountName"].rsplit("-", 1)[1], d.inputs["deploymentName"]): d.inputs["sku"]["capacity"]
        for d in of_type(plan.resources, "azure-native:cognitiveservices:Deployment")
    }
    assert caps[("eastus2", "team-a-gpt-4.1-mini")] == 4
    assert caps[("swedencentral", "team-a-gpt-4.1-mini")] == 10


def test_more_than_30_pool_members_is_an_error():
    regions = [{"name": "swedencentral", "role": "primary"}] + [
        {"name": f"region{i:02d}", "role": "secondary"} for i in range(30)
    ]
    errs = _errors(gateway_lz(regions=regions))
    assert errs["landingZone.regions"].startswith("a backend pool holds at most 30 members (")
    # also for tiers whose other checks stop early
    assert (
        "at most 30 members"
        in _errors(gateway_lz(regions=regions, gateway={"sku": "Consumption"}))["landingZone.regions"]
    )


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"gateway": {"sku": "BasicV2"}}, "landingZone.gateway.sku", "cannot join a VNet"),
        ({"gateway": {"sku": "Consumption"}}, "landingZone.gateway.sku", "no backend circuit breakers"),
        ({"gateway": {"sku": "PremiumV2"}}, "landingZone.gateway.sku", "not in azure-native"),
        ({"gateway": {"sku": "Developer"}, "environment": "prod"}, "landingZone.gateway.sku", "no SLA"),
        ({"gateway": {"entra": None}}, "landingZone.gateway.entra", "is required"),
        ({"no_gateway_subnet": True}, "landingZone.network.regions.swedencentral", "needs a subnet in the primary"),
    ],
)
def test_sku_and_network_validation(change, path, message):
    lz = gateway_lz(gateway=change.get("gateway"))
    if "network" in change:
        lz["network"] = change["network"]
    if "environment" in change:
        lz["environment"] = change["environment"]
    if change.get("no_gateway_subnet"):
        del lz["network"]["regions"]["swedencentral"]["vnet"]["gatewaySubnet"]
    errs = errors_of(lz)
    assert path in errs, errs
    assert message in errs[path]


def test_public_accounts_get_a_public_gateway_with_a_warning(tmp_path):
    lz = gateway_lz(network={"mode": "public", "allowedIps": ["203.0.113.0/24"]})
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok, plan.diagnostics
    (w,) = [d for d in plan.diagnostics if d.path == "landingZone.network.allowedIps"]
    assert w.severity == "warning" and "outbound IP addresses" in w.message
    (service,) = of_type(plan.resources, "azure-native:apimanagement:ApiManagementService")
    assert service.inputs["virtualNetworkType"] == "None" and "virtualNetworkConfiguration" not in service.inputs


def test_public_gateway_in_prod_is_a_warning():
    lz = gateway_lz(environment="prod", budgets={"environment": {"monthly": 1000, "contacts": ["f@contoso.com"]}})
    _, diags = decide(lz, PLAN_DATE)
    (w,) = [d for d in diags if d.path == "landingZone.gateway.publicNetworkAccess"]
    assert w.severity == "warning" and "endpoint is public" in w.message
    assert "set publicNetworkAccess: Disabled once the private endpoint exists" in w.message


def test_no_failover_warning_without_a_gateway():
    def warnings(sku: str, environment: str = "prod", gateway: bool = False):
        lz = gateway_lz(environment=environment, budgets={"environment": {"monthly": 1, "contacts": ["f@contoso.com"]}})
        lz["gateway"]["enabled"] = gateway
        lz["teams"][0]["models"][0]["sku"] = sku
        _, diags = decide(lz, PLAN_DATE)
        return [d for d in diags if d.path == "landingZone.teams[0].models[0].sku"]

    (w,) = warnings("Standard")
    assert w.severity == "warning" and "no failover" in w.message
    assert warnings("GlobalStandard") == [] and warnings("DataZoneStandard") == []
    assert warnings("Standard", gateway=True) == []
    assert warnings("Standard", environment="dev") == []


SUBSCRIPTION = azure_types.APIM_SUBSCRIPTION.token


def test_gateway_subscription_keys_are_secret_outputs(prod):
    """Bug: API Management subscription keys were not ``additionalSecretOutputs``: plain text in the state."""
    subscriptions = of_type(prod.resources, SUBSCRIPTION)
    assert subscriptions
    for s in subscriptions:
        assert {"primaryKey", "secondaryKey"} <= set(s.additional_secret_outputs), s.name
