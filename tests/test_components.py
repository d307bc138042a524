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
