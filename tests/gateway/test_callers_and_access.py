"""Azure's rules for the gateway's callers, routes and private access, each with the public source it comes from.

Mocks accept anything; these tests hold the plan to what Azure Resource Manager and API Management accept.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from components.gateway_policy import MAX_TOKEN_QUOTA, MAX_TOKENS_PER_MINUTE, OPERATIONS, render_api_policy
from infra import azure_types
from infra.topology import decide
from tests.helpers import PLAN_DATE, minimal_landing_zone, of_type, private_network, team

API = azure_types.API.token
API_POLICY = azure_types.API_POLICY.token
OPERATION = azure_types.API_OPERATION.token
PRODUCT = azure_types.PRODUCT.token
LINK = azure_types.PRODUCT_API_LINK.token
SERVICE = azure_types.API_MANAGEMENT.token
PE = azure_types.PRIVATE_ENDPOINT.token
ZONE_GROUP = azure_types.PRIVATE_DNS_ZONE_GROUP.token
DEFINITION = azure_types.POLICY_DEFINITION.token
ASSIGNMENT = azure_types.POLICY_ASSIGNMENT.token
DEPLOYMENT = azure_types.DEPLOYMENT.token
ACCOUNT = azure_types.ACCOUNT.token
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
APP_A, APP_B = "00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000b1"
SUBSCRIPTION = "11111111-1111-1111-1111-111111111111"


def gateway_lz(**overrides) -> dict:
    network = private_network(["swedencentral", "eastus2"])
    network["regions"]["swedencentral"]["vnet"]["gatewaySubnet"] = "10.0.0.64/27"
    lz = minimal_landing_zone(
        regions=[{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary"}],
        network=network,
        gateway={
            "enabled": True,
            "publisherEmail": "ai@contoso.com",
            "entra": {"tenantId": TENANT, "audiences": ["api://gw"]},
        },
        teams=[
            team("team-a", callerAppIds=[APP_A]),
            team("team-b", "00000000-0000-0000-0000-00000000000b", callerAppIds=[APP_B]),
        ],
    )
    lz.update(overrides)
    return lz


def errors(lz: dict, subscription_id: str | None = None) -> dict[str, str]:
    _, diags = decide(lz, PLAN_DATE, subscription_id=subscription_id)
    return {d.path: d.message for d in diags if d.severity == "error"}


# --- 1. The gateway deploys, and every request counts against the right team ---------------------------------


def test_every_token_validation_lists_the_teams_client_application_ids(plans):
    """`<client-application-ids>` is required, with at least one `<application-id>`
    (learn.microsoft.com/azure/api-management/validate-azure-ad-token-policy, Elements table:
    "At least one application-id must be specified ... Yes")."""
    for plan in plans.values():
        callers = {t.name: set(t.caller_app_ids) for t in plan.topology.config.teams}
        for api in plan.topology.gateway.apis:
            (policy,) = [p for p in of_type(plan.resources, API_POLICY) if p.inputs["apiId"] == api.group]
            (validate,) = ET.fromstring(policy.inputs["value"]).iter("validate-azure-ad-token")
            ids = {a.text for a in validate.findall("client-application-ids/application-id")}
            assert ids and ids == set().union(*(callers[t.team] for t in api.teams))
            children = [c.tag for c in validate]
            assert children == ["client-application-ids", "audiences"]  # the order the policy statement gives


def test_a_team_with_neither_app_ids_nor_keys_is_an_error_and_key_only_apis_refuse_keyless_calls():
    """What a team without `callerAppIds` gets: the subscription-key path if it asked for keys, else an error,
    because the gateway would refuse all its calls. An API whose teams all use keys has no token validation
    to render (it would have no client application ID) and answers keyless calls 401."""
    lz = gateway_lz(teams=[team("team-a")])
    assert "list the Entra application IDs" in errors(lz)["landingZone.teams[0].callerAppIds"]
    lz = gateway_lz(teams=[team("team-a", subscriptionKeys=True)])
    assert "landingZone.teams[0].callerAppIds" not in errors(lz)
    routing = {"pool": "p", "pool_size": 2, "primary_backend": "m", "failure_count": 1}
    doc = ET.fromstring(render_api_policy(TENANT, ["api://gw"], routing, [{"team": "team-a"}]))
    assert list(doc.iter("validate-azure-ad-token")) == []
    (refusal,) = doc.find("inbound/choose/when").iter("set-status")
    assert refusal.get("code") == "401"


def test_products_require_subscriptions_so_no_api_has_an_open_product(plans):
    """Products without subscriptions must not send approvalRequired or subscriptionsLimit ("Cannot provide
    values for approvalRequired and subscriptionsLimit when subscriptionRequired is set to false", quoted in
    hashicorp/terraform-provider-azurerm api_management_product_resource.go). An API takes at most one open
    product, and keyless requests run in its context (learn.microsoft.com/azure/api-management/
    api-management-subscriptions): so there are no open products, and keyless teams get none."""
    for plan in plans.values():
        products = {p.outputs["id"]: p.inputs for p in of_type(plan.resources, PRODUCT)}
        for inputs in products.values():
            assert inputs["subscriptionRequired"] is True
        open_links = [link for link in of_type(plan.resources, LINK) if not _requires_subscription(plan, link)]
        assert open_links == []
        keyed = {t.name for t in plan.topology.config.teams if t.subscription_keys}
        assert {p["productId"] for p in products.values()} == keyed


def _requires_subscription(plan, link) -> bool:
    product = next(p for p in of_type(plan.resources, PRODUCT) if p.outputs["name"] == link.inputs["productId"])
    return product.inputs["subscriptionRequired"] is True


@pytest.mark.parametrize(
    ("quota", "path", "message"),
    [
        (
            {"monthlyTokens": 10, "tokensPerMinute": MAX_TOKENS_PER_MINUTE + 1},
            "landingZone.teams[0].tokenQuota.tokensPerMinute",
            "must be <= 2147483647",
        ),
        (
            {"monthlyTokens": MAX_TOKEN_QUOTA + 1, "tokensPerMinute": 10},
            "landingZone.teams[0].tokenQuota.monthlyTokens",
            "must be <= 9223372036854775807",
        ),
    ],
)
def test_token_limits_fit_the_policy_types(quota, path, message):
    """llm-token-limit: tokens-per-minute is an int, token-quota a long (Azure/azure-api-management-policy-
    toolkit, src/Authoring/Configs/TokenLimitConfig.cs: `int? TokensPerMinute`, `long? TokenQuota`)."""
    lz = gateway_lz(teams=[team("team-a", callerAppIds=[APP_A], tokenQuota=quota)])
    assert message in errors(lz)[path]
    ok = gateway_lz(
        teams=[
            team(
                "team-a",
                callerAppIds=[APP_A],
                tokenQuota={"monthlyTokens": MAX_TOKEN_QUOTA, "tokensPerMinute": MAX_TOKENS_PER_MINUTE},
            )
        ]
    )
    assert not any(p.endswith(("tokensPerMinute", "monthlyTokens")) for p in errors(ok))


def test_a_quota_derived_from_a_huge_budget_still_fits_the_policy_type():
    """Derived quotas have no field to bound: the gateway's rule names the budget that made them."""
    lz = gateway_lz(teams=[team("team-a", callerAppIds=[APP_A], budget={"monthly": 1e25, "contacts": ["a@b.co"]})])
    assert "a 64-bit integer" in errors(lz)["landingZone.teams[0].budget.monthly"]


def test_every_api_routes_the_v1_surface_and_keeps_the_deployment_routes(plans):
    """The v1 API: `/openai/v1/responses`, `/openai/v1/chat/completions` and `/openai/v1/embeddings`, no
    api-version, the deployment in the body's `model` (learn.microsoft.com/azure/ai-foundry/openai/
    api-version-lifecycle). No SDK calls `/deployments/{id}/responses`, so it is not routed."""
    expected = {
        ("POST", "/v1/responses"),
        ("GET", "/v1/responses/{response-id}"),
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/embeddings"),
        ("POST", "/deployments/{deployment-id}/chat/completions"),
        ("POST", "/deployments/{deployment-id}/embeddings"),
    }
    for plan in plans.values():
        apis = [a.outputs["name"] for a in of_type(plan.resources, API)]
        assert apis
        for api in apis:
            routes = {
                (o.inputs["method"], o.inputs["urlTemplate"])
                for o in of_type(plan.resources, OPERATION)
                if o.inputs["apiId"] == api
            }
            assert expected <= routes
            assert not any(url.endswith("/responses") and "deployment-id" in url for _, url in routes)
            for o in of_type(plan.resources, OPERATION):
                declared = {p["name"] for p in o.inputs.get("templateParameters", [])}
                assert declared == set(_params(o.inputs["urlTemplate"]))


def _params(url: str) -> list[str]:
    return [part[1:-1] for part in url.split("/") if part.startswith("{")]


def test_stored_responses_stay_on_the_primary_backend(plans):
    """Stored responses live on the account that made them (`GET .../openai/v1/responses/{id}` on that resource,
    learn.microsoft.com/azure/ai-foundry/openai/how-to/responses); a pool without affinity breaks them
    (Azure-Samples/AI-Gateway labs/session-awareness). Every call that reads or continues a stored response is
    pinned to the priority-1 member, and is never retried elsewhere."""
    stored_ops = [op for op, _, _, url in OPERATIONS if "{response-id}" in url]
    assert len(stored_ops) == 4
    for plan in plans.values():
        backends = {
            b.inputs["backendId"]: b.inputs for b in of_type(plan.resources, "azure-native:apimanagement:Backend")
        }
        for api in plan.topology.gateway.apis:
            (policy,) = [p for p in of_type(plan.resources, API_POLICY) if p.inputs["apiId"] == api.group]
            doc = ET.fromstring(policy.inputs["value"])
            (decision,) = [v for v in doc.iter("set-variable") if v.get("name") == "stored-response"]
            for op in [*stored_ops, "v1-responses-create"]:
                assert f'"{op}"' in decision.get("value")
            assert "previous_response_id" in decision.get("value") and '"store"' in decision.get("value")
            pinned = doc.find("inbound/choose/when/set-backend-service[@backend-id]")
            primary = next(m for m in api.members if m.priority == 1)
            assert pinned.get("backend-id") == primary.account and backends[primary.account]["type"] == "Single"
            retry = doc.find("backend/retry")
            assert retry is None or 'GetValueOrDefault<bool>("stored-response", false)' in retry.get("condition")


def test_retries_fit_the_retry_policy():
    """The retry policy's count is "A positive number between 1 and 50" (learn.microsoft.com/azure/
    api-management/retry-policy), and reaching the last member takes failureCount x (members - 1)."""
    lz = gateway_lz(regions=[{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary"}])
    lz["gateway"]["circuitBreaker"] = {"failureCount": 51}
    assert "at most 50" in errors(lz)["landingZone.gateway.circuitBreaker.failureCount"]
    lz["gateway"]["circuitBreaker"] = {"failureCount": 50}
    assert "landingZone.gateway.circuitBreaker.failureCount" not in errors(lz)


# --- 2. The prod gateway is private ----------------------------------------------------------------------------


def test_prod_gateway_has_an_inbound_private_endpoint_and_no_public_access(plans):
    """Standard v2 takes an inbound private endpoint (sub-resource Gateway, zone privatelink.azure-api.net) next
    to outbound VNet integration (learn.microsoft.com/azure/api-management/private-endpoint). Dev keeps the
    public path."""
    prod, dev = plans["prod"], plans["dev"]
    (service,) = of_type(prod.resources, SERVICE)
    assert service.inputs["publicNetworkAccess"] == "Disabled"
    assert service.inputs["virtualNetworkType"] == "External"  # outbound integration stays
    (endpoint,) = [p for p in of_type(prod.resources, PE) if p.name == "gateway-inbound"]
    (connection,) = endpoint.inputs["privateLinkServiceConnections"]
    assert connection["groupIds"] == ["Gateway"]
    assert connection["privateLinkServiceId"] == service.outputs["id"]
    assert endpoint.inputs["subnet"]["id"].endswith("vnet-spoke-ai-swc/subnets/snet-private-endpoints")
    (group,) = [g for g in of_type(prod.resources, ZONE_GROUP) if g.name == "gateway-inbound"]
    (config,) = group.inputs["privateDnsZoneConfigs"]
    assert config["privateDnsZoneId"].endswith("/privateDnsZones/privatelink.azure-api.net")
    (dev_service,) = of_type(dev.resources, SERVICE)
    assert dev_service.inputs["publicNetworkAccess"] == "Enabled"
    assert [p for p in of_type(dev.resources, PE) if p.name == "gateway-inbound"] == []
    # Azure refuses Disabled at creation: the plan says how the two steps go.
    (note,) = [d for d in prod.diagnostics if d.path == "landingZone.gateway.publicNetworkAccess"]
    assert note.severity == "info" and "deploys once with Enabled" in note.message


@pytest.mark.parametrize(
    ("gateway", "environment", "path", "message"),
    [
        (
            {"publicNetworkAccess": "Disabled"},
            "dev",
            "landingZone.gateway.publicNetworkAccess",
            "approved private endpoint first",
        ),
        ({"sku": "Premium", "privateEndpoint": True}, "dev", "landingZone.gateway.privateEndpoint", "Internal mode"),
        (
            {"sku": "BasicV2", "privateEndpoint": True},
            "dev",
            "landingZone.gateway.privateEndpoint",
            "no inbound private endpoint",
        ),
    ],
)
def test_private_gateway_rules(gateway, environment, path, message):
    """Public access can be disabled only after a private endpoint exists; classic tiers injected into a VNet
    take no private endpoint; Basic v2 has none (learn.microsoft.com/azure/api-management/private-endpoint and
    api-management-features, "Private endpoint support for inbound connections")."""
    lz = gateway_lz(environment=environment)
    lz["gateway"].update(gateway)
    assert message in errors(lz)[path]


def test_hub_dns_needs_the_gateway_zone_and_create_mode_makes_it():
    lz = gateway_lz()
    lz["gateway"]["privateEndpoint"] = True
    topology, _ = decide(lz, PLAN_DATE)
    assert "privatelink.azure-api.net" in topology.network.zones
    zones = {
        z: f"/subscriptions/{SUBSCRIPTION}/resourceGroups/hub/providers/Microsoft.Network/privateDnsZones/{z}"
        for z in ("privatelink.openai.azure.com", "privatelink.cognitiveservices.azure.com")
    }
    lz["network"]["privateDns"] = {"mode": "hub", "zoneIds": zones}
    assert "missing privatelink.azure-api.net" in errors(lz)["landingZone.network.privateDns.zoneIds"]


def test_gateway_vnet_is_in_the_gateways_region_and_subscription():
    """Standard v2 outbound integration: "The virtual network must be in the same region and Azure subscription
    as the API Management instance" (learn.microsoft.com/azure/api-management/integrate-vnet-outbound)."""
    subnet = (
        "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/"
        "virtualNetworks/vnet-spoke/subnets/snet-apim"
    )
    lz = gateway_lz()
    lz["network"]["regions"]["swedencentral"] = {
        "privateEndpointSubnetId": subnet.format(sub=SUBSCRIPTION).replace("snet-apim", "pe"),
        "gatewaySubnetId": subnet.format(sub=SUBSCRIPTION),
    }
    assert not any("gatewaySubnetId" in p for p in errors(lz, SUBSCRIPTION))
    other = "99999999-9999-9999-9999-999999999999"
    assert (
        "VNet integration needs the VNet in the gateway's subscription"
        in errors(lz, other)["landingZone.network.regions.swedencentral.gatewaySubnetId"]
    )
    lz["network"]["regions"]["eastus2"] = {
        "privateEndpointSubnetId": subnet.format(sub=SUBSCRIPTION).replace("snet-apim", "pe2"),
        "gatewaySubnetId": subnet.format(sub=SUBSCRIPTION).replace("snet-apim", "apim2"),
    }
    assert (
        "must be in the same region" in errors(lz, SUBSCRIPTION)["landingZone.network.regions.eastus2.gatewaySubnetId"]
    )
