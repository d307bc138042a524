"""The landing zone's rules, checked by Pulumi against every resource before it is created or changed.

They repeat what the offline plan validates, at the point where a real deploy happens: a stack edited by
hand, an older branch, or a resource added outside the landing zone's code still meets them.
"""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# The landing zone's type registry (infra/azure_types.py), which this pack cannot import: a copy made by
# `python -m infra.azure_types > policy/azure_types.json` (tests/plan/test_azure_types.py keeps them equal).
TYPES = json.loads((Path(__file__).resolve().parent / "azure_types.json").read_text(encoding="utf-8"))["types"]
ACCOUNT = TYPES["account"]["token"]
DEPLOYMENT = TYPES["deployment"]["token"]
BUDGET = TYPES["budget"]["token"]
API_POLICY = TYPES["api_policy"]["token"]
PRODUCT = TYPES["product"]["token"]
SERVICE = TYPES["api_management"]["token"]
ACCOUNT_SCOPE = f"/providers/{TYPES['account']['armType']}/"
"""In a scope: an account, or anything below one."""
CATALOG = Path(__file__).resolve().parent.parent / "infra" / "data" / "model_catalog.yaml"
MI_RESOURCE = 'resource="https://cognitiveservices.azure.com"'


def _load_catalog() -> Mapping[str, Any]:
    with open(CATALOG, encoding="utf-8") as f:
        return yaml.safe_load(f)["models"]


def _as_of(config: Mapping[str, Any]) -> dt.date:
    value = config.get("asOf")
    return dt.date.fromisoformat(value) if value else dt.date.today()


def accounts_private(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ACCOUNT or not args.get_config().get("requirePrivate"):
        return
    props = args.props.get("properties") or {}
    if props.get("publicNetworkAccess") != "Disabled":
        report("publicNetworkAccess must be Disabled: prod accounts are reached through private endpoints")
    if (props.get("networkAcls") or {}).get("defaultAction") != "Deny":
        report("networkAcls.defaultAction must be Deny")


def accounts_keyless(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == ACCOUNT and (args.props.get("properties") or {}).get("disableLocalAuth") is not True:
        report("disableLocalAuth must be true: callers use Entra ID, never keys")


def accounts_identity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ACCOUNT:
        return
    kind = str((args.props.get("identity") or {}).get("type", "None"))
    if "Assigned" not in kind:
        report("the account needs a managed identity (SystemAssigned or UserAssigned)")


def deployments_approved(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DEPLOYMENT:
        return
    model = ((args.props.get("properties") or {}).get("model")) or {}
    name, version = model.get("name"), model.get("version")
    info = _load_catalog().get(name)
    versions = (info or {}).get("versions", {})
    if version not in versions:
        report(f"{name} {version} is not in the model catalog (infra/data/model_catalog.yaml)")
        return
    entry = versions[version]
    retirement = entry.get("retirement")
    if entry.get("lifecycle") == "Retired" or (
        retirement and dt.date.fromisoformat(str(retirement)) <= _as_of(args.get_config())
    ):
        report(f"{name} {version} is retired ({retirement}): deploy a current version")
    elif entry.get("lifecycle") == "Deprecated" and (args.props.get("tags") or {}).get("alreadyDeployed") != "true":
        report(f"{name} {version} is Deprecated: only subscriptions that already deploy it may (alreadyDeployed)")


def teams_have_budgets(args: StackValidationArgs, report: ReportViolation) -> None:
    budgets = {r.name: r for r in args.resources if r.resource_type == BUDGET}
    teams = {
        (r.props.get("tags") or {}).get("team")
        for r in args.resources
        if r.resource_type == DEPLOYMENT and (r.props.get("tags") or {}).get("team")
    }
    for team in sorted(teams):
        budget = budgets.get(f"budget-{team}")
        if budget is None:
            report(f"team {team} has model deployments but no budget")
            continue
        kinds = {n.get("thresholdType") for n in (budget.props.get("notifications") or {}).values()}
        if not {"Actual", "Forecasted"} <= kinds:
            report(f"the budget of team {team} needs both Actual and Forecasted notifications", budget.urn)


def gateway_keyless(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != API_POLICY:
        return
    xml = str(args.props.get("value", ""))
    if "<authentication-managed-identity" not in xml or MI_RESOURCE not in xml:
        report("the gateway must call the accounts with its managed identity (authentication-managed-identity)")
    if '<set-header name="api-key" exists-action="override"' in xml:
        report("the gateway must not send account keys (api-key header) to the backends")


def gateway_identifies_callers(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Token validation lists client application IDs and runs before <base/> (the product policies)."""
    if args.resource_type != API_POLICY:
        return
    inbound = ET.fromstring(str(args.props.get("value", ""))).find("inbound")
    if inbound is None:
        return
    order = [e.tag for e in inbound.iter()]
    for validate in inbound.iter("validate-azure-ad-token"):
        if not validate.findall("client-application-ids/application-id"):
            report("validate-azure-ad-token needs at least one client-application-ids/application-id")
        if "base" in order and order.index("base") < order.index("validate-azure-ad-token"):
            report("validate tokens before <base/>: product policies must not count anonymous calls")


def gateway_products_need_subscriptions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """An open product takes every keyless call of its APIs: no team can be told apart."""
    if args.resource_type != PRODUCT:
        return
    if args.props.get("subscriptionRequired") is not True:
        report("products must require a subscription: every keyless call would run as this open product's team")
        if "approvalRequired" in args.props or "subscriptionsLimit" in args.props:
            report("approvalRequired and subscriptionsLimit are refused when subscriptionRequired is false")


def accounts_not_locked(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Locks are inherited by child resources: one on an account (or above it) blocks removing a model."""
    if "ManagementLock" not in args.resource_type:
        return
    try:
        scope = str(args.props.get("scope", ""))
    except UnknownValueError:  # a first preview: the scope is an ID not made yet; the safe side is to say so
        report("a lock whose scope is not known until deploy: if it is an account or above, removing a model fails")
        return
    if "/providers/" not in scope or ACCOUNT_SCOPE in scope:
        report(
            "a lock here is inherited by every model deployment below it, and removing a model fails with"
            " ScopeLocked: protect accounts with Pulumi protect and a denyAction policy instead"
        )


def gateway_private(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SERVICE or not args.get_config().get("requirePrivate"):
        return
    if args.props.get("publicNetworkAccess") != "Disabled":
        report("gateway publicNetworkAccess must be Disabled: prod callers come through its private endpoint")


def _resource(name: str, description: str, fn: Callable, schema: PolicyConfigSchema | None = None):
    return ResourceValidationPolicy(name=name, description=description, validate=fn, config_schema=schema)


POLICIES = [
    _resource(
        "accounts-private",
        "Accounts take no public traffic (enforced where requirePrivate is set: prod).",
        accounts_private,
        PolicyConfigSchema(properties={"requirePrivate": {"type": "boolean"}, "asOf": {"type": "string"}}),
    ),
    _resource("accounts-keyless", "Accounts have local (key) authentication disabled.", accounts_keyless),
    _resource("accounts-identity", "Accounts have a managed identity.", accounts_identity),
    _resource(
        "deployments-approved-models",
        "Deployments use model versions from the catalog that are not retired.",
        deployments_approved,
        PolicyConfigSchema(properties={"asOf": {"type": "string"}}),
    ),
    StackValidationPolicy(
        name="teams-have-budgets",
        description="Every team with deployments has a budget with Actual and Forecasted alerts.",
        validate=teams_have_budgets,
    ),
    _resource(
        "gateway-keyless", "The AI gateway authenticates to backends with its managed identity.", gateway_keyless
    ),
    _resource(
        "gateway-identifies-callers",
        "Token validation names the teams' client application IDs and runs before anything counts tokens.",
        gateway_identifies_callers,
    ),
    _resource(
        "gateway-products-need-subscriptions",
        "No open products: keyless callers are told apart by their token, key callers by their product.",
        gateway_products_need_subscriptions,
    ),
    _resource(
        "accounts-not-locked",
        "No lock on or above an account: its deployments inherit it, and the GitOps flow removes them.",
        accounts_not_locked,
    ),
    _resource(
        "gateway-private",
        "The gateway takes no public traffic (enforced where requirePrivate is set: prod).",
        gateway_private,
        PolicyConfigSchema(properties={"requirePrivate": {"type": "boolean"}}),
    ),
]
