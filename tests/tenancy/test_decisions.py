"""Tenancy decisions in plain Python: no Pulumi, no mocks."""

from __future__ import annotations

import itertools

import pytest

from infra.topology import Topology, decide
from tests.conftest import errors_of
from tests.helpers import MODELS, PLAN_DATE, minimal_landing_zone, team

STRICT = {"name": "strict", "prompt": {"hate": "Low"}}


def topo(**lz) -> Topology:
    result, diags = decide(minimal_landing_zone(**lz), PLAN_DATE)
    assert result is not None, diags
    return result


def errors(**lz) -> dict[str, str]:
    return errors_of(minimal_landing_zone(**lz))


def accounts_of(t: Topology) -> dict[str, set[str]]:
    """team -> names of the accounts holding its deployments."""
    out: dict[str, set[str]] = {}
    for a in t.accounts:
        for d in a.deployments:
            out.setdefault(d.team, set()).add(a.name)
    return out


def test_shared_teams_with_the_same_profile_share_one_account_per_region():
    t = topo(
        regions=[{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary"}],
        teams=[team("team-a"), team("team-b")],
    )
    assert [a.key for a in t.accounts] == ["shared-default-general-swedencentral", "shared-default-general-eastus2"]
    assert all(a.teams == ("team-a", "team-b") for a in t.accounts)
    assert accounts_of(t)["team-a"] == accounts_of(t)["team-b"]
    assert [rg.key for rg in t.resource_groups] == ["platform"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"contentFilter": "strict"}, {}),
        ({"dataClassification": "confidential"}, {}),
        ({"contentFilter": "strict", "dataClassification": "public"}, {"contentFilter": "strict"}),
    ],
)
def test_different_governance_profiles_never_share(a, b):
    t = topo(contentFilters=[STRICT], teams=[team("team-a", **a), team("team-b", **b)])
    owners = accounts_of(t)
    assert owners["team-a"].isdisjoint(owners["team-b"])
    for account in t.accounts:
        assert len({d.content_filter for d in account.deployments}) == 1


def test_no_account_ever_mixes_profiles_in_any_combination():
    profiles = [{}, {"contentFilter": "strict"}, {"dataClassification": "confidential"}, {"isolation": "dedicated"}]
    teams = [team(f"team-{i}", **p) for i, p in enumerate(itertools.chain(profiles, profiles))]
    t = topo(contentFilters=[STRICT], teams=teams)
    lz = {x["name"]: x for x in teams}
    for account in t.accounts:
        profiles_here = {
            (lz[n].get("contentFilter", "default"), lz[n].get("dataClassification", "general")) for n in account.teams
        }
        assert len(profiles_here) == 1
        if account.tenancy == "dedicated":
            assert len(account.teams) == 1


def test_dedicated_isolation_gets_its_own_account_even_with_the_same_profile():
    t = topo(teams=[team("team-a"), team("team-b", isolation="dedicated")])
    assert sorted(a.key for a in t.accounts) == ["shared-default-general-swedencentral", "team-team-b-swedencentral"]
    dedicated = next(a for a in t.accounts if a.tenancy == "dedicated")
    assert dedicated.teams == ("team-b",)
    assert dedicated.name == "oai-contoso-dev-team-b-swedencentral"
    assert dedicated.resource_group == "platform"  # the platform team runs it
    assert dedicated.tags["team"] == "team-b"


def test_distributed_layout():
    t = topo(
        tenancy="distributed",
        regions=[{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary"}],
        teams=[team("team-a"), team("team-b")],
    )
    assert [(rg.key, rg.name, rg.team) for rg in t.resource_groups] == [
        ("team-team-a", "rg-contoso-dev-team-a", "team-a"),
        ("team-team-b", "rg-contoso-dev-team-b", "team-b"),
        ("platform", "rg-contoso-dev", None),  # the VNets and DNS zones: the platform team's
    ]
    assert {a.name: a.resource_group for a in t.accounts} == {
        "oai-contoso-dev-team-a-swedencentral": "team-team-a",
        "oai-contoso-dev-team-a-eastus2": "team-team-a",
        "oai-contoso-dev-team-b-swedencentral": "team-team-b",
        "oai-contoso-dev-team-b-eastus2": "team-team-b",
    }
    assert all(len(a.teams) == 1 for a in t.accounts)


def test_role_assignments_cover_exactly_the_teams_accounts():
    t = topo(
        contentFilters=[STRICT],
        teams=[
            team("team-a", "00000000-0000-0000-0000-00000000000a"),
            team("team-b", "00000000-0000-0000-0000-00000000000b", contentFilter="strict"),
        ],
    )
    grants = {(a.name, p.principal_id) for a in t.accounts for p in a.access}
    assert grants == {
        ("oai-contoso-dev-shared-default-general-swedencentral", "00000000-0000-0000-0000-00000000000a"),
        ("oai-contoso-dev-shared-strict-general-swedencentral", "00000000-0000-0000-0000-00000000000b"),
    }


def test_a_principal_in_two_teams_on_one_account_is_granted_once():
    t = topo(teams=[team("team-a"), team("team-b")])  # same default principal
    (account,) = t.accounts
    (access,) = account.access
    assert access.teams == ("team-a", "team-b")


def test_deployment_names_carry_the_team_and_stay_unique_per_account():
    t = topo(teams=[team("team-a"), team("team-b")])
    names = [d.name for d in t.accounts[0].deployments]
    assert names == ["team-a-gpt-4.1-mini", "team-b-gpt-4.1-mini"]


def test_explicit_deployment_names_on_a_shared_account_must_carry_the_team():
    bad = team(
        "team-a",
        models=[
            {
                "name": "gpt-4.1-mini",
                "version": "2025-04-14",
                "sku": "GlobalStandard",
                "capacity": 1,
                "deploymentName": "chat",
            }
        ],
    )
    assert errors(teams=[bad]) == {
        "landingZone.teams[0].models[0].deploymentName": "'chat' is on a shared account: start it with the team"
        " name, e.g. team-a-chat"
    }
    assert errors(teams=[{**bad, "isolation": "dedicated"}]) == {}


def test_why_text():
    t = topo(
        contentFilters=[STRICT],
        teams=[
            team("team-a"),
            team("team-b"),
            team("team-c", contentFilter="strict"),
            team("team-d", isolation="dedicated"),
        ],
    )
    why = {p.name: p.reason for p in t.teams}
    profile = "(contentFilter=default, dataClassification=general)"
    assert why["team-a"] == f"shared with team-b: same governance profile {profile}"
    assert why["team-c"] == (
        "shared account of its governance profile (contentFilter=strict,"
        " dataClassification=general); no other team has it yet"
    )
    assert why["team-d"] == "dedicated: isolation: dedicated"
    shared = next(a for a in t.accounts if a.group == "shared-default-general")
    assert shared.reason == f"shared by team-a, team-b: same governance profile {profile}"
    distributed = topo(tenancy="distributed", teams=[team("team-a")])
    assert distributed.teams[0].reason.startswith("dedicated: tenancy: distributed")


def test_existing_account_needs_a_single_account_group():
    regions = [
        {
            "name": "swedencentral",
            "role": "primary",
            "existingAccount": {"name": "oai-platform", "resourceGroup": "rg-platform"},
        }
    ]
    errs = errors(regions=regions, teams=[team("team-a"), team("team-b", isolation="dedicated")])
    assert "names one account, but this stack needs 2 per region" in errs["landingZone.regions[0].existingAccount"]
    # Its network belongs to its owner: this stack builds none.
    ok = topo(
        regions=regions, teams=[team("team-a", budget=None), team("team-b", budget=None)], network={"mode": "public"}
    )
    assert ok.resource_groups == ()
    assert ok.accounts[0].existing and ok.accounts[0].resource_group == "rg-platform"


def test_account_names_longer_than_azure_allows():
    errs = errors(
        namePrefix="contosocorp1",
        environment="production",
        regions=[{"name": "southafricanorth", "role": "primary"}],
        teams=[team("a-really-long-team-name-for-test", isolation="dedicated")],
    )
    assert "Azure allows 64" in errs["landingZone.namePrefix"]


def test_custom_subdomain_needs_a_single_account_group():
    regions = [{"name": "swedencentral", "role": "primary", "customSubdomain": "contoso-ai"}]
    errs = errors(
        regions=regions, contentFilters=[STRICT], teams=[team("team-a"), team("team-b", contentFilter="strict")]
    )
    assert "landingZone.regions[0].customSubdomain" in errs
    (account,) = topo(regions=regions, teams=[team("team-a"), team("team-b")]).accounts
    assert account.custom_subdomain == "contoso-ai"


def test_content_filter_names_fit_in_account_names():
    assert "DNS-safe slug" in errors(contentFilters=[{"name": "Strict_1"}])["landingZone.contentFilters[0].name"]
    assert "built-in" in errors(contentFilters=[{"name": "default"}])["landingZone.contentFilters[0].name"]


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("capacityByRegion", "landingZone.teams[0].models[0].capacityByRegion"),
        ("regions", "landingZone.teams[0].models[0].regions"),
        ("quotas", "landingZone.quotas[0].region"),
    ],
)
def test_unknown_regions_are_errors_at_their_path(where, path):
    """Bug: a region the stack does not have was accepted (and its capacity or quota silently ignored)."""
    model = dict(MODELS[0])
    lz = minimal_landing_zone()
    if where == "capacityByRegion":
        model["capacityByRegion"] = {"swedencentral": 10, "nowhere": 5}
    elif where == "regions":
        model["regions"] = ["swedencentral", "nowhere"]
    else:
        lz["quotas"] = [{"region": "nowhere", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 100}]
    lz["teams"][0]["models"] = [model]
    errs = errors_of(lz)
    assert list(errs) == [path], errs
    assert "'nowhere' is not a region of this stack; allowed: swedencentral" in errs[path]
