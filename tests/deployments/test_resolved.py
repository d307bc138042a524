"""One resolved deployment per account and region: what every rule, cost and output reads.

The three answers that read the request instead of what is deployed where: PTU sizing of a region's own
capacity, the committed PTU cost of what each region holds, and a model limited to some regions in the outputs.
"""

from __future__ import annotations

import pytest

from infra import render
from infra.catalog import load as load_catalog
from infra.plan import make_plan
from infra.review import cost_facts
from infra.topology import decide
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, minimal_landing_zone, team, write_stack

TWO_REGIONS = [{"name": "swedencentral", "role": "primary"}, {"name": "francecentral", "role": "secondary"}]
PTU = {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 50}


def two_regions(*models: dict, **team_fields) -> dict:
    lz = minimal_landing_zone(regions=TWO_REGIONS, teams=[team("team-a", models=list(models), **team_fields)])
    lz["teams"][0]["budget"]["monthly"] = 200_000
    return lz


def test_ptu_sizing_reads_each_regions_own_capacity():
    """Global and Data Zone provisioned deployments are sold from 15 PTU in steps of 5
    (learn.microsoft.com/azure/ai-foundry/openai/how-to/provisioned-throughput-onboarding, "Global provisioned
    and data zone provisioned": minimum 15, increments of 5). ``capacityByRegion`` sizes a region's
    deployment on its own, so the rule reads that region's value, and names it."""
    errors = errors_of(two_regions({**PTU, "capacityByRegion": {"francecentral": 7}}))
    assert errors == {
        "landingZone.teams[0].models[0].capacityByRegion.francecentral": (
            "GlobalProvisionedManaged gpt-4.1 needs at least 15 PTUs (got 7)"
        )
    }
    errors = errors_of(two_regions({**PTU, "capacityByRegion": {"francecentral": 17}}))
    assert errors["landingZone.teams[0].models[0].capacityByRegion.francecentral"] == (
        "GlobalProvisionedManaged gpt-4.1 is sold in steps of 5 PTUs from 15 (got 17)"
    )
    assert errors_of(two_regions({**PTU, "capacityByRegion": {"francecentral": 15}})) == {}


@pytest.mark.parametrize(
    ("model", "units"),
    [
        (PTU, 100),  # 50 in each of two regions
        ({**PTU, "capacityByRegion": {"francecentral": 15}}, 65),
        ({**PTU, "regions": ["swedencentral"]}, 50),
    ],
)
def test_committed_ptu_cost_is_what_each_region_holds(tmp_path, model, units):
    """Provisioned capacity is paid per deployment, at its own PTU count (the catalog's hourly PTU price x 730 h):
    the committed cost sums the deployments, and the plan text and the PR comment say the same number."""
    prices = load_catalog().prices
    expected = prices.ptu_monthly(PTU["sku"], units)
    topology, diags = decide(two_regions(model), PLAN_DATE)
    assert topology is not None, diags
    (cost,) = topology.costs
    assert cost.committed_monthly == pytest.approx(expected)
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, two_regions(model)))
    assert plan.ok, plan.diagnostics
    assert f"committed PTU {expected:,.0f} {prices.currency}/month" in render.text(plan)
    import json

    from infra.plan import to_json

    contract = json.loads(to_json(plan))
    assert cost_facts(contract)[f"team-a: committed PTU ({prices.currency}/month)"] == pytest.approx(expected)


def test_a_model_limited_to_one_region_is_in_the_teams_outputs(tmp_path):
    """``regions: [francecentral]`` deploys it there only; the team's outputs list every deployment it has."""
    lz = two_regions(
        {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10},
        {
            "name": "text-embedding-3-small",
            "version": "1",
            "sku": "GlobalStandard",
            "capacity": 10,
            "regions": ["francecentral"],
        },
    )
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok, plan.diagnostics
    assert plan.outputs["teams"]["team-a"]["deployments"] == {
        "gpt-4.1-mini": ["team-a-gpt-4.1-mini"],
        "text-embedding-3-small": ["team-a-text-embedding-3-small"],
    }
