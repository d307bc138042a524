"""Realistic slips that once passed the whole suite, one test each (issue 21, item 9).

Each test is named for what it guards. Planted alone, each slip below turned only its own test red:
- the approved-models policy approving a version that has already retired;
- a private endpoint to an AIServices (Foundry) account asking for a private-link group other than ``account``;
- the PR comment saying "No stateful resource is replaced or deleted" when a team, and with it its accounts,
  PTU deployments and budget, is removed;
- the gateway identifying keyless callers by ``appid`` only, so v2 tokens (which carry ``azp``) match no team;
- a shared team's derived token quota ignoring what its PTUs already cost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml

from infra import catalog as catalog_mod
from infra import review
from infra.operations import approved_models
from infra.plan import to_json
from infra.topology import decide
from tests.helpers import ACCOUNT, PLAN_DATE, example_plan, minimal_landing_zone, of_type, prod_copy, team
from tests.test_policy_pack import _check, _one, policies
from tests.test_review import first_screen, plan_and_contract

DEFINITION = "azure-native:authorization:PolicyDefinition"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
API_POLICY = "azure-native:apimanagement:ApiPolicy"


def _listed(rule: dict) -> dict[str, list[str]]:
    """Model name -> versions, as the generated policy rule lists them."""
    return {c["allOf"][0]["equals"]: c["allOf"][1]["in"] for c in rule["if"]["allOf"][1]["not"]["anyOf"]}


def test_the_approved_models_policy_never_approves_a_retired_version(prod):
    """A version is retired from its retirement date on, whatever its lifecycle label still says.

    "Retirement: When a model is retired, it's no longer available for use. Azure OpenAI deployments of a
    retired model always return error responses." (learn.microsoft.com/azure/ai-foundry/openai/concepts/
    model-retirements, "Terminology"). The catalog records o3 2025-04-16 as GenerallyAvailable with a
    retirement of 2026-10-21, before the plan date, and gpt-5 2025-08-07 as GenerallyAvailable retiring
    2027-02-09: neither lifecycle nor the Deprecated rule keeps them off the list; only the date does."""
    catalog = catalog_mod.load()
    approved = approved_models(catalog, PLAN_DATE)
    assert catalog.models["o3"].versions["2025-04-16"].lifecycle == "GenerallyAvailable"
    assert "o3" not in approved  # retired on 2026-10-21, a month before the plan date
    retired = {
        (name, version)
        for name, model in catalog.models.items()
        for version, info in model.versions.items()
        if info.lifecycle == "Retired" or (info.retirement is not None and info.retirement <= PLAN_DATE)
    }
    assert len(retired) >= 10
    assert not {(name, v) for name, versions in approved.items() for v in versions} & retired

    # The retirement day itself: approved the day before, not on the day.
    assert approved_models(catalog, dt.date(2027, 2, 8))["gpt-5"] == ("2025-08-07",)
    assert "gpt-5" not in approved_models(catalog, dt.date(2027, 2, 9))

    # What prod deploys as Azure Policy lists no retired version either.
    (definition,) = [d for d in of_type(prod.resources, DEFINITION) if d.name == "guardrails"]
    listed = _listed(definition.inputs["policyRule"])
    assert "o3" not in listed and listed["gpt-5"] == ["2025-08-07"]
    assert not {(name, v) for name, versions in listed.items() for v in versions} & retired

    # The policy pack, at the same boundary.
    gpt5 = _one(prod, policies.DEPLOYMENT)
    gpt5.inputs["properties"]["model"].update(name="gpt-5", version="2025-08-07")
    assert _check(policies.deployments_approved, gpt5, {"asOf": "2027-02-08"}) == []
    assert _check(policies.deployments_approved, gpt5, {"asOf": "2027-02-09"}) == [
        "gpt-5 2025-08-07 is retired (2027-02-09): deploy a current version"
    ]


def test_a_foundry_accounts_private_endpoint_asks_for_the_account_group():
    """An AIServices (Foundry) resource is still a ``Microsoft.CognitiveServices/accounts``, whose one
    private-link sub-resource is ``account`` (learn.microsoft.com/azure/private-link/private-endpoint-overview,
    "Private-link resource" table: "Azure AI services | Microsoft.CognitiveServices/accounts | account"). The
    same table gives ``amlworkspace`` to ``Microsoft.MachineLearningServices/workspaces``, the Foundry hubs: a
    group ID borrowed from there, or made up from the kind, names nothing on the account."""
    plan = example_plan("foundry")
    accounts = {a.outputs["id"]: a for a in of_type(plan.resources, ACCOUNT)}
    assert {a.inputs["kind"] for a in accounts.values()} == {"AIServices"}
    assert all(a.inputs["properties"]["allowProjectManagement"] for a in accounts.values())
    endpoints = of_type(plan.resources, PRIVATE_ENDPOINT)
    assert len(endpoints) == len(accounts) == 2
    for endpoint in endpoints:
        (connection,) = endpoint.inputs["privateLinkServiceConnections"]
        assert connection["privateLinkServiceId"] in accounts
        assert connection["groupIds"] == ["account"]


def test_removing_a_team_calls_out_its_accounts_ptu_deployments_and_budget(prod, tmp_path):
    """Removing a dedicated team deletes its accounts, its provisioned deployments and its budget (and the
    budget's history): the first screen must say so. A deleted account is soft-deleted: "you can't create
    another one with the same name for 48 hours", and "charges for provisioned deployments on a deleted
    resource continue until the resource is purged" (learn.microsoft.com/azure/ai-services/recover-purge-resources).
    Base: prod as planned; head: prod without fraud-detect (dedicated, 15 PTU DataZoneProvisionedManaged)."""
    base = json.loads(to_json(prod))
    config = prod_copy(tmp_path)
    doc = yaml.safe_load(config.read_text())
    lz = doc["config"]["ai-landing-zone:landingZone"]
    (fraud,) = [t for t in lz["teams"] if t["name"] == "fraud-detect"]
    assert fraud["isolation"] == "dedicated" and fraud["models"][0]["sku"] == "DataZoneProvisionedManaged"
    lz["teams"].remove(fraud)
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    plan, head = plan_and_contract(config)

    top = first_screen(review.comment(plan, head, base))
    assert "No stateful resource is replaced or deleted." not in top
    callout = [line for line in top.splitlines() if line.startswith(">")]
    assert callout == [
        "> [!CAUTION]",
        "> 5 stateful resource(s) replaced or deleted:",
        "> - **removed** Deployment `team-fraud-detect-francecentral-fraud-detect-gpt-4.1`",
        "> - **removed** Deployment `team-fraud-detect-swedencentral-fraud-detect-gpt-4.1`",
        "> - **removed** Account `team-fraud-detect-francecentral`",
        "> - **removed** Account `team-fraud-detect-swedencentral`",
        "> - **removed** Budget `budget-fraud-detect`",
    ]


# A gateway just big enough to run the team expression: the token's claims, and the key caller's product.
GATEWAY_CS = """using System;
using System.Collections.Generic;
using System.Linq;
using ApiManagement;

namespace ApiManagement
{
    public class Jwt { public IReadOnlyDictionary<string, string[]> Claims { get; set; } }
    public class Product { public string Id { get; set; } }
    public class Subscription { public string Id { get; set; } }
    public class Context
    {
        public Product Product { get; set; }
        public Subscription Subscription { get; set; }
        public IReadOnlyDictionary<string, object> Variables { get; set; }
    }
    public static class ContextExtensions
    {
        // The claim's value, or the default when the token does not carry it.
        public static string GetValueOrDefault(
            this IReadOnlyDictionary<string, string[]> values, string name, string defaultValue)
        {
            string[] found;
            return values.TryGetValue(name, out found) ? string.Join(",", found) : defaultValue;
        }
    }
}

public static class Gateway
{
    static object Team(Context context)
    {
%(team)s
    }

    // Each argument is a caller: "key:<product>" or "claim=value;claim=value" (a token's claims).
    public static void Main(string[] callers)
    {
        foreach (var caller in callers)
        {
            var context = new Context();
            if (caller.StartsWith("key:"))
            {
                context.Subscription = new Subscription { Id = "s" };
                context.Product = new Product { Id = caller.Substring(4) };
            }
            else
            {
                var claims = caller.Split(';').Select(c => c.Split('='))
                    .ToDictionary(kv => kv[0], kv => new[] { kv[1] });
                var jwt = new Jwt { Claims = claims };
                context.Variables = new Dictionary<string, object> { { "jwt", jwt } };
            }
            Console.WriteLine("[" + Team(context) + "]");
        }
    }
}
"""


def _run_team_expression(expression: str, callers: list[str], tmp_path) -> list[str]:
    mcs, mono = shutil.which("mcs"), shutil.which("mono")
    if mcs is None or mono is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install mono-mcs to run the gateway's policy expressions", pytrace=False)
        pytest.skip("mcs and mono (Debian mono-mcs) are not installed")
    assert expression.startswith("@{") and expression.endswith("}")
    source, program = tmp_path / "gateway.cs", tmp_path / "gateway.exe"
    source.write_text(GATEWAY_CS % {"team": expression[2:-1]})
    built = subprocess.run(
        [mcs, "-langversion:7", f"-out:{program}", str(source)], capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stdout + built.stderr
    ran = subprocess.run([mono, str(program), *callers], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return [line.strip("[]") for line in ran.stdout.splitlines()]


def test_the_gateway_knows_a_keyless_caller_by_azp_in_v2_tokens_and_appid_in_v1(prod, tmp_path):
    """The client application of an Entra access token is ``appid`` in v1.0 tokens and ``azp`` in v2.0 ones:
    "appid: String, a GUID, only present in v1.0 tokens"; "azp: String, a GUID, only present in v2.0 tokens. A
    replacement for appid." (learn.microsoft.com/entra/identity-platform/access-token-claims-reference, "Payload
    claims"). The API the token is for, not the caller, picks the version ("a resource setting
    accessTokenAcceptedVersion in the app manifest to 2 allows a client calling the v1.0 endpoint to receive a
    v2.0 access token", learn.microsoft.com/entra/identity-platform/access-tokens), so the gateway must read
    both. The team expression runs here under Mono, as the gateway runs it, against the validated token's
    claims (learn.microsoft.com/azure/api-management/api-management-policy-expressions, "Context variable":
    ``Jwt.Claims``, an ``IReadOnlyDictionary<string, string[]>``)."""
    (policy,) = [p for p in of_type(prod.resources, API_POLICY) if p.inputs["apiId"] == "shared-default-general"]
    team_var = ET.fromstring(policy.inputs["value"]).find("inbound/set-variable[@name='team']")
    chat, hr = "4f7e2d1c-9b8a-4c3d-8e2f-1a0b9c8d7e01", "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d03"
    callers = [
        f"ver=2.0;azp={chat};oid=o1",  # v2.0 token: azp, no appid
        f"ver=1.0;appid={hr};oid=o2",  # v1.0 token: appid, no azp
        "ver=2.0;azp=00000000-0000-4000-8000-000000000000",  # a valid token of no team's app
        "key:contoso-chat",  # a subscription key: the team is its product
    ]
    teams = _run_team_expression(team_var.get("value"), callers, tmp_path)
    assert teams == ["contoso-chat", "hr-copilot", "", "contoso-chat"]


def test_a_shared_teams_derived_token_quota_is_what_its_budget_leaves_after_its_ptus():
    """Provisioned deployments bill by the hour for the PTUs deployed, used or not ("billed hourly based on
    the number of deployed PTUs", learn.microsoft.com/azure/foundry/openai/how-to/provisioned-throughput-onboarding,
    "Provisioned throughput billing"), so on a shared account only what the budget leaves after them can buy
    tokens.

    15 PTU GlobalProvisionedManaged x $1.00 x 730 h = $10,950 a month, committed.
    gpt-4.1 GlobalStandard: 0.75 x $2.00 + 0.25 x $8.00 = $3.50 per 1M tokens.
    Budget $12,000 - $10,950 = $1,050 -> 1,050 / 3.50 x 1M = 300,000,000 tokens a month
    (not 12,000 / 3.50 x 1M = 3,428,571,428)."""
    models = [
        {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 15},
        {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10},
    ]
    budget = {"monthly": 12000, "contacts": ["team-a@contoso.com"]}
    topology, diags = decide(minimal_landing_zone(teams=[team("team-a", models=models, budget=budget)]), PLAN_DATE)
    assert [d for d in diags if d.severity != "info"] == []
    (cost,) = topology.costs
    assert cost.shared and cost.quota_source == "derived"
    assert cost.committed_monthly == pytest.approx(10_950)
    assert cost.price_per_million == pytest.approx(3.5)
    assert cost.monthly_tokens == 300_000_000
    assert cost.tokens_per_minute == 10_000  # the standard capacity only: the PTUs are not metered per token
