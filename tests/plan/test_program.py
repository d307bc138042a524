"""The whole program, run the way the offline plan runs it, for each stack and both tenancy modes."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from infra.plan import make_plan
from tests.helpers import (
    ACCOUNT,
    DEPLOYMENT,
    PLAN_DATE,
    RAI_POLICY,
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
    minimal_landing_zone,
    of_type,
    team,
    write_stack,
)

OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def _by_account(plan, type_: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in of_type(plan.resources, type_):
        out.setdefault(r.inputs["accountName"], []).append(r)
    return out


def _chains(plan) -> dict[str, list[str]]:
    """Deployment names per account in dependency order; each waits on exactly the previous one."""
    out = {}
    for account, deps in _by_account(plan, DEPLOYMENT).items():
        urns = {d.urn for d in deps}
        previous = None
        for d in deps:
            assert [u for u in d.depends_on if u in urns] == ([previous.urn] if previous else []), d.name
            previous = d
        out[account] = [d.inputs["deploymentName"] for d in deps]
    return out


def _account_of_team(plan) -> dict[str, set[str]]:
    teams: dict[str, set[str]] = {}
    for account, deps in _by_account(plan, DEPLOYMENT).items():
        for d in deps:
            teams.setdefault(d.inputs["deploymentName"].split("-gpt")[0].split("-text")[0], set()).add(account)
    return teams


def test_dev_stack(dev):
    assert dev.ok, dev.diagnostics
    counts = Counter(r.type for r in dev.resources if r.custom)
    # groups: shared default/general (contoso-chat + hr-copilot), shared strict/confidential, dedicated fraud-detect
    assert counts == {
        RESOURCE_GROUP: 1,
        ACCOUNT: 3,
        RAI_POLICY: 1,
        DEPLOYMENT: 5,
        ROLE_ASSIGNMENT: 5 + 3,  # team principals, and the gateway on each account
        # public with an allow-list, and the private path too: VNet, endpoints, zones created here
        "azure-native:network:VirtualNetwork": 1,
        "azure-native:network:NetworkSecurityGroup": 2,
        "azure-native:network:PrivateEndpoint": 3,
        "azure-native:network:PrivateDnsZoneGroup": 3,
        "azure-native:privatedns:PrivateZone": 2,
        "azure-native:privatedns:VirtualNetworkLink": 2,
        # the environment and four teams, alerting one shared action group
        "azure-native:consumption:Budget": 5,
        "azure-native:monitor:ActionGroup": 1,
        # one region, same code path as prod: gateway, telemetry, a pool and an API per account group
        "azure-native:apimanagement:ApiManagementService": 1,
        "azure-native:operationalinsights:Workspace": 1,
        "azure-native:applicationinsights:Component": 1,
        "azure-native:applicationinsights:Workbook": 1,
        "azure-native:apimanagement:Logger": 2,  # appinsights (token metrics), azuremonitor (LLM logs)
        "azure-native:apimanagement:Diagnostic": 1,
        "azure-native:apimanagement/v20241001preview:ApiDiagnostic": 3,  # LLM logs, one per API
        "azure-native:apimanagement:Backend": 3 + 3,
        "azure-native:apimanagement:Api": 3,
        "azure-native:apimanagement:ApiOperation": 3 * 10,
        "azure-native:apimanagement:ApiPolicy": 3,
        # only contoso-chat uses subscription keys; keyless teams get no (open) product
        "azure-native:apimanagement:Product": 1,
        "azure-native:apimanagement:ProductApiLink": 1,
        "azure-native:apimanagement:Subscription": 1,  # contoso-chat asked for a key
        # monitoring: diagnostics on every account and the gateway, three alerts per account (no PTU in dev)
        "azure-native:monitor:DiagnosticSetting": 3 + 1,
        "azure-native:monitor:MetricAlert": 3 * 3,
        # guardrails: four built-ins and the approved-models definition, on the platform resource group
        "azure-native:authorization:PolicyDefinition": 1,
        "azure-native:authorization:PolicyAssignment": 5,
    }
    for account in of_type(dev.resources, ACCOUNT):
        props = account.inputs["properties"]
        assert props["publicNetworkAccess"] == "Enabled"
        assert props["networkAcls"] == {
            "defaultAction": "Deny",
            "bypass": "AzureServices",
            "ipRules": [{"value": "203.0.113.0/24"}],
        }
        assert props["disableLocalAuth"] is True


def test_prod_stack_has_an_account_per_group_per_region(prod):
    assert prod.ok, prod.diagnostics
    accounts = of_type(prod.resources, ACCOUNT)
    assert len(accounts) == 6
    assert Counter(a.inputs["location"] for a in accounts) == {"swedencentral": 3, "francecentral": 3}
    for a in accounts:
        assert a.inputs["properties"]["publicNetworkAccess"] == "Disabled"
        assert a.inputs["properties"]["networkAcls"]["defaultAction"] == "Deny"
    chains = _chains(prod)
    # Same deployment names in every region: failover rewrites only the host.
    for group in ("shared-default-general", "shared-strict-confidential", "fraud-detect"):
        sweden, france = (chains[f"oai-contoso-prod-{group}-{r}"] for r in ("swedencentral", "francecentral"))
        assert sweden == france and sweden
    assert chains["oai-contoso-prod-shared-default-general-swedencentral"] == [
        "contoso-chat-gpt-4.1-mini",
        "contoso-chat-text-embedding-3-small",
        "hr-copilot-gpt-4.1-mini",
    ]


def test_teams_with_different_profiles_never_share_an_account(prod):
    teams = _account_of_team(prod)
    assert teams["contoso-chat"] == teams["hr-copilot"]
    assert teams["claims-assist"].isdisjoint(teams["contoso-chat"])
    assert teams["fraud-detect"].isdisjoint(teams["contoso-chat"] | teams["claims-assist"])
    filters_per_account = {
        a: {d.inputs["properties"]["raiPolicyName"] for d in ds} for a, ds in _by_account(prod, DEPLOYMENT).items()
    }
    assert all(len(f) == 1 for f in filters_per_account.values())


def test_deployments_never_wait_on_another_accounts_resources(prod):
    owner = {r.urn: r.inputs["accountName"] for r in prod.resources if r.type in (ACCOUNT, RAI_POLICY, DEPLOYMENT)}
    for d in of_type(prod.resources, DEPLOYMENT):
        assert {owner[u] for u in d.depends_on if u in owner} <= {d.inputs["accountName"]}, d.name


def test_custom_content_filter_is_created_before_its_deployments(prod):
    policies = {p.urn: p for p in of_type(prod.resources, RAI_POLICY)}
    assert len(policies) == 2  # the strict profile's account in each region, nowhere else
    users = [d for d in of_type(prod.resources, DEPLOYMENT) if d.inputs["properties"]["raiPolicyName"] == "strict"]
    assert len(users) == 2
    for d in users:
        (policy_urn,) = [u for u in d.depends_on if u in policies]
        assert policies[policy_urn].inputs["accountName"] == d.inputs["accountName"]


def test_role_assignments_are_scoped_to_exactly_the_teams_accounts(prod):
    accounts = {a.outputs["id"]: a.inputs["accountName"] for a in of_type(prod.resources, ACCOUNT)}
    scopes: dict[str, set[str]] = {}
    for ra in of_type(prod.resources, ROLE_ASSIGNMENT):
        assert ra.inputs["scope"] in accounts, "scope must be an account, nothing broader"
        assert ra.inputs["roleDefinitionId"].endswith(
            f"/providers/Microsoft.Authorization/roleDefinitions/{OPENAI_USER}"
        )
        assert ra.inputs["roleDefinitionId"].startswith("/subscriptions/")
        scopes.setdefault(ra.inputs["principalId"], set()).add(accounts[ra.inputs["scope"]])
    teams = _account_of_team(prod)
    assert scopes["6f1c2a9e-0b1d-4c55-9a7e-1d2f3a4b5c01"] == teams["contoso-chat"]  # contoso-chat developers
    assert scopes["9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c03"] == teams["claims-assist"]
    assert scopes["3c2b1a09-8f7e-4d6c-8b5a-493827160504"] == teams["fraud-detect"]
    sp = next(r for r in of_type(prod.resources, ROLE_ASSIGNMENT) if r.inputs["principalId"].startswith("0d4e8f3a"))
    assert sp.inputs["principalType"] == "ServicePrincipal"


def test_team_outputs(prod):
    chat = prod.outputs["teams"]["contoso-chat"]
    assert chat["tenancy"] == "shared"
    assert chat["sharedWith"] == ["hr-copilot"]
    assert chat["regions"] == ["swedencentral", "francecentral"]
    assert chat["primaryRegion"] == "swedencentral"
    assert (
        chat["endpoints"]["francecentral"]
        == "https://oai-contoso-prod-shared-default-general-francecentral.openai.azure.com/"
    )
    assert chat["accountIds"]["swedencentral"].endswith(
        "/accounts/oai-contoso-prod-shared-default-general-swedencentral"
    )
    assert chat["deployments"] == {
        "gpt-4.1-mini": ["contoso-chat-gpt-4.1-mini"],
        "text-embedding-3-small": ["contoso-chat-text-embedding-3-small"],
    }
    assert chat["gatewayUrl"] == "https://apim-contoso-prod.azure-api.net/shared-default-general"
    assert prod.outputs["teams"]["fraud-detect"]["tenancy"] == "dedicated"
    text = json.dumps(prod.outputs).lower()
    assert "key" not in text and "connectionstring" not in text


def _plan_in_fresh_process(seed: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONHASHSEED"] = seed
    args = ["plan", "--stack", "prod", "--format", "json", "--date", PLAN_DATE.isoformat()]
    return subprocess.Popen(
        [sys.executable, "-m", "infra", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_plan_json_and_role_assignment_names_do_not_depend_on_the_hash_seed(prod):
    """Guards run-to-run drift (set/dict order, hash()): two fresh processes with different hash seeds must print
    the same plan, byte for byte, role assignment names (their Azure identity) included."""
    runs = [_plan_in_fresh_process(seed) for seed in ("1", "2")]
    (first, err1), (second, err2) = (p.communicate(timeout=120) for p in runs)
    assert [p.returncode for p in runs] == [0, 0], err1 + err2

    def names(out: str) -> list[str]:
        doc = json.loads(out)
        return sorted(r["inputs"]["roleAssignmentName"] for r in doc["resources"] if r["type"] == ROLE_ASSIGNMENT)

    assert names(first) == names(second)
    assert len(set(names(first))) == len(names(first)) == len(of_type(prod.resources, ROLE_ASSIGNMENT))
    # and this process (another seed again) plans the same names
    assert names(first) == sorted(r.inputs["roleAssignmentName"] for r in of_type(prod.resources, ROLE_ASSIGNMENT))
    if first != second:
        diff = difflib.unified_diff(first.splitlines(), second.splitlines(), "PYTHONHASHSEED=1", "=2", lineterm="")
        pytest.fail("the plan differs between hash seeds:\n" + "\n".join(list(diff)[:40]))


def test_distributed_stack(tmp_path):
    lz = minimal_landing_zone(
        tenancy="distributed",
        regions=[{"name": "swedencentral", "role": "primary"}, {"name": "eastus2", "role": "secondary"}],
        teams=[
            team("team-a", "00000000-0000-0000-0000-00000000000a"),
            team("team-b", "00000000-0000-0000-0000-00000000000b"),
        ],
    )
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok, plan.diagnostics
    rgs = {r.inputs["resourceGroupName"] for r in of_type(plan.resources, RESOURCE_GROUP)}
    assert rgs == {"rg-contoso-dev-team-a", "rg-contoso-dev-team-b", "rg-contoso-dev"}
    accounts = {a.inputs["accountName"]: a for a in of_type(plan.resources, ACCOUNT)}
    assert set(accounts) == {
        f"oai-contoso-dev-{t}-{r}" for t in ("team-a", "team-b") for r in ("swedencentral", "eastus2")
    }
    for name, account in accounts.items():
        owner = "team-a" if "team-a" in name else "team-b"
        assert account.inputs["resourceGroupName"] == f"rg-contoso-dev-{owner}"
        assert account.inputs["tags"]["team"] == owner
        assert account.inputs["tags"]["costCenter"] == "CC-1"
    teams = _account_of_team(plan)
    assert teams["team-a"] == {"oai-contoso-dev-team-a-swedencentral", "oai-contoso-dev-team-a-eastus2"}
    ids = {a.outputs["id"]: n for n, a in accounts.items()}
    for ra in of_type(plan.resources, ROLE_ASSIGNMENT):
        owner = "team-a" if ra.inputs["principalId"].endswith("a") else "team-b"
        assert ids[ra.inputs["scope"]].startswith(f"oai-contoso-dev-{owner}-")
    assert len(of_type(plan.resources, ROLE_ASSIGNMENT)) == 4
    assert plan.outputs["teams"]["team-b"]["tenancy"] == "dedicated"


def test_existing_account_mode_creates_no_account(tmp_path):
    lz = minimal_landing_zone(
        regions=[
            {
                "name": "swedencentral",
                "role": "primary",
                "existingAccount": {"name": "oai-platform-shared", "resourceGroup": "rg-platform"},
            }
        ],
        network={"mode": "public"},
        teams=[
            team("team-a", budget=None)
        ],  # no budgets: nothing of the platform is needed  # the existing account's network is its owner's
    )
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok, plan.diagnostics
    assert of_type(plan.resources, ACCOUNT) == []
    assert of_type(plan.resources, RESOURCE_GROUP) == []
    (dep,) = of_type(plan.resources, DEPLOYMENT)
    assert dep.inputs["accountName"] == "oai-platform-shared"
    assert dep.inputs["resourceGroupName"] == "rg-platform"
    assert dep.depends_on == []
    (ra,) = of_type(plan.resources, ROLE_ASSIGNMENT)
    assert ra.inputs["scope"].endswith(
        "/resourceGroups/rg-platform/providers/Microsoft.CognitiveServices/accounts/oai-platform-shared"
    )
    out = plan.outputs["accounts"]["shared-default-general-swedencentral"]
    assert out["existing"] is True
    assert out["endpoint"] == "https://oai-platform-shared.openai.azure.com/"


def test_invalid_config_registers_nothing(tmp_path):
    lz = minimal_landing_zone()
    lz["teams"][0]["models"][0]["capacity"] = 0
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert not plan.ok
    assert plan.resources == []
    assert [d.path for d in plan.diagnostics] == ["landingZone.teams[0].models[0].capacity"]
