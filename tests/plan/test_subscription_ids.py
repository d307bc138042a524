"""Every ARM ID the plan shows is in the subscription its resource is deployed to.

azure-native's default provider takes its settings from the stack's config, ``azure-native:subscriptionId``
among them ("By default, each provider uses its package's global configuration settings, which are controlled
by your stack's configuration": https://www.pulumi.com/docs/iac/concepts/resources/providers/), and an explicit
provider from its own ``subscriptionId`` input ("The Subscription ID which should be used":
https://www.pulumi.com/registry/packages/azure-native/api-docs/provider/). So the IDs Azure gives what the program
creates, the IDs it derives from them (role-assignment and policy scopes, role definitions, budget scopes) and
the IDs it imports by all name that subscription; only IDs the stack file states itself (a hub's DNS zones) may
name another.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pulumi
import pulumi_azure_native as azure_native
import yaml
from pulumi_azure_native import authorization, cognitiveservices, resources

from infra import azure_types
from infra.mocks import SUBSCRIPTION_ID
from infra.plan import PROJECT_ROOT, Plan, make_plan, to_json
from tests.helpers import PLAN_DATE, ROLE_ASSIGNMENT, of_type, register, team_files_in

STACK_SUBSCRIPTION = "5b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
SUBSCRIPTION = re.compile(r"/subscriptions/([0-9a-fA-F-]{36})")
"""An ARM subscription ID; an APIM subscription (``.../service/<name>/subscriptions/<team>``) is not one."""
BUDGET = azure_types.BUDGET.token
POLICY_ASSIGNMENT = azure_types.POLICY_ASSIGNMENT.token


def subscriptions_in(plan: Plan, stated: tuple[str, ...] = ()) -> dict[str, int]:
    """Subscription -> how often the plan JSON (inputs, import IDs, outputs) names it; ``stated`` IDs left out."""
    text = to_json(plan)
    for arm_id in stated:
        text = text.replace(arm_id, "")
    return dict(Counter(SUBSCRIPTION.findall(text)))


def dev_copy(tmp_path: Path, subscription: str) -> Plan:
    """``Pulumi.dev.yaml`` and its team files in ``tmp_path``, with ``azure-native:subscriptionId`` set."""
    shutil.copytree(PROJECT_ROOT / "teams", tmp_path / "teams")
    doc = yaml.safe_load((PROJECT_ROOT / "Pulumi.dev.yaml").read_text())
    doc["config"]["azure-native:subscriptionId"] = subscription
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with team_files_in(tmp_path):
        plan = make_plan("dev", PLAN_DATE, path)
    assert plan.ok, plan.diagnostics
    return plan


def test_every_id_is_in_the_stacks_subscription(tmp_path):
    """Dev with ``azure-native:subscriptionId`` set: resource IDs, role-assignment scopes and role definitions,
    policy-assignment scopes, budget scopes and every output ID name that subscription, never the placeholder."""
    plan = dev_copy(tmp_path, STACK_SUBSCRIPTION)
    counts = subscriptions_in(plan)
    assert set(counts) == {STACK_SUBSCRIPTION}, counts
    assert counts[STACK_SUBSCRIPTION] > 100

    grants = of_type(plan.resources, ROLE_ASSIGNMENT)
    assert grants
    for ra in grants:
        assert ra.inputs["scope"].startswith(f"/subscriptions/{STACK_SUBSCRIPTION}/resourceGroups/")
        assert ra.inputs["roleDefinitionId"].startswith(
            f"/subscriptions/{STACK_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        )
    scopes = {r.inputs["budgetName"]: r.inputs["scope"] for r in of_type(plan.resources, BUDGET)}
    assert scopes["budget-contoso-dev"] == f"/subscriptions/{STACK_SUBSCRIPTION}"
    assignments = of_type(plan.resources, POLICY_ASSIGNMENT)
    assert assignments
    for pa in assignments:
        assert pa.inputs["scope"].startswith(f"/subscriptions/{STACK_SUBSCRIPTION}/resourceGroups/")
        assert pa.inputs["policyDefinitionId"].startswith(
            ("/providers/Microsoft.Authorization/", f"/subscriptions/{STACK_SUBSCRIPTION}/providers/")
        )
    ours = f"/subscriptions/{STACK_SUBSCRIPTION}/"
    assert all(a["id"].startswith(ours) for a in plan.outputs["accounts"].values())
    assert all(i.startswith(ours) for i in plan.outputs["network"]["vnetIds"])
    assert plan.outputs["budgets"]["environment"] == (
        f"/subscriptions/{STACK_SUBSCRIPTION}/providers/Microsoft.Consumption/budgets/budget-contoso-dev"
    )


def test_without_a_subscription_the_placeholder_stands_in(dev):
    """No ``azure-native:subscriptionId``: azure-native would take the Azure CLI's default subscription, which
    the offline plan cannot know, so every ID names the one placeholder (and only it)."""
    counts = subscriptions_in(dev)
    assert set(counts) == {SUBSCRIPTION_ID}, counts


def test_adopted_ids_agree_with_the_accounts(tmp_path):
    """The adopt example: the deployment's import ID, the existing account's ID (``getAccount``, answered by
    the provider in its subscription) and the role assignments on it name the same subscription."""
    plan = make_plan("adopt", PLAN_DATE, PROJECT_ROOT / "examples" / "adopt" / "Pulumi.adopt.yaml")
    assert plan.ok, plan.diagnostics
    stack = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
    counts = subscriptions_in(plan)
    assert set(counts) == {stack}, counts
    (account,) = plan.outputs["accounts"].values()
    assert account["id"] == (
        f"/subscriptions/{stack}/resourceGroups/contoso-openai-rg/providers/Microsoft.CognitiveServices"
        "/accounts/contoso-openai-01"
    )
    (imported,) = [r for r in plan.resources if r.import_id]
    assert imported.import_id.startswith(f"{account['id']}/deployments/")
    grants = of_type(plan.resources, ROLE_ASSIGNMENT)
    assert grants
    for ra in grants:
        assert ra.inputs["scope"] == account["id"]


def test_ids_the_stack_states_keep_their_subscription(prod):
    """Prod states a hub's DNS zones in another subscription (22222222-...): those stay as written, and every
    other ID is in the stack's subscription (11111111-...)."""
    doc = yaml.safe_load((PROJECT_ROOT / "Pulumi.prod.yaml").read_text())
    stated = tuple(re.findall(r"/subscriptions/[^\s\"']+", yaml.safe_dump(doc, width=10_000)))
    assert any("22222222-2222-2222-2222-222222222222" in s for s in stated)
    counts = subscriptions_in(prod, stated)
    assert set(counts) == {"11111111-1111-1111-1111-111111111111"}, counts


def test_a_resource_lives_in_its_providers_subscription():
    """An explicit provider with its own ``subscriptionId`` places what it manages there, and
    ``getClientConfig`` ("the current configuration of the native Azure provider":
    https://www.pulumi.com/registry/packages/azure-native/api-docs/authorization/getclientconfig/) through it
    answers that subscription; the default provider keeps the stack's (here none: the placeholder)."""
    other = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    seen: list[str] = []

    def program():
        provider = azure_native.Provider("other", subscription_id=other)
        opts = pulumi.ResourceOptions(provider=provider)
        resources.ResourceGroup("theirs", resource_group_name="rg-theirs", opts=opts)
        resources.ResourceGroup("ours", resource_group_name="rg-ours")
        cognitiveservices.Account(
            "acct",
            account_name="acct",
            resource_group_name="rg-theirs",
            kind="OpenAI",
            sku={"name": "S0"},
            opts=opts,
        )
        theirs = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(provider=provider))
        ours = authorization.get_client_config_output()
        pulumi.Output.all(theirs.subscription_id, ours.subscription_id).apply(seen.extend)

    recorded = register(program)
    ids = {r.name: r.outputs.get("id") for r in recorded}
    assert ids["theirs"] == f"/subscriptions/{other}/resourceGroups/rg-theirs"
    assert ids["ours"] == f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ours"
    assert ids["acct"] == (
        f"/subscriptions/{other}/resourceGroups/rg-theirs/providers/Microsoft.CognitiveServices/accounts/acct"
    )
    assert seen == [other, SUBSCRIPTION_ID]


def test_a_subscription_that_is_not_a_guid_is_refused(tmp_path):
    """Every ID is built in ``azure-native:subscriptionId``: a value that is not a subscription ID is an error
    on every subcommand, not IDs that Azure would refuse."""
    from tests.bad_input.test_regressions import assert_refused, project_copy

    root = project_copy(tmp_path)
    config = root / "Pulumi.prod.yaml"
    config.write_text(config.read_text().replace("11111111-1111-1111-1111-111111111111", "my-subscription", 1))
    assert_refused(
        config,
        "Pulumi.prod.yaml: config.azure-native:subscriptionId: 'my-subscription' is not a subscription ID (a GUID)",
    )
