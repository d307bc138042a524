"""Guards against bugs that once survived the whole suite.

Each test here was written against a realistic bug ("surviving mutant") planted by hand in the program: the
suite stayed green with the bug in place, because nothing looked at that behaviour, or looked at it in a way
that could not fail. Every test below was seen to fail with its bug planted and to pass without it. They
assert the property (e.g. "the endpoint waits for every deployment"), not the mechanism, so that a refactor
that keeps the property keeps them green.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.plan import Plan, make_plan
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, minimal_landing_zone, of_type, team, write_stack

ACCOUNT = "azure-native:cognitiveservices:Account"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
SUBSCRIPTION = "azure-native:apimanagement:Subscription"
WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"

MODELS = [
    {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10},
    {"name": "text-embedding-3-small", "version": "1", "sku": "GlobalStandard", "capacity": 10},
    {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10},
]
WORKSPACE_ID = (
    "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg"
    "/providers/Microsoft.OperationalInsights/workspaces/law-hub"
)


def _plan(tmp_path: Path, **lz) -> Plan:
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, minimal_landing_zone(**lz)))
    assert plan.ok, plan.diagnostics
    return plan


def _waits_for(plan: Plan) -> dict[str, set[str]]:
    """URN -> every URN it transitively waits for. Waiting on a component means waiting on all it contains."""
    children: dict[str, list[str]] = {}
    for r in plan.resources:
        if r.parent:
            children.setdefault(r.parent, []).append(r.urn)

    def with_descendants(urn: str) -> set[str]:
        out, todo = set(), [urn]
        while todo:
            u = todo.pop()
            if u not in out:
                out.add(u)
                todo += children.get(u, [])
        return out

    direct = {r.urn: set().union(*(with_descendants(d) for d in r.depends_on)) for r in plan.resources}
    closure: dict[str, set[str]] = {}

    def visit(urn: str) -> set[str]:
        if urn not in closure:
            closure[urn] = set()  # no cycles in a plan; this only stops a runaway
            seen = set(direct.get(urn, ()))
            for d in list(seen):
                seen |= visit(d)
            closure[urn] = seen
        return closure[urn]

    return {urn: visit(urn) for urn in direct}


def _write_team_file(tmp_path: Path, rel: str, body: dict) -> str:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return rel


# 1. the private endpoint waited on the FIRST deployment of its account, not the last


def test_private_endpoint_waits_for_every_deployment_of_its_account(tmp_path):
    """Bug: the endpoint waited on one deployment (the first), so the account could be 'Accepted' under it."""
    plan = _plan(
        tmp_path,
        teams=[
            team("team-a", models=MODELS),
            team("team-b", "00000000-0000-0000-0000-00000000000b", isolation="dedicated", models=MODELS[:2]),
        ],
    )
    accounts = {a.outputs["id"]: a.inputs["accountName"] for a in of_type(plan.resources, ACCOUNT)}
    deployments: dict[str, set[str]] = {}
    for d in of_type(plan.resources, DEPLOYMENT):
        deployments.setdefault(d.inputs["accountName"], set()).add(d.urn)
    assert sorted(len(v) for v in deployments.values()) == [2, 3]
    waits = _waits_for(plan)
    endpoints = of_type(plan.resources, PRIVATE_ENDPOINT)
    assert len(endpoints) == 2
    for pe in endpoints:
        (connection,) = pe.inputs["privateLinkServiceConnections"]
        account = accounts[connection["privateLinkServiceId"]]
        missing = deployments[account] - waits[pe.urn]
        assert not missing, f"{pe.name} does not wait for {sorted(missing)}"


# 2. errors in team files reported at landingZone.teams[i] instead of in the file


def test_semantic_errors_in_a_team_file_point_into_the_file(tmp_path):
    """Bug: region and content-filter checks hard-coded ``landingZone.teams[i]`` for teams from files."""
    body = team(
        "team-b",
        "00000000-0000-0000-0000-00000000000b",
        contentFilter="nope",
        models=[
            {**MODELS[0], "capacityByRegion": {"nowhere": 5}},
            {**MODELS[1], "regions": ["elsewhere"]},
        ],
    )
    rel = _write_team_file(tmp_path, "teams/x.yaml", body)
    errs = errors_of(minimal_landing_zone(teamFiles=[rel]), base_dir=tmp_path)
    assert "'nowhere' is not a region" in errs["teams/x.yaml: models[0].capacityByRegion"]
    assert "'elsewhere' is not a region" in errs["teams/x.yaml: models[1].regions"]
    assert errs["teams/x.yaml: contentFilter"].startswith("unknown content filter 'nope'")
    assert not [p for p in errs if p.startswith("landingZone.teams")], errs


def test_catalog_errors_in_a_team_file_point_into_the_file(tmp_path):
    """Bug: catalog checks hard-coded ``landingZone.teams[i]`` for teams from files."""
    ptu = {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 17}
    body = team("team-b", "00000000-0000-0000-0000-00000000000b", models=[{**MODELS[0], "version": "2099-01-01"}, ptu])
    rel = _write_team_file(tmp_path, "teams/x.yaml", body)
    errs = errors_of(minimal_landing_zone(teamFiles=[rel]), base_dir=tmp_path)
    assert errs["teams/x.yaml: models[0].version"].startswith("unknown version '2099-01-01'")
    assert "steps of 5" in errs["teams/x.yaml: models[1].capacity"]
    assert not [p for p in errs if p.startswith("landingZone.teams")], errs


# 3. unknown regions accepted


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


# 4. account.trustedServicesBypass: false ignored


@pytest.mark.parametrize(("account", "bypass"), [({}, "AzureServices"), ({"trustedServicesBypass": False}, "None")])
def test_trusted_services_bypass_reaches_the_account_firewall(tmp_path, account, bypass):
    """Bug: ``trustedServicesBypass: false`` was ignored and trusted Azure services still got through."""
    plan = _plan(tmp_path, **({"account": account} if account else {}))
    accounts = of_type(plan.resources, ACCOUNT)
    assert accounts
    for a in accounts:
        assert a.inputs["properties"]["networkAcls"]["bypass"] == bypass


# 5. gateway subscription keys no longer secret


def test_gateway_subscription_keys_are_secret_outputs(prod):
    """Bug: API Management subscription keys were not ``additionalSecretOutputs``: plain text in the state."""
    subscriptions = of_type(prod.resources, SUBSCRIPTION)
    assert subscriptions
    for s in subscriptions:
        assert {"primaryKey", "secondaryKey"} <= set(s.additional_secret_outputs), s.name


# 6. the 100,000 PTU maximum per deployment unchecked


def test_provisioned_capacity_above_the_per_deployment_maximum_is_an_error():
    """Bug: a deployment above 100,000 PTUs (Azure's maximum) passed validation."""
    model = {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 100_005}
    errs = errors_of(minimal_landing_zone(teams=[team("team-a", models=[model])]))
    message = errs["landingZone.teams[0].models[0].capacity"]
    assert "100000" in message.replace(",", "").replace("_", "")
    model["capacity"] = 100_000  # the maximum itself is fine: 15 + 19,997 steps of 5
    assert errors_of(minimal_landing_zone(teams=[team("team-a", models=[model])])) == {}


# 7. monitoring.workspaceId ignored


def test_an_existing_workspace_is_used_and_none_is_created(tmp_path):
    """Bug: ``monitoring.workspaceId`` was ignored: a new workspace was created and got the accounts' logs."""
    plan = _plan(tmp_path, monitoring={"workspaceId": WORKSPACE_ID})
    assert of_type(plan.resources, WORKSPACE) == []
    accounts = {a.outputs["id"] for a in of_type(plan.resources, ACCOUNT)}
    settings = {d.inputs["resourceUri"]: d for d in of_type(plan.resources, DIAGNOSTIC)}
    assert accounts and accounts <= set(settings)
    for d in settings.values():
        assert d.inputs["workspaceId"] == WORKSPACE_ID, d.name
