"""The CrossGuard policy pack, run against the resources of the offline plans."""

from __future__ import annotations

import copy
import importlib.util
import re
import sys

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from infra.config import PROJECT_ROOT
from infra.plan import _plain, make_plan
from tests.helpers import DEPLOYMENT, PLAN_DATE, example_plan, of_type

_spec = importlib.util.spec_from_file_location("alz_policies", PROJECT_ROOT / "policy" / "policies.py")
policies = sys.modules["alz_policies"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(policies)

PROD = {"requirePrivate": True, "asOf": PLAN_DATE.isoformat()}
DEV = {"requirePrivate": False, "asOf": PLAN_DATE.isoformat()}
RESOURCE_CHECKS = [
    policies.accounts_private,
    policies.accounts_keyless,
    policies.accounts_identity,
    policies.deployments_approved,
    policies.gateway_keyless,
    policies.gateway_identifies_callers,
    policies.gateway_products_need_subscriptions,
    policies.accounts_not_locked,
    policies.gateway_private,
]


def _opts(r) -> PolicyResourceOptions:
    return PolicyResourceOptions(r.protect, r.ignore_changes, None, [], PolicyCustomTimeouts(0, 0, 0), [], r.parent)


def resource_args(r, config) -> ResourceValidationArgs:
    return ResourceValidationArgs(r.type, _plain(r.inputs), r.urn, r.name, _opts(r), None, config)


def stack_args(resources, config) -> StackValidationArgs:
    return StackValidationArgs(
        [PolicyResource(r.type, _plain(r.inputs), r.urn, r.name, _opts(r), None, None, [], {}) for r in resources],
        config,
    )


def violations(resources, config) -> list[str]:
    found: list[str] = []
    report = lambda message, urn=None: found.append(message)  # noqa: E731
    for r in resources:
        if r.custom:
            for check in RESOURCE_CHECKS:
                check(resource_args(r, config), report)
    policies.teams_have_budgets(stack_args(resources, config), report)
    return found


@pytest.mark.parametrize(("stack", "config"), [("prod", PROD), ("dev", DEV)])
def test_the_stacks_have_no_violations(stack, config, plans):
    assert violations(plans[stack].resources, config) == []


def test_dev_is_public_so_prod_rules_would_flag_it(dev):
    found = violations(dev.resources, PROD)
    assert found and all("publicNetworkAccess must be Disabled" in v for v in found)


def _one(prod, type_):
    return copy.deepcopy(of_type(prod.resources, type_)[0])


def _check(fn, resource, config=PROD) -> list[str]:
    found: list[str] = []
    fn(resource_args(resource, config), lambda message, urn=None: found.append(message))
    return found


def test_each_policy_catches_a_bad_resource(prod):
    account = _one(prod, policies.ACCOUNT)
    account.inputs["properties"]["publicNetworkAccess"] = "Enabled"
    assert _check(policies.accounts_private, account) == [
        "publicNetworkAccess must be Disabled: prod accounts are reached through private endpoints"
    ]
    assert _check(policies.accounts_private, account, DEV) == []

    keyed = _one(prod, policies.ACCOUNT)
    keyed.inputs["properties"]["disableLocalAuth"] = False
    assert _check(policies.accounts_keyless, keyed) == [
        "disableLocalAuth must be true: callers use Entra ID, never keys"
    ]

    anonymous = _one(prod, policies.ACCOUNT)
    anonymous.inputs["identity"] = {"type": "None"}
    assert _check(policies.accounts_identity, anonymous)

    retired = _one(prod, policies.DEPLOYMENT)
    retired.inputs["properties"]["model"].update(name="gpt-4o", version="2024-05-13")
    assert _check(policies.deployments_approved, retired) == [
        "gpt-4o 2024-05-13 is retired (2026-10-01): deploy a current version"
    ]
    unknown = _one(prod, policies.DEPLOYMENT)
    unknown.inputs["properties"]["model"].update(name="gpt-9", version="1")
    assert "not in the model catalog" in _check(policies.deployments_approved, unknown)[0]

    policy = _one(prod, policies.API_POLICY)
    policy.inputs["value"] = policy.inputs["value"].replace("authentication-managed-identity", "authentication-basic")
    assert _check(policies.gateway_keyless, policy)

    no_apps = _one(prod, policies.API_POLICY)
    no_apps.inputs["value"] = re.sub(r"<application-id>[^<]*</application-id>", "", no_apps.inputs["value"])
    assert _check(policies.gateway_identifies_callers, no_apps) == [
        "validate-azure-ad-token needs at least one client-application-ids/application-id"
    ]
    late = _one(prod, policies.API_POLICY)
    late.inputs["value"] = (
        late.inputs["value"].replace("    <base />\n", "", 1).replace("<choose>", "<base /><choose>", 1)
    )
    assert "before <base/>" in _check(policies.gateway_identifies_callers, late)[0]

    open_product = _one(prod, policies.PRODUCT)
    open_product.inputs.update(subscriptionRequired=False, approvalRequired=False)
    assert len(_check(policies.gateway_products_need_subscriptions, open_product)) == 2

    deprecated = _one(prod, policies.DEPLOYMENT)
    deprecated.inputs["properties"]["model"].update(name="gpt-4o", version="2024-08-06")
    assert "is Deprecated" in _check(policies.deployments_approved, deprecated)[0]
    deprecated.inputs["tags"]["alreadyDeployed"] = "true"
    assert _check(policies.deployments_approved, deprecated) == []

    account_id = _one(prod, policies.ACCOUNT).outputs["id"]
    lock = _one(prod, policies.ACCOUNT)
    lock.type, lock.inputs = (
        "azure-native:authorization:ManagementLockByScope",
        {"scope": account_id, "level": "CanNotDelete"},
    )
    assert "ScopeLocked" in _check(policies.accounts_not_locked, lock)[0]
    lock.inputs["scope"] = account_id.split("/providers/")[0]  # the resource group: inherited just the same
    assert _check(policies.accounts_not_locked, lock)

    service = _one(prod, policies.SERVICE)
    service.inputs["publicNetworkAccess"] = "Enabled"
    assert _check(policies.gateway_private, service) and _check(policies.gateway_private, service, DEV) == []


def test_a_team_without_a_budget_is_a_stack_violation(prod):
    resources = [r for r in prod.resources if r.name != "budget-hr-copilot"]
    assert violations(resources, PROD) == ["team hr-copilot has model deployments but no budget"]
    bad = copy.deepcopy(prod.resources)
    budget = next(r for r in bad if r.name == "budget-contoso-chat" and r.type == policies.BUDGET)
    budget.inputs["notifications"] = {
        k: v for k, v in budget.inputs["notifications"].items() if v["thresholdType"] == "Actual"
    }
    assert violations(bad, PROD) == ["the budget of team contoso-chat needs both Actual and Forecasted notifications"]


def test_pack_config_is_mandatory_in_prod_and_advisory_in_dev():
    import json

    prod = json.loads((PROJECT_ROOT / "policy" / "config.prod.json").read_text())
    dev = json.loads((PROJECT_ROOT / "policy" / "config.dev.json").read_text())
    assert prod["all"] == "mandatory" and prod["accounts-private"]["requirePrivate"] is True
    assert prod["gateway-private"]["requirePrivate"] is True and dev["gateway-private"]["requirePrivate"] is False
    assert dev["all"] == "advisory" and dev["accounts-private"]["requirePrivate"] is False
    assert {p.name for p in policies.POLICIES} >= {"accounts-private", "teams-have-budgets", "gateway-keyless"}


def _as_engine_sends_it(value):
    """A first preview's unknowns as the analyzer receives them: pulumi-policy's sentinel strings."""
    from pulumi.output import Unknown
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

    if isinstance(value, Unknown) or value == "[unknown]":
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: _as_engine_sends_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_engine_sends_it(v) for v in value]
    return value


def _preview_violations(resources, config) -> list[str]:
    """Every policy on a first preview, through pulumi-policy's unknown-checking proxy. A policy that reads an
    unknown value raises, which the SDK turns into an advisory "can't run": it would not gate anything."""
    from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

    found: list[str] = []
    for r in resources:
        if not r.custom:
            continue
        props = unknown_checking_proxy(_as_engine_sends_it(_plain(r.inputs)))
        for check in RESOURCE_CHECKS:
            args = ResourceValidationArgs(r.type, props, r.urn, r.name, _opts(r), None, config)
            try:
                check(args, lambda message, urn=None: found.append(message))
            except UnknownValueError as exc:
                raise AssertionError(f"{check.__name__} cannot decide {r.name} in a first preview: {exc}") from exc
    return found


def test_the_prod_pack_decides_and_gates_a_first_preview():
    preview = make_plan("prod", PLAN_DATE, first_preview=True)
    assert _preview_violations(preview.resources, PROD) == []
    bad = copy.deepcopy(preview.resources)
    account = next(r for r in bad if r.type == policies.ACCOUNT)
    account.inputs["properties"]["publicNetworkAccess"] = "Enabled"
    assert _preview_violations(bad, PROD) == [
        "publicNetworkAccess must be Disabled: prod accounts are reached through private endpoints"
    ]
    policy = next(r for r in bad if r.type == policies.API_POLICY)
    policy.inputs["value"] = re.sub(r"<application-id>[^<]*</application-id>", "", policy.inputs["value"])
    assert "validate-azure-ad-token needs at least one client-application-ids/application-id" in _preview_violations(
        bad, PROD
    )


def test_a_lock_with_an_unknown_scope_is_a_violation_not_a_skipped_policy(prod):
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

    lock = _one(prod, policies.ACCOUNT)
    lock.type = "azure-native:authorization:ManagementLockByScope"
    props = unknown_checking_proxy({"scope": UNKNOWN_STRING_VALUE, "level": "CanNotDelete"})
    found: list[str] = []
    args = ResourceValidationArgs(lock.type, props, lock.urn, lock.name, _opts(lock), None, PROD)
    policies.accounts_not_locked(args, lambda message, urn=None: found.append(message))
    assert found and "not known until deploy" in found[0]


@pytest.mark.parametrize("example", ["foundry", "adopt"])
def test_the_examples_meet_the_pack_with_non_openai_models_and_adopted_deployments(example):
    """The pack reads the same catalog: a Meta model on the Foundry stack is approved, like the adopted gpt-4.1."""
    plan = example_plan(example)
    assert violations(plan.resources, DEV) == []
    if example == "foundry":
        formats = {r.inputs["properties"]["model"]["format"] for r in of_type(plan.resources, DEPLOYMENT)}
        assert formats == {"OpenAI", "Meta"}
