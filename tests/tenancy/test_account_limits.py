"""How many accounts of a kind one subscription may hold in a region: what Azure allows, counted by the plan."""

from __future__ import annotations

import dataclasses

from infra import account_limits
from infra.catalog import load
from infra.topology import decide
from tests.conftest import diagnostics_of
from tests.helpers import PLAN_DATE, minimal_landing_zone, run_in_process, team, write_stack

OPENAI_LIMITS = "https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits"
FOUNDRY_LIMITS = "https://learn.microsoft.com/azure/foundry/foundry-models/quotas-limits"
REGIONS = [{"name": "swedencentral", "role": "primary"}, {"name": "francecentral", "role": "secondary"}]
SUBSCRIPTION = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
RULE = "tenancy.accounts-per-region"


def distributed(teams: int, kind: str = "OpenAI", regions: list[dict] = REGIONS) -> dict:
    """``teams`` teams in distributed tenancy: an account of ``kind`` per team and region."""
    return minimal_landing_zone(
        regions=regions,
        tenancy="distributed",
        account={"kind": kind},
        teams=[team(f"team-{i:03d}") for i in range(teams)],
    )


def refusals(raw: dict, **kwargs) -> dict[str, str]:
    """YAML path -> message, of this rule's errors."""
    return {d.path: d.message for d in diagnostics_of(raw, **kwargs) if d.rule == RULE}


def test_120_distributed_teams_in_2_regions_are_refused_in_one_subscription():
    """ "Azure OpenAI resources per region, per Azure subscription: 30" (learn.microsoft.com/azure/ai-foundry/
    openai/quotas-limits): 120 teams in distributed tenancy would need 120 OpenAI accounts in each region of the
    stack's one subscription, and `pulumi up` would fail at the 31st. Refused before Pulumi runs, per region,
    naming the region, the count, the limit with its source, and the ways out."""
    found = refusals(distributed(120), subscription_id=SUBSCRIPTION)
    assert set(found) == {"landingZone.regions[0]", "landingZone.regions[1]"}
    message = found["landingZone.regions[1]"]
    assert message == (
        f"this stack alone would place 120 OpenAI accounts in francecentral in subscription {SUBSCRIPTION}"
        " (120 to create, 0 existing); Azure allows 30 Azure OpenAI resources per region per subscription"
        " (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits), and accounts outside this stack count too:"
        " use tenancy: shared (teams of one governance profile share an account), fewer teams, account.kind:"
        " AIServices (100 per region per subscription), or another subscription in"
        " landingZone.placement.subscriptions"
    )
    assert "in swedencentral" in found["landingZone.regions[0]"]


def test_the_whole_plan_stops_before_pulumi_with_the_limit_named(tmp_path):
    """The same refusal from `python -m infra plan`: exit 1, the region's path and "Azure allows 30"
    (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits)."""
    path = write_stack(tmp_path, distributed(120))
    code, out, err = run_in_process("plan", "--stack", "test", "--config-file", str(path))
    assert code == 1
    assert "landingZone.regions[0]: this stack alone would place 120 OpenAI accounts in swedencentral" in out + err
    assert "Azure allows 30 Azure OpenAI resources per region per subscription" in out + err


def test_30_openai_accounts_per_region_fit_and_31_do_not():
    """The boundary of "Azure OpenAI resources per region, per Azure subscription: 30"
    (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits): 30 is allowed, 31 is one too many."""
    assert refusals(distributed(30)) == {}
    found = refusals(distributed(31))
    assert set(found) == {"landingZone.regions[0]", "landingZone.regions[1]"}
    assert found["landingZone.regions[0]"].startswith(
        "this stack alone would place 31 OpenAI accounts in swedencentral in the stack's subscription"
        " (31 to create, 0 existing); Azure allows 30 "
    )


def test_aiservices_accounts_fit_up_to_100_per_region():
    """ "Foundry resources per region per Azure subscription: 100" (learn.microsoft.com/azure/foundry/
    foundry-models/quotas-limits): an AIServices (Foundry) account kind takes 31 and 100 teams, not 101; its
    message names the Foundry limit and source, and does not offer AIServices as the way out."""
    one_region = REGIONS[:1]
    assert refusals(distributed(31, "AIServices", one_region)) == {}
    assert refusals(distributed(100, "AIServices", one_region)) == {}
    (path, message), *rest = refusals(distributed(101, "AIServices", one_region)).items()
    assert rest == [] and path == "landingZone.regions[0]"
    assert message == (
        "this stack alone would place 101 AIServices accounts in swedencentral in the stack's subscription"
        " (101 to create, 0 existing); Azure allows 100 Foundry (AIServices) resources per region per subscription"
        " (learn.microsoft.com/azure/foundry/foundry-models/quotas-limits), and accounts outside this stack count"
        " too: use tenancy: shared (teams of one governance profile share an account), fewer teams, or another"
        " subscription in landingZone.placement.subscriptions"
    )


def test_shared_tenancy_over_the_limit_names_its_own_way_out():
    """In shared tenancy each team with isolation: dedicated gets its own account, so 31 of them pass Azure's
    30 OpenAI resources per region per subscription (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits);
    the way out is fewer dedicated teams or profiles, not tenancy: shared, which the stack already has."""
    teams = [team(f"team-{i:03d}", isolation="dedicated") for i in range(31)]
    raw = minimal_landing_zone(teams=teams)
    (message,) = refusals(raw).values()
    assert "would place 31 OpenAI accounts in swedencentral" in message
    assert "use fewer teams with isolation: dedicated or fewer governance profiles" in message
    assert "tenancy: shared" not in message
    assert refusals(minimal_landing_zone(teams=teams[:30])) == {}


def test_existing_accounts_count_against_the_limit():
    """An existingAccount is not created here, but it occupies one of the region's 30 Azure OpenAI resources
    per subscription (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits): 30 new accounts and one
    existing make 31, and the message says how many are existing."""
    topology, diags = decide(distributed(30, regions=REGIONS[:1]), PLAN_DATE, load())
    assert topology is not None and [d for d in diags if d.rule == RULE] == []
    adopted = dataclasses.replace(topology.accounts[0], key="adopted", name="contoso-openai-01", existing=True)
    (found,) = account_limits.checks(topology.config, [*topology.accounts, adopted])
    assert found.path == "landingZone.regions[0]" and found.rule == RULE
    assert found.message.startswith(
        "this stack alone would place 31 OpenAI accounts in swedencentral in the stack's subscription"
        " (30 to create, 1 existing); Azure allows 30 "
    )


def test_an_adopted_account_alone_is_within_the_limit():
    """One existing account per region (examples/adopt) is 1 of 30 (learn.microsoft.com/azure/ai-foundry/openai/
    quotas-limits): nothing to say."""
    adopted = {"name": "contoso-openai-01", "resourceGroup": "contoso-openai-rg"}
    raw = {
        "environment": "dev",
        "namePrefix": "contoso",
        "regions": [{"name": "swedencentral", "role": "primary", "existingAccount": adopted}],
        "teams": [team("app-team")],
    }
    assert diagnostics_of(raw) == []


def test_every_kind_has_a_limit_and_a_source():
    """Each account kind the config allows has Azure's per-region limit, read from its quotas-and-limits page
    (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits: 30;
    learn.microsoft.com/azure/foundry/foundry-models/quotas-limits: 100)."""
    assert {k: (lim.count, lim.source) for k, lim in account_limits.PER_REGION.items()} == {
        "OpenAI": (30, OPENAI_LIMITS),
        "AIServices": (100, FOUNDRY_LIMITS),
    }
    assert account_limits.ACCOUNTS_PER_REGION.sources == (OPENAI_LIMITS, FOUNDRY_LIMITS)
