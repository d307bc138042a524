"""Observability, guardrails, lifecycle, quota and the stateful-URN golden list."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from components.guardrails import ACCOUNT_TYPE, BUILT_IN, DEPLOYMENT_TYPE, allowed_models_rule, deny_account_delete_rule
from infra import azure_types, placement, tenancy
from infra import catalog as catalog_mod
from infra.config import PROJECT_ROOT
from infra.diff import diff
from infra.operations import approved_models
from infra.plan import make_plan
from infra.render import text
from infra.stateful import compare, stateful_urns
from infra.topology import decide
from tests.helpers import PLAN_DATE, cli, minimal_landing_zone, of_type, plan_for, prod_copy, team, team_files_in
from tests.plan.test_policy_pack import _check, _one, policies

ACCOUNT = azure_types.ACCOUNT.token
ALERT = azure_types.METRIC_ALERT.token
DIAGNOSTIC = azure_types.DIAGNOSTIC_SETTING.token
ASSIGNMENT = azure_types.POLICY_ASSIGNMENT.token
DEFINITION = azure_types.POLICY_DEFINITION.token
LOCK = azure_types.LOCK.token
GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
GOLDEN = GOLDEN_DIR / "prod-stateful-urns.txt"


def test_every_account_sends_logs_and_metrics_to_the_workspace(prod):
    (workspace,) = of_type(prod.resources, "azure-native:operationalinsights:Workspace")
    settings = {d.inputs["resourceUri"]: d for d in of_type(prod.resources, DIAGNOSTIC)}
    (gateway,) = of_type(prod.resources, "azure-native:apimanagement:ApiManagementService")
    accounts = of_type(prod.resources, ACCOUNT)
    assert set(settings) == {a.outputs["id"] for a in accounts} | {gateway.outputs["id"]}
    for d in settings.values():
        assert d.inputs["workspaceId"] == workspace.outputs["id"]
        assert {log["categoryGroup"] for log in d.inputs["logs"]} == {"allLogs", "audit"}
        assert d.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]


def test_alerts_per_account_point_at_the_action_group(prod):
    (group,) = of_type(prod.resources, "azure-native:monitor:ActionGroup")
    alerts = of_type(prod.resources, ALERT)
    by_account: dict[str, dict] = {}
    for alert in alerts:
        (scope,) = alert.inputs["scopes"]
        (criterion,) = alert.inputs["criteria"]["allOf"]
        by_account.setdefault(scope, {})[criterion["name"]] = criterion
        assert alert.inputs["actions"] == [{"actionGroupId": group.outputs["id"]}]
        assert alert.inputs["location"] == "global" and alert.inputs["windowSize"] == "PT5M"
        assert criterion["metricNamespace"] == "Microsoft.CognitiveServices/accounts"
    accounts = {a.outputs["id"]: a for a in of_type(prod.resources, ACCOUNT)}
    assert set(by_account) == set(accounts)
    for account_id, criteria in by_account.items():
        ptu = "fraud-detect" in accounts[account_id].inputs["accountName"]
        assert set(criteria) == {"throttling", "server-errors", "latency"} | ({"ptu-utilization"} if ptu else set())
        assert criteria["throttling"]["metricName"] == "AzureOpenAIRequests"
        assert criteria["throttling"]["dimensions"] == [
            {"name": "StatusCode", "operator": "Include", "values": ["429"]}
        ]
        assert criteria["server-errors"]["dimensions"][0]["values"] == ["500", "502", "503", "504"]
        assert criteria["latency"]["metricName"] == "AzureOpenAITimeToResponse"
        assert criteria["latency"]["threshold"] == 15000
        if ptu:
            assert criteria["ptu-utilization"]["metricName"] == "AzureOpenAIProvisionedManagedUtilizationV2"
            assert criteria["ptu-utilization"]["threshold"] == 90


def _assignments(plan) -> dict[tuple[str, str], dict]:
    return {
        (a.inputs["scope"], a.inputs["policyAssignmentName"]): a.inputs for a in of_type(plan.resources, ASSIGNMENT)
    }


@pytest.mark.parametrize(("stack", "effect"), [("dev", "Audit"), ("prod", "Deny")])
def test_policy_assignments_ids_scope_and_enforcement(stack, effect, dev, prod):
    plan = {"dev": dev, "prod": prod}[stack]
    (definition,) = [d for d in of_type(plan.resources, DEFINITION) if d.name == "guardrails"]
    rgs = {r.outputs["id"] for r in plan.resources if r.type == "azure-native:resources:ResourceGroup"}
    assignments = _assignments(plan)
    assert {scope for scope, _ in assignments} == rgs
    for rg in rgs:
        for key, (guid, _) in BUILT_IN.items():
            a = assignments[(rg, f"alz-{key}")]
            assert a["policyDefinitionId"] == f"/providers/Microsoft.Authorization/policyDefinitions/{guid}"
            expected = "AuditIfNotExists" if key == "diagnostics" else effect
            assert a["parameters"] == {"effect": {"value": expected}}
            assert a["enforcementMode"] == "Default"
        custom = assignments[(rg, "alz-approved-models")]
        assert custom["policyDefinitionId"] == definition.outputs["id"]
        assert custom["parameters"] == {"effect": {"value": effect}}
        if stack == "prod":  # the deny-delete policy has its own effect and no parameters
            assert "parameters" not in assignments[(rg, "alz-no-account-delete")]


def test_allowed_models_definition_is_generated_from_the_catalog(prod):
    (definition,) = [d for d in of_type(prod.resources, DEFINITION) if d.name == "guardrails"]
    rule = definition.inputs["policyRule"]
    approved = approved_models(catalog_mod.load(), PLAN_DATE)
    assert rule == allowed_models_rule({k: list(v) for k, v in approved.items()})
    listed = {c["allOf"][0]["equals"]: c["allOf"][1]["in"] for c in rule["if"]["allOf"][1]["not"]["anyOf"]}
    assert listed["gpt-4.1-mini"] == ["2025-04-14"]
    assert "2024-05-13" not in listed["gpt-4o"]  # retired on 2026-10-01
    assert "2024-08-06" not in listed["gpt-4o"]  # Deprecated, and no team declares it already deployed
    assert "gpt-35-turbo" not in listed  # every version retired


def test_adding_a_model_to_the_catalog_changes_the_definition(monkeypatch):
    base = catalog_mod.load()
    gpt = base.models["gpt-4.1-mini"]
    extended = base.model_copy(update={"models": {**base.models, "gpt-9-mini": gpt}})
    assert "gpt-9-mini" not in approved_models(base, PLAN_DATE)
    assert approved_models(extended, PLAN_DATE)["gpt-9-mini"] == ("2025-04-14",)
    monkeypatch.setattr(catalog_mod, "load", lambda *a, **k: extended)
    topology, _ = decide(minimal_landing_zone(), PLAN_DATE)
    assert "gpt-9-mini" in topology.guardrails.approved


def test_protect_on_prod_accounts_only_and_no_locks(dev, prod):
    for a in of_type(prod.resources, ACCOUNT):
        assert a.protect is True
    assert of_type(prod.resources, LOCK) == [] and of_type(dev.resources, LOCK) == []
    assert all(not a.protect for a in of_type(dev.resources, ACCOUNT))
    assert all(not r.protect for r in dev.resources)


def _operations_section(out: str) -> dict[str, dict[str, str]]:
    """The text plan's "Operations (per account):" section: account -> {monitoring, policy, protection, lifecycle}."""
    lines = out.splitlines()
    start = lines.index("Operations (per account):") + 1
    rows: dict[str, dict[str, str]] = {}
    row: dict[str, str] = {}
    for line in lines[start : lines.index("", start)]:
        if line.startswith("      "):
            key, _, value = line.strip().partition(": ")
            row[key] = value
        else:
            row = rows[line.strip().removesuffix(":")] = {}
    return rows


def test_prod_plan_shows_operations_for_every_account(prod):
    """Guards each account's own row: its PTU alert, protection, policy and its own models' retirement."""
    ops = _operations_section(text(prod))
    deployments: dict[str, list] = {}
    for d in of_type(prod.resources, "azure-native:cognitiveservices:Deployment"):
        deployments.setdefault(d.inputs["accountName"], []).append(d)
    assert set(ops) == set(deployments) == {a.inputs["accountName"] for a in of_type(prod.resources, ACCOUNT)}
    for account, row in ops.items():
        assert set(row) == {"monitoring", "policy", "protection", "lifecycle"}, account
        ptu = any(d.inputs["sku"]["name"].endswith("ProvisionedManaged") for d in deployments[account])
        alerts = "429>20, 5xx>5, latency>15000ms" + (", PTU>90%" if ptu else "")
        assert row["monitoring"] == f"logs and metrics to the workspace; alerts {alerts}", account
        assert row["policy"] == "Deny (keyless, network, identity, approved models; diagnostics audited)", account
        assert row["protection"] == "protect + deny-delete policy (deployments stay removable)", account
        models = {"{name} {version}".format(**d.inputs["properties"]["model"]) for d in deployments[account]}
        model, _, when = row["lifecycle"].partition(" retires ")
        assert model in models and when, (account, row["lifecycle"])
    assert {a for a, row in ops.items() if "PTU" in row["monitoring"]} == {
        f"oai-contoso-prod-fraud-detect-{r}" for r in ("swedencentral", "francecentral")
    }


def test_lifecycle_report_order_and_exit_codes():
    ok = cli("models", "--stack", "prod", "--date", "2026-11-21", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    rows = json.loads(ok.stdout)
    dates = [r["retirement"] for r in rows if r["retirement"]]
    assert dates == sorted(dates) and len(rows) == 10
    assert rows[0]["model"] == "gpt-5-mini" and rows[0]["status"] == "retiring" and rows[0]["days_left"] == 80
    # one warning per account that runs the retiring model: both regions, nothing else
    assert [line for line in ok.stderr.splitlines() if line.startswith("warning: ")] == [
        f"warning: oai-contoso-prod-shared-strict-confidential-{region}/claims-assist-gpt-5-mini: gpt-5-mini"
        " 2025-08-07 retires in 80 days (within 90)"
        for region in ("francecentral", "swedencentral")
    ]
    later = cli("models", "--stack", "prod", "--date", "2027-02-10")
    assert later.returncode == 1
    assert (
        "error: oai-contoso-prod-shared-strict-confidential-francecentral/claims-assist-gpt-5-mini: gpt-5-mini"
        " 2025-08-07 retired on 2027-02-09" in later.stderr
    )
    assert "Traceback" not in later.stderr
    assert cli("models", "--stack", "nope").returncode == 2


def test_quota_sum_across_accounts_and_its_error():
    lz = minimal_landing_zone(
        teams=[team("team-a"), team("team-b", isolation="dedicated")],
        quotas=[{"region": "swedencentral", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 15}],
    )
    _, diags = decide(lz, PLAN_DATE)
    (e,) = [d for d in diags if d.severity == "error"]
    assert e.path == "landingZone.quotas[0]"
    assert e.message == (
        "gpt-4.1-mini GlobalStandard in swedencentral needs 20 capacity units but the subscription's quota is 15;"
        " from oai-contoso-dev-shared-default-general-swedencentral/team-a-gpt-4.1-mini: 10,"
        " oai-contoso-dev-team-b-swedencentral/team-b-gpt-4.1-mini: 10. Lower capacity or request more quota"
    )
    lz["quotas"][0]["capacity"] = 20
    topology, diags = decide(lz, PLAN_DATE)
    assert [d for d in diags if d.severity == "error"] == []
    (use,) = topology.quotas
    assert (use.total, use.quota) == (20, 20)


def test_quota_totals_are_listed_without_a_stated_quota(dev):
    assert "swedencentral gpt-4.1-mini GlobalStandard: 20 capacity units (no quota stated" in text(dev)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stateful_urns_match_the_golden_list(stack, plans):
    """Guards renames of stateful resources (a replacement in Azure) in either stack, not just prod."""
    golden = (GOLDEN_DIR / f"{stack}-stateful-urns.txt").read_text().split()
    assert compare(golden, stateful_urns(plans[stack].resources)) == [], (
        "a stateful resource would be renamed (replaced in Azure): add an alias, or regenerate with"
        f" `python -m infra urns --stack {stack} > tests/golden/{stack}-stateful-urns.txt` if that is intended"
    )


def test_the_golden_list_catches_a_deliberate_rename(monkeypatch):
    original = tenancy.account_groups

    def renamed(lz):  # a refactor that changes how account groups are keyed
        return [g.__class__(**{**g.__dict__, "key": g.key.replace("shared-", "pool-")}) for g in original(lz)]

    monkeypatch.setattr(tenancy, "account_groups", renamed)
    # placement/prod.yaml names the profiles by their keys and would refuse the renamed ones too: without it,
    # the plan goes through and the golden list is what catches the rename.
    monkeypatch.setattr(placement, "read", lambda stack: (placement.NO_LOCK, []))
    plan = make_plan("prod", PLAN_DATE)
    assert plan.ok
    problems = compare(GOLDEN.read_text().split(), stateful_urns(plan.resources))
    replaced = [p for p in problems if p.startswith("would be REPLACED")]
    assert any(
        "OpenAiAccount$azure-native:cognitiveservices:Account::shared-default-general-swedencentral" in p
        for p in replaced
    )
    assert len(replaced) == 4 + 8  # the four shared accounts and their eight deployments


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stateful_urns_cover_accounts_deployments_budgets_and_the_gateway(stack, plans):
    """Guards the stateful list itself: every planned resource of these types is pinned, none left out."""
    plan = plans[stack]
    pinned = set(stateful_urns(plan.resources))
    for kind in (
        "azure-native:cognitiveservices:Account",
        "azure-native:cognitiveservices:Deployment",
        "azure-native:consumption:Budget",
        "azure-native:apimanagement:ApiManagementService",
        "azure-native:operationalinsights:Workspace",
    ):
        planned = {r.urn for r in of_type(plan.resources, kind)}
        assert planned, kind
        assert planned <= pinned, kind


WORKSPACE = azure_types.WORKSPACE.token


WORKSPACE_ID = (
    "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg"
    "/providers/Microsoft.OperationalInsights/workspaces/law-hub"
)


def test_an_existing_workspace_is_used_and_none_is_created(tmp_path):
    """Bug: ``monitoring.workspaceId`` was ignored: a new workspace was created and got the accounts' logs."""
    plan = plan_for(tmp_path, monitoring={"workspaceId": WORKSPACE_ID})
    assert of_type(plan.resources, WORKSPACE) == []
    accounts = {a.outputs["id"] for a in of_type(plan.resources, ACCOUNT)}
    settings = {d.inputs["resourceUri"]: d for d in of_type(plan.resources, DIAGNOSTIC)}
    assert accounts and accounts <= set(settings)
    for d in settings.values():
        assert d.inputs["workspaceId"] == WORKSPACE_ID, d.name


DEPLOYMENT = azure_types.DEPLOYMENT.token


def _matches(condition: dict, resource_type: str) -> bool:
    assert set(condition) == {"field", "equals"} and condition["field"] == "type", condition
    return condition["equals"] == resource_type


def test_removing_a_model_from_a_prod_team_file_meets_no_lock(tmp_path):
    """A CanNotDelete lock on a parent is inherited by every child ("When you apply a lock at a parent scope,
    all resources within that scope inherit the same lock", learn.microsoft.com/azure/azure-resource-manager/
    management/lock-resources), so a lock on an account would fail deleting its deployments with ScopeLocked.
    A denyAction on the account protects the parent only ("Child resource | Parent resource | Parent is
    protected; child is deleted", learn.microsoft.com/azure/governance/policy/concepts/effect-deny-action)."""
    config = prod_copy(tmp_path)
    with team_files_in(tmp_path):
        base = make_plan("prod", PLAN_DATE, config)
        team_file = tmp_path / "teams" / "prod" / "contoso-chat.yaml"
        doc = yaml.safe_load(team_file.read_text())
        doc["models"] = [m for m in doc["models"] if m["name"] != "text-embedding-3-small"]
        team_file.write_text(yaml.safe_dump(doc))
        head = make_plan("prod", PLAN_DATE, config)
    assert base.ok and head.ok, head.diagnostics
    removed = [c for c in diff(base.contract(), head.contract()) if c.kind == "removed"]
    assert {c.type for c in removed} == {DEPLOYMENT} and len(removed) == 2  # one per region
    by_urn = {r.urn: r for r in base.resources}
    for change in removed:
        deployment = by_urn[change.urn]
        assert deployment.protect is False
        # No lock anywhere above it: not on the account, the resource group or the subscription.
        assert not [r for r in base.resources if "lock" in r.type.lower()]
        # Every denyAction rule in the stack matches accounts, never their deployments.
        for definition in of_type(base.resources, DEFINITION):
            rule = definition.inputs["policyRule"]
            if rule["then"]["effect"] == "denyAction":
                assert _matches(rule["if"], ACCOUNT_TYPE) and not _matches(rule["if"], DEPLOYMENT_TYPE)


def test_prod_accounts_cannot_be_deleted_by_pulumi_or_from_outside(plans):
    """Pulumi protect refuses any deployment that would delete the account (pulumi.com docs, resource options,
    protect); a denyAction policy in Indexed mode refuses DELETE from anywhere else, including a resource group
    delete (cascadeBehaviors, effect-deny-action)."""
    prod, dev = plans["prod"], plans["dev"]
    assert all(a.protect for a in of_type(prod.resources, ACCOUNT))
    assert not any(r.protect for r in prod.resources if r.type != ACCOUNT)
    (definition,) = [
        d for d in of_type(prod.resources, DEFINITION) if d.inputs["policyRule"]["then"]["effect"] == "denyAction"
    ]
    assert definition.inputs["mode"] == "Indexed"
    assert definition.inputs["policyRule"] == deny_account_delete_rule()
    assert definition.inputs["policyRule"]["then"]["details"] == {
        "actionNames": ["delete"],
        "cascadeBehaviors": {"resourceGroup": "deny"},
    }
    scopes = {
        a.inputs["scope"]
        for a in of_type(prod.resources, ASSIGNMENT)
        if a.inputs["policyDefinitionId"] == definition.outputs["id"]
    }
    assert scopes == {r.outputs["id"] for r in of_type(prod.resources, "azure-native:resources:ResourceGroup")}
    assert not [
        d for d in of_type(dev.resources, DEFINITION) if d.inputs["policyRule"]["then"]["effect"] == "denyAction"
    ]


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
