"""Components under mocks: the Azure shapes they register and the order Azure needs."""

from __future__ import annotations

import pulumi

from components import ContentFilter, ModelDeployments, OpenAiAccount
from tests.helpers import ACCOUNT, DEPLOYMENT, RAI_POLICY, by_name, of_type, register


def _deployment(name: str, **extra) -> dict:
    return {
        "name": name,
        "model_name": "gpt-4.1-mini",
        "model_version": "2025-04-14",
        "sku_name": "GlobalStandard",
        "capacity": 10,
        **extra,
    }


def test_account_is_hardened_by_default():
    def program():
        OpenAiAccount("acct", {"account_name": "oai-x", "resource_group_name": "rg-x", "location": "swedencentral"})

    resources = register(program)
    (account,) = of_type(resources, ACCOUNT)
    assert account.parent.endswith("ai-landing-zone:index:OpenAiAccount::acct")
    i = account.inputs
    assert i["kind"] == "OpenAI"
    assert i["sku"] == {"name": "S0"}
    assert i["identity"] == {"type": "SystemAssigned"}
    assert i["properties"]["customSubDomainName"] == "oai-x"
    assert i["properties"]["disableLocalAuth"] is True
    assert i["properties"]["publicNetworkAccess"] == "Disabled"
    assert i["properties"]["networkAcls"]["defaultAction"] == "Deny"
    assert "ipRules" not in i["properties"]["networkAcls"] or i["properties"]["networkAcls"]["ipRules"] == []


def test_account_takes_network_settings_and_tags():
    def program():
        OpenAiAccount(
            "acct",
            {
                "account_name": "oai-x",
                "resource_group_name": "rg-x",
                "location": "swedencentral",
                "kind": "AIServices",
                "custom_subdomain": "oai-x-custom",
                "disable_local_auth": False,
                "public_network_access": "Enabled",
                "network_acls": {"default_action": "Deny", "ip_rules": ["203.0.113.0/24"], "bypass": "None"},
                "tags": {"environment": "dev"},
            },
        )

    (account,) = of_type(register(program), ACCOUNT)
    props = account.inputs["properties"]
    assert account.inputs["kind"] == "AIServices"
    assert props["customSubDomainName"] == "oai-x-custom"
    assert props["disableLocalAuth"] is False
    assert props["publicNetworkAccess"] == "Enabled"
    assert props["networkAcls"] == {"defaultAction": "Deny", "bypass": "None", "ipRules": [{"value": "203.0.113.0/24"}]}
    assert account.inputs["tags"] == {"environment": "dev"}


def test_account_outputs_come_from_the_account():
    seen = {}

    def program():
        acct = OpenAiAccount("acct", {"account_name": "oai-x", "resource_group_name": "rg-x", "location": "eastus2"})
        pulumi.Output.all(acct.account_id, acct.endpoint, acct.principal_id).apply(lambda v: seen.update(values=v))

    register(program)
    resource_id, endpoint, principal = seen["values"]
    assert resource_id.endswith("/resourceGroups/rg-x/providers/Microsoft.CognitiveServices/accounts/oai-x")
    assert endpoint == "https://oai-x.openai.azure.com/"
    assert len(principal) == 36


def test_content_filter_covers_every_category_on_both_sides():
    def program():
        ContentFilter(
            "cf",
            {
                "account_name": "oai-x",
                "resource_group_name": "rg-x",
                "policy_name": "strict",
                "prompt": {"hate": "Low", "self_harm": "High"},
                "completion": {"violence": "Low"},
                "indirect_attack": True,
                "protected_material": False,
            },
        )

    (policy,) = of_type(register(program), RAI_POLICY)
    assert policy.inputs["raiPolicyName"] == "strict"
    props = policy.inputs["properties"]
    assert props["basePolicyName"] == "Microsoft.DefaultV2"
    assert props["mode"] == "Default"
    filters = {(f["source"], f["name"]): f for f in props["contentFilters"]}
    assert len(filters) == 12
    for source in ("Prompt", "Completion"):
        for category in ("Hate", "Sexual", "Violence", "Selfharm"):
            f = filters[(source, category)]
            assert f["enabled"] is True and f["blocking"] is True
    assert filters[("Prompt", "Hate")]["severityThreshold"] == "Low"
    assert filters[("Prompt", "Selfharm")]["severityThreshold"] == "High"
    assert filters[("Prompt", "Sexual")]["severityThreshold"] == "Medium"
    assert filters[("Completion", "Violence")]["severityThreshold"] == "Low"
    assert filters[("Prompt", "Jailbreak")]["enabled"] is True
    assert filters[("Prompt", "Indirect Attack")]["enabled"] is True
    assert filters[("Completion", "Protected Material Text")]["enabled"] is False
    assert filters[("Completion", "Protected Material Code")]["blocking"] is False


def test_deployments_on_one_account_are_serialized():
    def program():
        acct = OpenAiAccount("acct", {"account_name": "oai-x", "resource_group_name": "rg-x", "location": "eastus2"})
        ModelDeployments(
            "acct",
            {
                "account_name": acct.account_name,
                "resource_group_name": "rg-x",
                "deployments": [_deployment("a"), _deployment("b"), _deployment("c")],
            },
        )

    resources = register(program)
    account = of_type(resources, ACCOUNT)[0]
    d = by_name(of_type(resources, DEPLOYMENT))
    assert set(d) == {"acct-a", "acct-b", "acct-c"}
    assert d["acct-a"].depends_on == [account.urn]
    assert d["acct-b"].depends_on == sorted([account.urn, d["acct-a"].urn])
    assert d["acct-c"].depends_on == sorted([account.urn, d["acct-b"].urn])
    for dep in d.values():
        assert dep.parent.endswith("ai-landing-zone:index:ModelDeployments::acct")


def test_deployment_shape():
    def program():
        ModelDeployments(
            "acct",
            {
                "account_name": "oai-x",
                "resource_group_name": "rg-x",
                "deployments": [
                    _deployment(
                        "chat",
                        sku_name="DataZoneStandard",
                        capacity=150,
                        version_upgrade_option="NoAutoUpgrade",
                        rai_policy_name="strict",
                    )
                ],
            },
        )

    (dep,) = of_type(register(program), DEPLOYMENT)
    assert dep.inputs == {
        "accountName": "oai-x",
        "resourceGroupName": "rg-x",
        "deploymentName": "chat",
        "sku": {"name": "DataZoneStandard", "capacity": 150},
        "properties": {
            "model": {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"},
            "versionUpgradeOption": "NoAutoUpgrade",
            "raiPolicyName": "strict",
        },
    }


def test_no_chain_across_accounts():
    def program():
        for region in ("swedencentral", "francecentral"):
            ModelDeployments(
                region,
                {
                    "account_name": f"oai-{region}",
                    "resource_group_name": "rg-x",
                    "deployments": [_deployment("a"), _deployment("b")],
                },
            )

    d = by_name(of_type(register(program), DEPLOYMENT))
    assert d["swedencentral-a"].depends_on == []
    assert d["francecentral-a"].depends_on == []
    assert d["swedencentral-b"].depends_on == [d["swedencentral-a"].urn]
    assert d["francecentral-b"].depends_on == [d["francecentral-a"].urn]


def test_deployment_waits_for_the_content_filter_it_uses():
    def program():
        cf = ContentFilter("cf", {"account_name": "oai-x", "resource_group_name": "rg-x", "policy_name": "strict"})
        ModelDeployments(
            "acct",
            {
                "account_name": "oai-x",
                "resource_group_name": "rg-x",
                "deployments": [_deployment("a", rai_policy_name=cf.policy_name)],
            },
        )

    resources = register(program)
    (policy,) = of_type(resources, RAI_POLICY)
    (dep,) = of_type(resources, DEPLOYMENT)
    assert dep.inputs["properties"]["raiPolicyName"] == "strict"
    assert dep.depends_on == [policy.urn]


def test_existing_account_is_referenced_by_name_only():
    def program():
        ModelDeployments(
            "existing",
            {
                "account_name": "oai-platform",
                "resource_group_name": "rg-platform",
                "deployments": [_deployment("a")],
            },
        )

    resources = register(program)
    assert of_type(resources, ACCOUNT) == []
    (dep,) = of_type(resources, DEPLOYMENT)
    assert dep.inputs["accountName"] == "oai-platform"
    assert dep.inputs["resourceGroupName"] == "rg-platform"


def test_component_type_tokens():
    def program():
        OpenAiAccount("a", {"account_name": "oai-x", "resource_group_name": "rg", "location": "eastus2"})
        ContentFilter("c", {"account_name": "oai-x", "resource_group_name": "rg", "policy_name": "p"})
        ModelDeployments("m", {"account_name": "oai-x", "resource_group_name": "rg", "deployments": []})

    components = {r.type for r in register(program) if not r.custom}
    assert components == {
        "ai-landing-zone:index:OpenAiAccount",
        "ai-landing-zone:index:ContentFilter",
        "ai-landing-zone:index:ModelDeployments",
    }


def test_keyless_access_grants_openai_user_on_the_account_only():
    from components import KeylessAccess
    from components.keyless_access import assignment_name

    def program():
        acct = OpenAiAccount("acct", {"account_name": "oai-x", "resource_group_name": "rg-x", "location": "eastus2"})
        KeylessAccess(
            "acct",
            {
                "account_id": acct.account_id,
                "principals": [
                    {"principal_id": "00000000-0000-0000-0000-00000000000a"},
                    {"principal_id": "00000000-0000-0000-0000-00000000000b", "principal_type": "ServicePrincipal"},
                ],
            },
        )

    resources = register(program)
    (account,) = of_type(resources, ACCOUNT)
    scope = account.outputs["id"]
    grants = {r.inputs["principalId"]: r for r in of_type(resources, "azure-native:authorization:RoleAssignment")}
    assert set(grants) == {"00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"}
    for pid, ra in grants.items():
        assert ra.inputs["scope"] == scope
        assert ra.inputs["roleDefinitionId"] == (
            "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
            "roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
        )
        assert ra.inputs["roleAssignmentName"] == assignment_name(scope, pid, "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd")
        assert account.urn in ra.depends_on
    assert grants["00000000-0000-0000-0000-00000000000a"].inputs["principalType"] == "Group"
    assert grants["00000000-0000-0000-0000-00000000000b"].inputs["principalType"] == "ServicePrincipal"


def test_assignment_names_are_deterministic_guids():
    from components.keyless_access import assignment_name

    a = assignment_name("/subscriptions/s/x", "P", "R")
    assert a == assignment_name("/SUBSCRIPTIONS/S/X", "p", "r")
    assert a != assignment_name("/subscriptions/s/y", "p", "r")
    assert len(a) == 36 and a.count("-") == 4


def test_component_provider_schema_lists_every_component():
    """What `pulumi package add` would generate SDKs from, inferred from the type annotations."""
    from pulumi.provider.experimental.analyzer import Analyzer

    import components

    public = [
        getattr(components, n)
        for n in components.__all__
        if isinstance(getattr(components, n), type) and issubclass(getattr(components, n), pulumi.ComponentResource)
    ]
    result = Analyzer("ai-landing-zone").analyze(public)
    defs = result["component_definitions"]
    assert set(defs) == {
        "OpenAiAccount",
        "ContentFilter",
        "ModelDeployments",
        "KeylessAccess",
        "Network",
        "PrivateDns",
        "PrivateEndpoint",
        "TeamBudget",
        "AlertActionGroup",
        "AiGateway",
        "OpenAiBackendPool",
        "OpenAiGatewayApi",
        "Monitoring",
        "AccountMonitoring",
        "Guardrails",
        "FoundryProject",
    }
    expect = {
        "FoundryProject": (
            {
                "accountName",
                "accountId",
                "resourceGroupName",
                "location",
                "projectName",
                "displayName",
                "description",
                "principals",
                "gateway",
                "tags",
            },
            {"projectId", "principalId", "endpoints"},
        ),
        "OpenAiAccount": (
            {
                "accountName",
                "resourceGroupName",
                "location",
                "kind",
                "skuName",
                "customSubdomain",
                "disableLocalAuth",
                "publicNetworkAccess",
                "networkAcls",
                "protect",
                "allowProjectManagement",
                "tags",
            },
            {"accountId", "accountName", "endpoint", "principalId"},
        ),
        "ContentFilter": (
            {
                "accountName",
                "resourceGroupName",
                "policyName",
                "basePolicyName",
                "mode",
                "prompt",
                "completion",
                "jailbreak",
                "indirectAttack",
                "protectedMaterial",
                "tags",
            },
            {"policyName"},
        ),
        "ModelDeployments": ({"accountName", "resourceGroupName", "deployments"}, {"names"}),
        "KeylessAccess": ({"accountId", "principals", "roleDefinitionGuid"}, {"roleAssignmentNames"}),
        "Network": (
            {"vnetName", "resourceGroupName", "location", "addressSpace", "subnets", "tags"},
            {"vnetId", "subnetIds"},
        ),
        "PrivateDns": ({"resourceGroupName", "zones", "virtualNetworkIds", "tags"}, {"zoneIds"}),
        "PrivateEndpoint": (
            {
                "endpointName",
                "resourceGroupName",
                "location",
                "subnetId",
                "targetId",
                "groupId",
                "privateDnsZoneIds",
                "tags",
            },
            {"privateEndpointId"},
        ),
        "TeamBudget": (
            {
                "budgetName",
                "scope",
                "amount",
                "startDate",
                "notifications",
                "contactEmails",
                "contactRoles",
                "actionGroupIds",
                "resourceIds",
                "resourceGroupNames",
            },
            {"budgetId"},
        ),
        "AlertActionGroup": (
            {"actionGroupName", "shortName", "resourceGroupName", "emails", "tags"},
            {"actionGroupId"},
        ),
        "AiGateway": (
            {
                "serviceName",
                "resourceGroupName",
                "location",
                "skuName",
                "capacity",
                "publisherEmail",
                "publisherName",
                "virtualNetworkType",
                "subnetId",
                "publicNetworkAccess",
                "workspaceId",
                "appInsightsId",
                "appInsightsConnectionString",
                "tags",
            },
            {"gatewayUrl", "principalId", "serviceId", "serviceName", "monitorLoggerId"},
        ),
        "Monitoring": (
            {
                "workspaceName",
                "resourceGroupName",
                "location",
                "retentionDays",
                "existingWorkspaceId",
                "appInsightsName",
                "tags",
            },
            {"workspaceId", "appInsightsId", "appInsightsConnectionString"},
        ),
        "AccountMonitoring": (
            {
                "accountId",
                "accountName",
                "resourceGroupName",
                "workspaceId",
                "actionGroupId",
                "thresholds",
                "provisioned",
                "rollouts",
                "tags",
            },
            {"alertIds"},
        ),
        "Guardrails": (
            {"definitionName", "scopes", "effect", "approvedModels", "protectAccounts"},
            {"definitionId"},
        ),
        "OpenAiBackendPool": (
            {"serviceName", "resourceGroupName", "poolId", "members", "circuitBreaker"},
            {"poolName"},
        ),
        "OpenAiGatewayApi": (
            {
                "serviceName",
                "resourceGroupName",
                "apiId",
                "path",
                "poolName",
                "poolSize",
                "primaryBackend",
                "failureCount",
                "tenantId",
                "audiences",
                "teams",
                "llmLogs",
            },
            {"apiPath", "policyXml"},
        ),
    }
    assert set(expect) == set(defs)
    for name, (inputs, outputs) in expect.items():
        assert set(defs[name].inputs) == inputs, name
        assert set(defs[name].outputs) == outputs, name
    assert not defs["OpenAiAccount"].inputs["accountName"].optional
    assert defs["OpenAiAccount"].inputs["kind"].optional
    assert {"NetworkAclsArgs", "HarmThresholdsArgs", "ModelDeploymentArgs", "PrincipalArgs"} <= set(
        result["type_definitions"]
    )
    assert defs["ModelDeployments"].description.startswith("``Microsoft.CognitiveServices/accounts/deployments``")
