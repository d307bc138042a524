"""A scripted review of both stacks' gateway policies: every policy XML parses, and no request is counted twice.

For each API and each kind of caller, the review walks the inbound pipeline as API Management runs it: the
API policy, with ``<base/>`` standing for the policy of the product the caller's subscription belongs to
(learn.microsoft.com/azure/api-management/api-management-howto-policies, "policy scopes"). It follows the
``choose`` branches the caller would take and records each policy that runs. A condition it does not know
fails the review, so a change to the policies gets reviewed here too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest

from infra import azure_types
from tests.helpers import of_type

API_POLICY = azure_types.API_POLICY.token
PRODUCT_POLICY = azure_types.PRODUCT_POLICY.token
PRODUCT = azure_types.PRODUCT.token
SUBSCRIPTION = azure_types.APIM_SUBSCRIPTION.token
OTHER_APP = "99999999-9999-9999-9999-999999999999"


@dataclass(frozen=True)
class Caller:
    label: str
    app_id: str | None = None
    """Keyless: the app ID in a valid Entra token (None: no valid token)."""
    product: str | None = None
    """Key: the product of the subscription whose key it sends."""
    stored_response: bool = False


@dataclass
class Run:
    validated: bool = False
    team: str | None = None
    counted: list[str] = field(default_factory=list)
    """counter-key of every llm-token-limit that ran, in order."""
    refused: str | None = None
    backend: str | None = None


def _team_of(expression: str, caller: Caller) -> str:
    """Evaluate the generated ``team`` expression: product ID for key callers, else the app-ID switch."""
    if caller.product is not None:
        assert "context.Product.Id" in expression
        return caller.product
    cases = dict(re.findall(r'case "([^"]+)": return "([^"]+)";', expression))
    return cases.get(caller.app_id or "", "")


def _condition(text: str, caller: Caller, run: Run) -> bool:
    if text == "@(context.Subscription == null)":
        return caller.product is None
    team = re.fullmatch(r'@\(context\.Variables\.GetValueOrDefault<string>\("team", ""\) == "([^"]+)"\)', text)
    if team:
        return run.team == team.group(1)
    if text == '@(context.Variables.GetValueOrDefault<bool>("stored-response", false))':
        return caller.stored_response
    raise AssertionError(f"the review does not know this condition; review it and teach the review: {text}")


def _walk(elements, caller: Caller, run: Run, product_inbound) -> None:
    for e in elements:
        if run.refused:
            return
        if e.tag == "base":
            _walk(product_inbound, caller, run, [])
        elif e.tag == "choose":
            branch = next((w for w in e.findall("when") if _condition(w.get("condition"), caller, run)), None)
            branch = branch if branch is not None else e.find("otherwise")
            if branch is not None:
                _walk(list(branch), caller, run, product_inbound)
        elif e.tag == "validate-azure-ad-token":
            allowed = {a.text for a in e.findall("client-application-ids/application-id")}
            assert allowed, "validate-azure-ad-token needs at least one application-id"
            if caller.app_id not in allowed:
                run.refused = e.get("failed-validation-httpcode")
            else:
                run.validated = True
        elif e.tag == "return-response":
            run.refused = e.find("set-status").get("code")
        elif e.tag == "set-variable" and e.get("name") == "team":
            run.team = _team_of(e.get("value"), caller)
        elif e.tag in ("llm-token-limit", "azure-openai-token-limit"):
            assert run.validated or caller.product is not None, "tokens counted before the caller is known"
            run.counted.append(e.get("counter-key"))
        elif e.tag == "set-backend-service":
            run.backend = e.get("backend-id")


@pytest.fixture(params=["dev", "prod"])
def plan(request, plans):
    return plans[request.param]


def test_every_policy_parses(plan):
    for policy in of_type(plan.resources, API_POLICY) + of_type(plan.resources, PRODUCT_POLICY):
        assert ET.fromstring(policy.inputs["value"]).tag == "policies"


def test_no_request_path_is_counted_twice_and_every_caller_counts_against_its_own_team(plan):
    products: dict[str, list] = {p.outputs["name"]: [] for p in of_type(plan.resources, PRODUCT)}
    for p in of_type(plan.resources, PRODUCT_POLICY):
        products[p.inputs["productId"]] = list(ET.fromstring(p.inputs["value"]).find("inbound"))
    teams = {t.name: t for t in plan.topology.config.teams}
    limited = {c.team for c in plan.topology.costs if c.monthly_tokens or c.tokens_per_minute}
    reviewed = 0
    for api in plan.topology.gateway.apis:
        (policy,) = [p for p in of_type(plan.resources, API_POLICY) if p.inputs["apiId"] == api.group]
        inbound = list(ET.fromstring(policy.inputs["value"]).find("inbound"))
        callers = [Caller("anonymous"), Caller("unknown app", app_id=OTHER_APP)]
        for route in api.teams:
            callers += [Caller(f"{route.team} app", app_id=a) for a in teams[route.team].caller_app_ids]
            callers += [
                Caller(f"{route.team} stored", app_id=a, stored_response=True) for a in teams[route.team].caller_app_ids
            ]
            if route.subscription_key:
                callers.append(Caller(f"{route.team} key", product=route.team))
        for caller in callers:
            run = Run()
            _walk(inbound, caller, run, products.get(caller.product, []))
            reviewed += 1
            assert len(run.counted) <= 1, (api.group, caller, run.counted)
            if caller.label in ("anonymous", "unknown app"):
                assert run.refused == "401" and run.counted == [], (api.group, caller)
                continue
            assert run.refused is None, (api.group, caller, run.refused)
            expected = [run.team] if run.team in limited else []
            assert run.team and caller.label.startswith(run.team) and run.counted == expected, (api.group, caller)
            member = api.members[0].account if caller.stored_response else api.pool
            assert run.backend == member, (api.group, caller, run.backend)
    assert reviewed >= 3 * len(plan.topology.gateway.apis)


def test_the_review_catches_a_product_limit_that_counts_a_second_time(plan):
    """The review can fail: a product policy that counts again (the old design) is caught."""
    api = next(a for a in plan.topology.gateway.apis if any(t.subscription_key for t in a.teams))
    route = next(t for t in api.teams if t.subscription_key)
    (policy,) = [p for p in of_type(plan.resources, API_POLICY) if p.inputs["apiId"] == api.group]
    extra = ET.fromstring(f'<inbound><llm-token-limit counter-key="{route.team}" tokens-per-minute="1" /></inbound>')
    run = Run()
    _walk(
        list(ET.fromstring(policy.inputs["value"]).find("inbound")), Caller("key", product=route.team), run, list(extra)
    )
    assert len(run.counted) == 2
