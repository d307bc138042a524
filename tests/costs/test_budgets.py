"""Budgets and cost governance: scopes, alerts, the start-date trap, token quotas, committed PTU cost."""

from __future__ import annotations

import datetime as dt

import pytest

from infra import azure_types
from infra.plan import make_plan
from infra.render import markdown, text
from infra.topology import decide
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, example_plan, minimal_landing_zone, of_type, team, write_stack

BUDGET = azure_types.BUDGET.token
ACTION_GROUP = azure_types.ACTION_GROUP.token
ENV_BUDGET = {"environment": {"monthly": 1000, "contacts": ["finops@contoso.com"]}}


def plan_for(tmp_path, today=PLAN_DATE, **lz):
    plan = make_plan("test", today, write_stack(tmp_path, minimal_landing_zone(**lz)))
    assert plan.ok, plan.diagnostics
    return plan


def budgets(plan) -> dict[str, object]:
    return {b.inputs["budgetName"]: b for b in of_type(plan.resources, BUDGET)}


def errors(**lz) -> dict[str, str]:
    return errors_of(minimal_landing_zone(**lz))


def diagnostics(**lz):
    _, diags = decide(minimal_landing_zone(**lz), PLAN_DATE)
    return diags


def test_team_and_environment_budgets_shape(tmp_path):
    plan = plan_for(tmp_path, budgets=ENV_BUDGET)
    b = budgets(plan)
    assert set(b) == {"budget-contoso-dev", "budget-contoso-dev-team-a"}
    team_budget = b["budget-contoso-dev-team-a"]
    i = team_budget.inputs
    assert i["amount"] == 100
    assert i["category"] == "Cost" and i["timeGrain"] == "Monthly"
    assert i["timePeriod"] == {"startDate": "2026-11-01T00:00:00Z"}
    (ag,) = of_type(plan.resources, ACTION_GROUP)
    notifications = i["notifications"]
    assert set(notifications) == {
        "actual_GreaterThanOrEqualTo_50_Percent",
        "actual_GreaterThanOrEqualTo_80_Percent",
        "actual_GreaterThanOrEqualTo_100_Percent",
        "forecasted_GreaterThanOrEqualTo_100_Percent",
    }
    for n in notifications.values():
        assert n["enabled"] is True
        assert n["contactEmails"] == ["team-a@contoso.com"]
        assert n["contactRoles"] == ["Owner"]
        assert n["contactGroups"] == [ag.outputs["id"]]
    assert {n["thresholdType"] for n in notifications.values()} == {"Actual", "Forecasted"}
    assert team_budget.ignore_changes == ["timePeriod.startDate"]
    # shared account: the platform resource group, no way to split spend by team
    rg = next(r for r in plan.resources if r.type == "azure-native:resources:ResourceGroup")
    assert i["scope"] == rg.outputs["id"]
    assert "filter" not in i
    env = b["budget-contoso-dev"].inputs
    assert env["scope"] == "/subscriptions/00000000-0000-0000-0000-000000000000"
    assert env["filter"] == {
        "dimensions": {"name": "ResourceGroupName", "operator": "In", "values": ["rg-contoso-dev"]}
    }


def test_action_group(tmp_path):
    plan = plan_for(tmp_path, budgets=ENV_BUDGET)
    (ag,) = of_type(plan.resources, ACTION_GROUP)
    assert ag.inputs["location"] == "global"
    assert len(ag.inputs["groupShortName"]) <= 12
    assert [r["emailAddress"] for r in ag.inputs["emailReceivers"]] == ["finops@contoso.com", "team-a@contoso.com"]
    assert all(r["useCommonAlertSchema"] for r in ag.inputs["emailReceivers"])


def test_distributed_team_budget_is_scoped_to_its_resource_group(tmp_path):
    plan = plan_for(tmp_path, tenancy="distributed")
    rgs = {r.inputs["resourceGroupName"]: r.outputs["id"] for r in plan.resources if r.type.endswith("ResourceGroup")}
    (b,) = of_type(plan.resources, BUDGET)
    assert b.inputs["scope"] == rgs["rg-contoso-dev-team-a"]


def test_dedicated_team_budget_counts_only_its_accounts(tmp_path):
    plan = plan_for(tmp_path, teams=[team("team-a", isolation="dedicated")])
    (b,) = of_type(plan.resources, BUDGET)
    (account,) = [a for a in plan.resources if a.type == "azure-native:cognitiveservices:Account"]
    assert b.inputs["filter"] == {
        "dimensions": {"name": "ResourceId", "operator": "In", "values": [account.outputs["id"]]}
    }


def _changed_paths(old, new, prefix: str = "") -> set[str]:
    """Dotted input paths whose values differ between two plans of the same resource."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: set[str] = set()
        for key in old.keys() | new.keys():
            out |= _changed_paths(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else key)
        return out
    return set() if old == new else {prefix}


def test_planning_in_a_later_month_keeps_the_existing_budgets_start_date(tmp_path):
    """Guards the start-date trap: each month's plan moves startDate; only ignoreChanges keeps `pulumi up` quiet."""
    november = budgets(plan_for(tmp_path, today=dt.date(2026, 11, 21), budgets=ENV_BUDGET))
    december = budgets(plan_for(tmp_path, today=dt.date(2026, 12, 3), budgets=ENV_BUDGET))
    assert set(november) == set(december) == {"budget-contoso-dev", "budget-contoso-dev-team-a"}
    for name, old in november.items():
        new = december[name]
        assert new.urn == old.urn  # the same budget, updated in place
        assert old.inputs["timePeriod"]["startDate"] == "2026-11-01T00:00:00Z"
        # a fresh budget would start in December: that is the one input that changes...
        assert new.inputs["timePeriod"]["startDate"] == "2026-12-01T00:00:00Z"
        assert _changed_paths(old.inputs, new.inputs) == {"timePeriod.startDate"}, name
        # ...and the planned budget tells the engine to ignore it, so the existing one keeps November's.
        assert "timePeriod.startDate" in new.ignore_changes, name
        assert old.ignore_changes == new.ignore_changes


def test_explicit_start_date(tmp_path):
    plan = plan_for(tmp_path, budgets={"startDate": "2027-01-01"})
    (b,) = of_type(plan.resources, BUDGET)
    assert b.inputs["timePeriod"]["startDate"] == "2027-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2026-11-15", "must be the first of a month, e.g. 2026-11-01"),
        ("2027-12-01", "more than 12 months ahead; Azure accepts up to 2027-11-01"),
        ("2026-02-30", "is not a calendar date"),
    ],
)
def test_start_date_validation(start, message):
    errs = errors(teams=[team("team-a", budget={"monthly": 10, "startDate": start})])
    assert message in errs["landingZone.teams[0].budget.startDate"]


def test_twelve_months_ahead_is_accepted():
    budget = {"monthly": 10, "startDate": "2027-11-01", "contacts": ["a@contoso.com"]}
    assert errors(teams=[team("team-a", budget=budget)]) == {}


def test_quota_derived_from_budget_and_prices_worked_example():
    # gpt-4.1-mini GlobalStandard: 0.75 x $0.40 + 0.25 x $1.60 = $0.70 per 1M tokens (capacity 10)
    # text-embedding-3-small GlobalStandard: input only, $0.02 per 1M tokens (capacity 30)
    # capacity-weighted: (10 x 0.70 + 30 x 0.02) / 40 = $0.19 per 1M tokens
    # budget $100 a month -> 100 / 0.19 x 1M = 526,315,789 tokens; TPM limit (10 + 30) x 1,000 = 40,000
    models = [
        {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10},
        {"name": "text-embedding-3-small", "version": "1", "sku": "GlobalStandard", "capacity": 30},
    ]
    topology, diags = decide(minimal_landing_zone(teams=[team("team-a", models=models)]), PLAN_DATE)
    (cost,) = topology.costs
    assert cost.price_per_million == pytest.approx(0.19)
    assert cost.monthly_tokens == 526_315_789
    assert cost.tokens_per_minute == 40_000
    assert cost.quota_source == "derived"
    # 40,000 TPM for 160 busy hours = 384,000,000 tokens: within the quota, so no warning
    assert [d for d in diags if d.severity == "warning"] == []


def test_data_zone_prices_carry_their_multiplier():
    models = [{"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "DataZoneStandard", "capacity": 10}]
    topology, _ = decide(minimal_landing_zone(teams=[team("team-a", models=models)]), PLAN_DATE)
    assert topology.costs[0].price_per_million == pytest.approx(0.77)  # 0.70 x 1.1


def test_explicit_quota_wins_and_capacity_beyond_it_warns():
    quota = {"monthlyTokens": 1_000_000, "tokensPerMinute": 5_000}
    topology, diags = decide(minimal_landing_zone(teams=[team("team-a", tokenQuota=quota)]), PLAN_DATE)
    (cost,) = topology.costs
    assert (cost.monthly_tokens, cost.tokens_per_minute, cost.quota_source) == (1_000_000, 5_000, "explicit")
    (w,) = [d for d in diags if d.severity == "warning"]
    assert w.path == "landingZone.teams[0].models"
    assert "10,000 TPM would use 96,000,000 tokens in 160 busy hours" in w.message
    assert "monthly token quota is 1,000,000" in w.message


def test_dedicated_teams_get_no_token_quota():
    topology, _ = decide(minimal_landing_zone(teams=[team("team-a", isolation="dedicated")]), PLAN_DATE)
    assert topology.costs[0].monthly_tokens is None and not topology.costs[0].shared


def test_ptu_commitment_over_budget_warns():
    models = [{"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 15}]
    diags = diagnostics(teams=[team("team-a", models=models, budget={"monthly": 5000})])
    (w,) = [d for d in diags if d.path == "landingZone.teams[0].budget.monthly"]
    # 15 PTU x $1.00 x 730 h = $10,950
    assert w.severity == "warning" and "commit about 10,950 USD a month" in w.message and "5,000" in w.message
    assert [
        d
        for d in diagnostics(teams=[team("team-a", models=models, budget={"monthly": 11000})])
        if d.path.endswith("budget.monthly")
    ] == []


def test_ptu_commitment_counts_every_region():
    models = [{"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 15}]
    regions = [{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary"}]
    topology, _ = decide(minimal_landing_zone(regions=regions, teams=[team("team-a", models=models)]), PLAN_DATE)
    assert topology.costs[0].committed_monthly == pytest.approx(2 * 10_950)


def test_missing_budgets_in_prod_are_errors():
    errs = errors(environment="prod", teams=[team("team-a", budget=None)])
    assert errs["landingZone.teams[0].budget"].startswith("is required in prod")
    assert errs["landingZone.budgets.environment"].startswith("is required in prod")
    alerts = {"actionGroupEmails": ["ops@contoso.com"]}  # the metric alerts still need someone to tell
    assert errors(environment="dev", teams=[team("team-a", budget=None)], budgets=alerts) == {}


@pytest.mark.parametrize(
    ("budget", "path", "message"),
    [
        ({"monthly": -5}, "landingZone.teams[0].budget.monthly", "must be > 0"),
        ({"monthly": 10, "contacts": ["not-an-email"]}, "landingZone.teams[0].budget.contacts[0]", "an email address"),
        ({"monthly": 10, "notifications": []}, "landingZone.teams[0].budget.notifications", "needs at least 1 item"),
        (
            {"monthly": 10, "notifications": [{"threshold": 80, "type": "Actual"}]},
            "landingZone.teams[0].budget.notifications",
            "needs at least one Forecasted notification",
        ),
        (
            {"monthly": 10, "notifications": [{"threshold": 1200, "type": "Actual"}]},
            "landingZone.teams[0].budget.notifications[0].threshold",
            "must be <= 1000",
        ),
        (
            {
                "monthly": 10,
                "notifications": [{"threshold": t, "type": "Actual"} for t in (10, 20, 30, 40, 50)]
                + [{"threshold": 100, "type": "Forecasted"}],
            },
            "landingZone.teams[0].budget.notifications",
            "Azure allows 5 per budget",
        ),
    ],
)
def test_bad_budget_input_names_its_path(budget, path, message):
    errs = errors(teams=[team("team-a", budget=budget)])
    assert path in errs, errs
    assert message in errs[path]


def test_budgets_need_someone_to_alert():
    diags = diagnostics(teams=[team("team-a", budget={"monthly": 10})])
    (e,) = [d for d in diags if d.severity == "error"]
    assert e.path == "landingZone.budgets.actionGroupEmails"


def test_plan_has_a_cost_section(tmp_path):
    plan = plan_for(tmp_path, budgets=ENV_BUDGET)
    out = text(plan)
    assert "environment: budget 1,000/month on all of the landing zone's resource groups, from 2026-11-01" in out
    assert "team-a: budget 100/month (50% actual, 80% actual, 100% actual, 100% forecasted)" in out
    assert "token quota 142,857,142 tokens/month (derived), TPM limit 10,000, committed PTU none" in out
    md = markdown(plan)
    assert "| `team-a` | 100/month (50% actual, 80% actual, 100% actual, 100% forecasted) | 142,857,142" in md


def test_prod_stack_budgets_everyone_and_gives_shared_teams_quotas(prod):
    plan = prod
    assert plan.ok
    names = {b.inputs["budgetName"] for b in of_type(plan.resources, BUDGET)}
    assert names == {
        f"budget-contoso-prod{s}" for s in ("", "-contoso-chat", "-claims-assist", "-hr-copilot", "-fraud-detect")
    }
    for b in of_type(plan.resources, BUDGET):
        kinds = {n["thresholdType"] for n in b.inputs["notifications"].values()}
        assert kinds == {"Actual", "Forecasted"}
    for name in ("contoso-chat", "claims-assist", "hr-copilot"):
        quota = plan.outputs["teams"][name]["tokenQuota"]
        assert quota["monthlyTokens"] > 0 and quota["source"] == "derived"
    assert plan.outputs["teams"]["fraud-detect"]["tokenQuota"] is None


# Budgets on existing accounts. Azure counts only the costs inside a budget's scope and its filter ("make sure
# that the scope shown is correct ... Filters allow you to create budgets on specific costs, such as resource
# groups in a subscription", learn.microsoft.com/azure/cost-management-billing/costs/tutorial-acm-create-budgets),
# and an Azure OpenAI account carries its own bill ("By default, cost analysis is scoped to the individual Azure
# OpenAI resource", learn.microsoft.com/azure/ai-services/openai/how-to/manage-costs). An existing account bills in
# its owner's resource group, outside the landing zone's.

EXISTING = {"name": "contoso-openai-01", "resourceGroup": "contoso-openai-rg"}


def existing_plan(tmp_path, secondary: bool = False, **lz):
    """The primary region's account is an existing one; ``secondary`` adds a region with a new account."""
    regions = [{"name": "swedencentral", "role": "primary", "existingAccount": EXISTING}]
    if secondary:
        regions.append({"name": "westeurope", "role": "secondary"})
    return plan_for(tmp_path, regions=regions, budgets=ENV_BUDGET, **lz)


def account_ids(plan) -> dict[str, str]:
    return {a["name"]: a["id"] for a in plan.outputs["accounts"].values()}


def subscription_of(plan) -> str:
    rg = next(r for r in plan.resources if r.type == "azure-native:resources:ResourceGroup")
    return "/".join(rg.outputs["id"].split("/")[:3])


def test_environment_budget_counts_the_existing_accounts_resource_group(tmp_path):
    """The environment budget is at the subscription, filtered on the ResourceGroupName dimension: it must name
    the existing account's group, or the tokens billed there never count. The 2024-08-01 filter (the API version
    of azure-native's consumption.Budget; /work/shared/arm-schemas/schemas/2024-08-01/Microsoft.Consumption.json,
    learn.microsoft.com/azure/templates/microsoft.consumption/budgets) has only `and`, `dimensions` and `tags`,
    with operator `In`: no `or`, so "the landing zone's groups or that one account" cannot be said, and the
    whole group joins. The plan says that everything else billed there counts too."""
    plan = existing_plan(tmp_path)
    env = budgets(plan)["budget-contoso-dev"].inputs
    assert env["scope"] == subscription_of(plan)
    assert env["filter"] == {
        "dimensions": {"name": "ResourceGroupName", "operator": "In", "values": ["rg-contoso-dev", "contoso-openai-rg"]}
    }
    assert (
        "environment: budget 1,000/month on all of the landing zone's resource groups and contoso-openai-rg, where"
        " the existing account contoso-openai-01 is billed: everything else billed there counts too" in text(plan)
    )


def test_team_budget_on_an_existing_shared_account_counts_that_account(tmp_path):
    """A team on an existing account is billed on that account, in its owner's group. A budget on the platform
    resource group never sees it; one on the owner's group would count the owner's other spend. So: the
    subscription, filtered on the account's ResourceId, as the REST example does (subscription scope,
    `{"name": "ResourceId", "operator": "In", "values": [<resource IDs>]}`: github.com/Azure/azure-rest-api-specs
    specification/consumption/resource-manager/Microsoft.Consumption/stable/2024-08-01/examples/
    CreateOrUpdateBudget.json). The account is shared: the bill is the account's, not the team's."""
    plan = existing_plan(tmp_path)
    team_budget = budgets(plan)["budget-contoso-dev-team-a"].inputs
    assert team_budget["scope"] == subscription_of(plan)
    assert team_budget["filter"] == {
        "dimensions": {"name": "ResourceId", "operator": "In", "values": [account_ids(plan)["contoso-openai-01"]]}
    }
    assert (
        "      budget sees the whole bill of the shared account contoso-openai-01 (existing, in contoso-openai-rg),"
        " deployments made outside this landing zone included: a shared account cannot split spend by team;"
        " token quotas do" in text(plan).splitlines()
    )


def test_team_budget_on_existing_and_new_accounts_counts_both(tmp_path):
    """An existing account in one region and a new one (in the platform resource group) in another: no resource
    group scope holds both, so the subscription budget lists both accounts' IDs in one `In` comparison."""
    plan = existing_plan(tmp_path, secondary=True)
    ids = account_ids(plan)
    assert len(ids) == 2 and "contoso-openai-01" in ids
    team_budget = budgets(plan)["budget-contoso-dev-team-a"].inputs
    assert team_budget["scope"] == subscription_of(plan)
    assert team_budget["filter"]["dimensions"]["name"] == "ResourceId"
    assert sorted(team_budget["filter"]["dimensions"]["values"]) == sorted(ids.values())
    env = budgets(plan)["budget-contoso-dev"].inputs
    assert env["filter"]["dimensions"]["values"] == ["rg-contoso-dev", "contoso-openai-rg"]


def test_dedicated_team_on_an_existing_account_counts_it(tmp_path):
    """A dedicated team's budget counts its accounts' IDs; the existing one too (it used to be left out, leaving
    an unfiltered budget on the platform resource group, where nothing of the team's is billed)."""
    plan = existing_plan(tmp_path, teams=[team("team-a", isolation="dedicated")])
    team_budget = budgets(plan)["budget-contoso-dev-team-a"].inputs
    assert team_budget["scope"] == subscription_of(plan)
    assert team_budget["filter"] == {
        "dimensions": {"name": "ResourceId", "operator": "In", "values": [account_ids(plan)["contoso-openai-01"]]}
    }
    assert (
        "      budget sees the whole bill of the team's account contoso-openai-01 (existing, in contoso-openai-rg),"
        " deployments made outside this landing zone included" in text(plan).splitlines()
    )


def test_distributed_team_on_an_existing_account_plans_and_counts_it(tmp_path):
    """In distributed tenancy the team's resource group is made only for new accounts; with only an existing one
    there is none, and the budget's scope used to be that missing group (a KeyError, not a plan)."""
    plan = existing_plan(tmp_path, tenancy="distributed")
    team_budget = budgets(plan)["budget-contoso-dev-team-a"].inputs
    assert team_budget["scope"] == subscription_of(plan)
    assert team_budget["filter"]["dimensions"]["values"] == [account_ids(plan)["contoso-openai-01"]]


def test_team_budgets_say_what_they_see(tmp_path):
    """Every team's budget line says where it counts, not only the environment's."""
    out = text(plan_for(tmp_path, teams=[team("team-a"), team("team-b", isolation="dedicated")])).splitlines()
    assert (
        "      budget sees the platform resource group: a shared account cannot split spend by team; token quotas do"
        in out
    )
    assert "      budget sees the team's dedicated accounts" in out


def test_adopt_example_budget_counts_the_adopted_account():
    """examples/adopt: the app team's tokens are billed on contoso-openai-01, in contoso-openai-rg."""
    plan = example_plan("adopt")
    (b,) = of_type(plan.resources, BUDGET)
    assert b.inputs["filter"] == {
        "dimensions": {"name": "ResourceId", "operator": "In", "values": [account_ids(plan)["contoso-openai-01"]]}
    }


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
