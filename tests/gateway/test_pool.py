"""The gateway pool's priorities and weights: the primary first, the secondaries sharing priority 2 and splitting
its traffic by `weight`; what the plan, the review and the diagram say about them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from components.openai_backend_pool import OpenAiBackendPool
from infra.diagram import _id, mermaid
from infra.plan import make_plan, to_json
from infra.render import text
from infra.review import gateway_changes
from tests.conftest import diagnostics_of, errors_of
from tests.gateway.test_gateway import API_POLICY, BACKEND, gateway_lz
from tests.helpers import PLAN_DATE, of_type, register, write_stack
from tests.plan.test_review import MERMAID_CHECK

THREE = [
    {"name": "swedencentral", "role": "primary"},
    {"name": "eastus2", "role": "secondary", "weight": 3},
    {"name": "francecentral", "role": "secondary", "weight": 1},
]
PRIMARY, HEAVY, LIGHT = (f"shared-default-general-{r['name']}" for r in THREE)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path_factory.mktemp("pool"), gateway_lz(regions=THREE)))
    assert plan.ok, plan.diagnostics
    return plan


def _pool(plan) -> dict[str, dict]:
    """Backend ID -> its pool item (priority, weight)."""
    backends = of_type(plan.resources, BACKEND)
    ids = {b.outputs["id"]: b.inputs["backendId"] for b in backends if b.inputs["type"] == "Single"}
    (pool,) = [b for b in backends if b.inputs["type"] == "Pool"]
    return {ids[s["id"]]: {k: v for k, v in s.items() if k != "id"} for s in pool.inputs["pool"]["services"]}


def test_secondaries_share_priority_two_and_split_it_by_weight(three):
    """API Management weighs only within a priority group: "Organize backends into priority groups. Send
    requests to higher priority groups first; within a group, distribute requests evenly or according to
    assigned weights", and lower groups get traffic only when every backend of the higher ones is tripped
    (learn.microsoft.com/azure/api-management/backends, "Load balancing options"). So the secondaries share
    priority 2, as in Azure-Samples/AI-Gateway labs/backend-pool-load-balancing ("a priority 1 (highest)
    backend is exhausted before gracefully falling back to two equally-weighted priority 2 backends";
    github.com/Azure-Samples/AI-Gateway/tree/main/labs/backend-pool-load-balancing): a secondary's `weight`
    now splits the fallback traffic (3:1 here) instead of sitting alone in a priority of its own."""
    assert _pool(three) == {
        PRIMARY: {"priority": 1, "weight": 1},
        HEAVY: {"priority": 2, "weight": 3},
        LIGHT: {"priority": 2, "weight": 1},
    }
    topology_pool = {m.account: (m.priority, m.weight) for m in three.topology.gateway.apis[0].members}
    assert topology_pool == {PRIMARY: (1, 1), HEAVY: (2, 3), LIGHT: (2, 1)}


def test_retries_still_reach_a_healthy_secondary(three):
    """A member is skipped only once its breaker trips (learn.microsoft.com/azure/api-management/backends), and
    within priority 2 the pool may keep picking a failing secondary: the worst case before the last healthy
    member is still failureCount x (members - 1) failures, 3 x 2 here."""
    (policy,) = of_type(three.resources, API_POLICY)
    assert ET.fromstring(policy.inputs["value"]).find("backend/retry").get("count") == "6"


def test_weight_on_the_primary_is_an_error_that_says_what_to_do():
    """The primary is alone in priority 1 (tenancy allows exactly one primary), and weights split traffic only
    inside a priority group (learn.microsoft.com/azure/api-management/backends, "Priority-based"): a weight
    there would do nothing, so the plan refuses it instead of ignoring it."""
    regions = [{**THREE[0], "weight": 5}, *THREE[1:]]
    errors = errors_of(gateway_lz(regions=regions))
    assert errors["landingZone.regions[0].weight"] == (
        "the primary region is alone in priority 1 of the gateway pool, where a weight does nothing: remove"
        " weight here; it splits traffic among the secondaries, which share priority 2"
    )
    # an explicit weight of 1 is no different: it still reads as if it did something
    regions = [{**THREE[0], "weight": 1}, *THREE[1:]]
    assert "landingZone.regions[0].weight" in errors_of(gateway_lz(regions=regions))
    assert "landingZone.regions[0].weight" not in errors_of(gateway_lz(regions=THREE))


def test_weight_is_what_a_pool_item_takes():
    """A pool item's weight (and priority) is 0 to 100: BackendPoolItem in Microsoft.ApiManagement 2024-05-01,
    the API version pulumi_azure_native's apimanagement.Backend uses ("Must be between 0 and 100";
    schemas/2024-05-01/Microsoft.ApiManagement.json, definitions.BackendPoolItem). 1000 used to pass the
    plan and fail the deployment."""
    regions = [THREE[0], {**THREE[1], "weight": 101}]
    diags = diagnostics_of(gateway_lz(regions=regions))
    assert [(d.path, d.message) for d in diags if d.severity == "error"] == [
        ("landingZone.regions[1].weight", "must be <= 100 (got 101)")
    ]
    assert "landingZone.regions[1].weight" not in errors_of(gateway_lz(regions=[THREE[0], {**THREE[1], "weight": 100}]))


def test_the_component_refuses_what_azure_would():
    """OpenAiBackendPool is a library too: outside the program's config, a weight or priority over 100
    (BackendPoolItem, Microsoft.ApiManagement 2024-05-01: "Must be between 0 and 100") fails at once."""

    def program(weight):
        def run():
            OpenAiBackendPool(
                "pool",
                {
                    "service_name": "apim",
                    "resource_group_name": "rg",
                    "pool_id": "pool",
                    "members": [{"backend_id": "a", "url": "https://a/openai", "priority": 1, "weight": weight}],
                    "circuit_breaker": {"failure_count": 3, "interval": "PT1M", "trip_duration": "PT1M"},
                },
            )

        return run

    with pytest.raises(ValueError, match=r"weight: API Management takes 0 to 100, got 150"):
        register(program(150))
    services = [
        r.inputs["pool"]["services"] for r in of_type(register(program(100)), BACKEND) if r.inputs["type"] == "Pool"
    ]
    assert [[s["weight"] for s in items] for items in services] == [[100]]


def test_plan_text_shows_each_members_priority_weight_and_share(three):
    """The plan says what the pool does: who is first, and how the fallback traffic splits."""
    assert f"pool priority 1: {PRIMARY} weight 1; priority 2: {HEAVY} weight 3 (75%), {LIGHT} weight 1 (25%)" in text(
        three
    )


def test_review_names_a_weight_change(three, tmp_path):
    """A reviewer sees a traffic split change in the gateway changes, not only as a changed resource."""
    regions = [THREE[0], THREE[1], {**THREE[2], "weight": 3}]
    head = make_plan("test", PLAN_DATE, write_stack(tmp_path, gateway_lz(regions=regions)))
    assert head.ok, head.diagnostics
    lines = gateway_changes(json.loads(to_json(three)), json.loads(to_json(head)))
    assert lines == [
        f"`pool-shared-default-general`: pool priority 1: {PRIMARY} weight 1; priority 2: {HEAVY} weight 3 (75%),"
        f" {LIGHT} weight 1 (25%) → pool priority 1: {PRIMARY} weight 1; priority 2: {HEAVY} weight 3 (50%),"
        f" {LIGHT} weight 3 (50%)"
    ]


def test_diagram_fails_over_from_the_primary_to_every_secondary(three):
    """The secondaries are peers in priority 2, not a chain: both take over from the primary."""
    diagram = mermaid(three.topology)
    primary, heavy, light = (_id("account", a) for a in (PRIMARY, HEAVY, LIGHT))
    assert f"  {primary} -.->|failover · weight 3| {heavy}" in diagram
    assert f"  {primary} -.->|failover · weight 1| {light}" in diagram
    assert f"{heavy} -.->" not in diagram


def test_the_three_region_diagram_parses(three):
    """The weighted failover edges are Mermaid that GitHub renders (the parser tests/plan/test_review.py uses)."""
    node = shutil.which("node")
    if node is None or not (MERMAID_CHECK / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install tools/mermaid-check (npm ci --prefix tools/mermaid-check)")
        pytest.skip("tools/mermaid-check is not installed: npm ci --prefix tools/mermaid-check")
    result = subprocess.run(
        [node, str(MERMAID_CHECK / "parse.mjs")],
        input=json.dumps([mermaid(three.topology)]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
