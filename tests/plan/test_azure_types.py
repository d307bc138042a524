"""The type registry (infra/azure_types.py): true to the azure-native SDK, complete for the plans, the one source
of the policy pack's copy, and what the diff reads."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import re
import subprocess
import sys

import pytest

from infra import azure_types, diff
from infra.config import PROJECT_ROOT
from infra.plan import make_plan, to_json
from tests.helpers import PLAN_DATE, example_plan, minimal_landing_zone, write_stack

POLICY_COPY = PROJECT_ROOT / "policy" / "azure_types.json"
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _sdk(t: azure_types.AzureType) -> tuple[str, frozenset[str]]:
    """The token the azure-native class registers, and the input names it takes (camelCase, as on the wire)."""
    _, module, name = t.token.split(":")
    if "/" in module:  # a versioned token the component registers itself, with the default class's inputs
        from components.foundry_project import GATEWAY_CONNECTION_TYPE
        from components.openai_gateway_api import LLM_DIAGNOSTIC_TYPE

        assert t.token in (GATEWAY_CONNECTION_TYPE, LLM_DIAGNOSTIC_TYPE), t.token
        module, token = module.split("/")[0], t.token
    else:
        token = None
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    registered = re.search(r"__init__\(\s*'([^']+)'", inspect.getsource(cls._internal_init)).group(1)
    params = set(inspect.signature(cls._internal_init).parameters) - {"__self__", "resource_name", "opts"}
    # resource_name_ is the input resourceName (the class's own resource_name is the Pulumi name)
    camel = {re.sub(r"_(\w)", lambda m: m.group(1).upper(), p.rstrip("_")) for p in params}
    return token or registered, frozenset(camel)


@pytest.mark.parametrize("t", azure_types.TYPES, ids=lambda t: t.key)
def test_each_token_is_the_one_the_sdk_registers_and_each_field_an_sdk_input(t):
    token, inputs = _sdk(t)
    assert t.token == token
    assert set(t.fields) <= inputs, set(t.fields) - inputs
    assert set(t.identity) <= inputs and {p.split(".")[0] for p in t.replace_on} <= inputs


def test_keys_tokens_and_constants_are_one_to_one():
    names = {name: v for name, v in vars(azure_types).items() if isinstance(v, azure_types.AzureType)}
    assert {name: t.key.upper() for name, t in names.items()} == {name: name for name in names}
    assert len({t.token for t in azure_types.TYPES}) == len(azure_types.TYPES) == len(names) == 38


def test_identity_is_the_arm_id():
    """Two declarations are one Azure resource when their ARM IDs match: the identity is the ID's fields."""
    with_identity = [t for t in azure_types.TYPES if t.identity]
    assert {t.key for t in with_identity} == {
        "resource_group",
        "account",
        "deployment",
        "private_dns_zone",
        "api_management",
        "budget",
    }
    for t in with_identity:
        assert t.identity == t.fields, t.key


def test_arm_ids_of_each_kind_of_scope():
    """ARM IDs as the REST API names them, e.g. Microsoft.CognitiveServices/accounts: /subscriptions/{subscriptionId}/
    resourceGroups/{resourceGroupName}/providers/Microsoft.CognitiveServices/accounts/{accountName}
    (azure.github.io/azure-service-operator/reference/cognitiveservices/v1api20250601, "ARM URI")."""
    sub = "00000000-0000-0000-0000-000000000000"
    names = {
        "resourceGroupName": "rg-x",
        "accountName": "oai-x",
        "deploymentName": "d",
        "scope": f"/subscriptions/{sub}",
    }
    assert azure_types.DEPLOYMENT.resource_id(sub, names) == (
        f"/subscriptions/{sub}/resourceGroups/rg-x/providers/Microsoft.CognitiveServices/accounts/oai-x/deployments/d"
    )
    assert azure_types.RESOURCE_GROUP.resource_id(sub, names) == f"/subscriptions/{sub}/resourceGroups/rg-x"
    assert azure_types.BUDGET.resource_id(sub, {**names, "budgetName": "b"}) == (
        f"/subscriptions/{sub}/providers/Microsoft.Consumption/budgets/b"
    )
    assert azure_types.POLICY_DEFINITION.resource_id(sub, {"policyDefinitionName": "p"}) == (
        f"/subscriptions/{sub}/providers/Microsoft.Authorization/policyDefinitions/p"
    )
    assert (azure_types.BUDGET.extension, azure_types.DIAGNOSTIC_SETTING.extension) == ("scope", "resourceUri")
    assert azure_types.DEPLOYMENT.arm_type == "Microsoft.CognitiveServices/accounts/deployments"
    assert azure_types.APIM_SUBSCRIPTION.name_input == "sid"


def test_every_type_the_plans_and_examples_declare_is_registered(plans):
    declared = {r.type for p in [*plans.values(), example_plan("foundry")] for r in p.resources if r.custom}
    assert declared - set(azure_types.BY_TOKEN) == set()
    # and the mocks answer each with the registry's ID
    for r in (r for p in plans.values() for r in p.resources if r.custom):
        t = azure_types.BY_TOKEN[r.type]
        assert r.outputs["id"] == t.resource_id(r.outputs["id"].split("/")[2], r.outputs), r.urn


def test_every_replace_rule_names_real_wire_inputs(prod):
    plan = json.loads(to_json(prod))
    seen: dict[str, set[str]] = {}
    for r in plan["resources"]:
        seen.setdefault(r["type"], set()).update(diff.flatten(r["inputs"]))
    for t in azure_types.TYPES:
        if t.token in seen:
            assert set(t.replace_on) <= seen[t.token] | {"location", "subnet.id"}, (t.key, set(t.replace_on))


def test_the_policy_pack_copy_is_the_registry():
    """The policy pack cannot import infra: its copy must be regenerated with every registry change."""
    assert POLICY_COPY.read_text(encoding="utf-8") == azure_types.as_json(), (
        "policy/azure_types.json is stale: regenerate with `python -m infra.azure_types > policy/azure_types.json`"
    )
    made = subprocess.run(
        [sys.executable, "-m", "infra.azure_types"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0 and made.stdout == azure_types.as_json()
    copy = json.loads(made.stdout)["types"]
    assert "summary" not in copy["account"] and copy["budget"]["extension"] == "scope"


def test_the_policy_pack_reads_its_types_from_the_copy():
    spec = importlib.util.spec_from_file_location("alz_policies_types", PROJECT_ROOT / "policy" / "policies.py")
    policies = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(policies)
    assert (policies.ACCOUNT, policies.DEPLOYMENT, policies.BUDGET) == tuple(
        t.token for t in (azure_types.ACCOUNT, azure_types.DEPLOYMENT, azure_types.BUDGET)
    )
    assert (policies.API_POLICY, policies.PRODUCT, policies.SERVICE) == tuple(
        t.token for t in (azure_types.API_POLICY, azure_types.PRODUCT, azure_types.API_MANAGEMENT)
    )
    assert policies.ACCOUNT_SCOPE == "/providers/Microsoft.CognitiveServices/accounts/"


def test_stateful_types_are_the_registry_s():
    assert {t.key for t in azure_types.TYPES if t.stateful} == {
        "account",
        "deployment",
        "virtual_network",
        "private_dns_zone",
        "api_management",
        "workspace",
        "budget",
    }
    assert diff.Change("u", azure_types.BUDGET.token, "b", "removed").stateful
    assert not diff.Change("u", azure_types.API_POLICY.token, "p", "removed").stateful


def _plan_json(tmp_path, lz, name) -> dict:
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz, name=name))
    assert plan.ok, plan.diagnostics
    return json.loads(to_json(plan))


def test_upgrading_an_account_to_foundry_is_an_update_not_a_replacement(tmp_path):
    """OpenAI -> AIServices is Azure's in-place upgrade to a Foundry resource, keeping its name, endpoint and
    deployments (learn.microsoft.com/azure/ai-foundry/how-to/upgrade-azure-openai); azurerm updates ``kind`` in
    place between exactly these two and replaces on any other change (hashicorp/terraform-provider-azurerm#31063,
    internal/services/cognitive/cognitive_account_resource.go). The review must not call it a replacement."""
    base = _plan_json(tmp_path, minimal_landing_zone(), "Pulumi.base.yaml")
    head = _plan_json(tmp_path, minimal_landing_zone(account={"kind": "AIServices"}), "Pulumi.head.yaml")
    (account,) = [c for c in diff.diff(base, head) if c.type == azure_types.ACCOUNT.token]
    assert (account.kind, account.reasons) == ("changed", [])
    assert ("kind", "OpenAI", "AIServices") in account.properties
    # the subdomain still cannot change: that one is a replacement
    head["resources"] = [
        {**r, "inputs": {**r["inputs"], "properties": {**r["inputs"]["properties"], "customSubDomainName": "other"}}}
        if r["type"] == azure_types.ACCOUNT.token
        else r
        for r in head["resources"]
    ]
    (account,) = [c for c in diff.diff(base, head) if c.type == azure_types.ACCOUNT.token]
    assert account.kind == "replaced"
    assert account.reasons == ["properties.customSubDomainName: the custom subdomain cannot change once set"]
