"""The whole program, run the way the offline plan runs it, for each stack."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from infra.plan import make_plan, to_json
from tests.helpers import (
    ACCOUNT,
    DEPLOYMENT,
    PLAN_DATE,
    RAI_POLICY,
    RESOURCE_GROUP,
    minimal_landing_zone,
    of_type,
    stack_landing_zone,
    write_stack,
)


@pytest.fixture(scope="module")
def dev():
    return make_plan("dev", PLAN_DATE)


@pytest.fixture(scope="module")
def prod():
    return make_plan("prod", PLAN_DATE)


def _chains(plan) -> dict[str, list[str]]:
    """Deployments per account, in dependency order, checking each waits on exactly the previous one."""
    chains: dict[str, list] = {}
    for d in of_type(plan.resources, DEPLOYMENT):
        chains.setdefault(d.parent, []).append(d)
    out = {}
    for parent, deps in chains.items():
        previous = None
        for d in deps:
            earlier = [u for u in d.depends_on if u.split("::")[-1] in {x.name for x in deps}]
            assert earlier == ([previous.urn] if previous else []), d.name
            previous = d
        out[parent.split("::")[-1]] = [d.inputs["deploymentName"] for d in deps]
    return out


def test_dev_stack(dev):
    assert dev.ok, dev.diagnostics
    counts = Counter(r.type for r in dev.resources if r.custom)
    lz = stack_landing_zone("dev")
    n_models = sum(len(t["models"]) for t in lz["teams"])
    assert counts == {RESOURCE_GROUP: 1, ACCOUNT: 1, RAI_POLICY: 1, DEPLOYMENT: n_models}
    (account,) = of_type(dev.resources, ACCOUNT)
    props = account.inputs["properties"]
    assert account.inputs["accountName"] == "oai-contoso-dev-swedencentral"
    assert props["publicNetworkAccess"] == "Enabled"
    assert props["networkAcls"]["ipRules"] == [{"value": "203.0.113.0/24"}]
    assert props["disableLocalAuth"] is True


def test_prod_stack_has_an_account_per_region_with_chained_deployments(prod):
    assert prod.ok, prod.diagnostics
    accounts = of_type(prod.resources, ACCOUNT)
    assert sorted(a.inputs["location"] for a in accounts) == ["francecentral", "swedencentral"]
    for a in accounts:
        assert a.inputs["properties"]["publicNetworkAccess"] == "Disabled"
        assert a.inputs["properties"]["networkAcls"]["defaultAction"] == "Deny"
    chains = _chains(prod)
    assert set(chains) == {"shared-swedencentral", "shared-francecentral"}
    # Same deployment names in every region: failover rewrites only the host.
    assert chains["shared-swedencentral"] == chains["shared-francecentral"]
    lz = stack_landing_zone("prod")
    assert len(chains["shared-swedencentral"]) == sum(len(t["models"]) for t in lz["teams"])


def test_prod_deployments_never_wait_on_another_accounts_resources(prod):
    owner = {}
    for r in prod.resources:
        if r.type in (ACCOUNT, RAI_POLICY, DEPLOYMENT):
            owner[r.urn] = r.inputs["accountName"]
    for d in of_type(prod.resources, DEPLOYMENT):
        waited = {owner[u] for u in d.depends_on if u in owner}
        assert waited <= {d.inputs["accountName"]}, d.name


def test_custom_content_filter_is_created_before_its_deployments(prod):
    policies = {p.urn: p for p in of_type(prod.resources, RAI_POLICY)}
    users = [d for d in of_type(prod.resources, DEPLOYMENT) if d.inputs["properties"]["raiPolicyName"] == "strict"]
    assert users
    for d in users:
        (policy_urn,) = [u for u in d.depends_on if u in policies]
        assert policies[policy_urn].inputs["accountName"] == d.inputs["accountName"]
    builtin = [d for d in of_type(prod.resources, DEPLOYMENT) if d not in users]
    assert {d.inputs["properties"]["raiPolicyName"] for d in builtin} == {"Microsoft.DefaultV2"}


def test_outputs_have_endpoints_and_no_keys(prod):
    accounts = prod.outputs["accounts"]
    assert set(accounts) == {"shared-swedencentral", "shared-francecentral"}
    east = accounts["shared-swedencentral"]
    assert east["endpoint"] == "https://oai-contoso-prod-swedencentral.openai.azure.com/"
    assert east["id"].endswith("/accounts/oai-contoso-prod-swedencentral")
    assert east["deployments"][0] == "contoso-chat-gpt-4.1-mini"
    text = json.dumps(prod.outputs).lower()
    assert "key" not in text and "connectionstring" not in text


def test_plan_json_is_deterministic():
    assert to_json(make_plan("prod", PLAN_DATE)) == to_json(make_plan("prod", PLAN_DATE))


def test_existing_account_mode_creates_no_account(tmp_path):
    lz = minimal_landing_zone(
        regions=[
            {
                "name": "swedencentral",
                "role": "primary",
                "existingAccount": {"name": "oai-platform-shared", "resourceGroup": "rg-platform"},
            }
        ]
    )
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok, plan.diagnostics
    assert of_type(plan.resources, ACCOUNT) == []
    assert of_type(plan.resources, RESOURCE_GROUP) == []
    (dep,) = of_type(plan.resources, DEPLOYMENT)
    assert dep.inputs["accountName"] == "oai-platform-shared"
    assert dep.inputs["resourceGroupName"] == "rg-platform"
    assert dep.depends_on == []
    out = plan.outputs["accounts"]["shared-swedencentral"]
    assert out["existing"] is True
    assert out["endpoint"] == "https://oai-platform-shared.openai.azure.com/"


def test_invalid_config_registers_nothing(tmp_path):
    lz = minimal_landing_zone()
    lz["teams"][0]["models"][0]["capacity"] = 0
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert not plan.ok
    assert plan.resources == []
    assert [d.path for d in plan.diagnostics] == ["landingZone.teams[0].models[0].capacity"]
