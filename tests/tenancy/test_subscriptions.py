"""Accounts over several subscriptions (``landingZone.placement.subscriptions``): placed within Azure's per-region
limit, recorded in the lock file, and everything around them made where Azure requires it.

Azure's limits: "Azure OpenAI resources per region, per Azure subscription: 30"
(https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits) and "Foundry resources per region per Azure
subscription: 100" (https://learn.microsoft.com/azure/foundry/foundry-models/quotas-limits).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
import yaml

from infra import placement, subscriptions, tenancy
from infra.catalog import load
from infra.diagnostics import errors_in
from infra.plan import make_plan, to_json
from infra.topology import decide
from tests.helpers import PLAN_DATE, cli, minimal_landing_zone, team, team_files_in, write_stack

HOME = "11111111-1111-4111-8111-111111111111"
SECOND = "22222222-2222-4222-8222-222222222222"
THIRD = "33333333-3333-4333-8333-333333333333"
REGIONS = [{"name": "swedencentral", "role": "primary"}, {"name": "francecentral", "role": "secondary"}]
PER_REGION = "tenancy.accounts-per-region"


def distributed(teams: int, subs: list[str] | None = None, **lz) -> dict:
    raw = minimal_landing_zone(
        regions=REGIONS,
        tenancy="distributed",
        teams=[team(f"team-{i:03d}") for i in range(teams)],
        budgets={"environment": {"monthly": 1000, "contacts": ["ai@contoso.com"]}},
        **lz,
    )
    if subs is not None:
        raw["placement"] = {"subscriptions": subs}
    return raw


def per_subscription_region(topology) -> Counter:
    return Counter((a.subscription or HOME, a.region) for a in topology.accounts)


def test_120_distributed_teams_in_2_regions_fit_over_five_subscriptions():
    """120 teams in distributed tenancy need 120 OpenAI accounts per region: refused in one subscription
    (tests/tenancy/test_account_limits.py), within Azure's 30 per region per subscription over five: first-fit in
    the listed order, the stack's own subscription first."""
    subs = [HOME, SECOND, THIRD, "44444444-4444-4444-8444-444444444444", "55555555-5555-4555-8555-555555555555"]
    topology, diags = decide(distributed(120, subs), PLAN_DATE, load(), subscription_id=HOME)
    assert errors_in(diags) == [] and topology is not None
    counts = per_subscription_region(topology)
    assert max(counts.values()) == 30
    assert sorted(counts.values()) == [30] * 8
    assert topology.subscriptions == tuple(sorted(subs[1:4]))
    # A team's accounts are in one subscription, in both regions.
    for t in topology.teams:
        assert len({a.subscription for a in topology.accounts if a.key in t.accounts}) == 1


def test_accounts_over_every_listed_subscription_are_refused_with_the_limit_and_a_way_out():
    """61 teams over two subscriptions of 30 each: the 61st has nowhere to go. The plan refuses, at
    placement.subscriptions, with Azure's limit and source (learn.microsoft.com/azure/ai-foundry/openai/
    quotas-limits) and "another subscription" as a way out."""
    diags = decide(distributed(61, [HOME, SECOND]), PLAN_DATE, load(), subscription_id=HOME)[1]
    refused = [d for d in errors_in(diags) if d.rule == PER_REGION]
    assert {d.path for d in refused} == {"landingZone.placement.subscriptions"}
    assert len(refused) == 2  # one per region
    assert "would place 31 OpenAI accounts in swedencentral in subscription" in refused[0].message
    assert "Azure allows 30 Azure OpenAI resources per region per subscription" in refused[0].message
    assert refused[0].message.endswith("or another subscription in landingZone.placement.subscriptions")


def test_shards_of_shared_tenancy_are_placed_whole():
    """In shared tenancy a governance profile's shards are account groups too: 40 dedicated teams and a profile
    of 2 shards over two subscriptions, each shard in one subscription, no subscription over 30 per region
    (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits)."""
    teams = [team(f"own-{i:02d}", isolation="dedicated") for i in range(40)]
    teams += [team(f"shared-{i:02d}", models=[_model(i, k) for k in range(10)]) for i in range(4)]
    raw = minimal_landing_zone(regions=REGIONS, teams=teams, placement={"subscriptions": [HOME, SECOND]})
    topology, diags = decide(raw, PLAN_DATE, load(), subscription_id=HOME)
    assert errors_in(diags) == [] and topology is not None
    assert max(per_subscription_region(topology).values()) <= 30
    shards = {a.group: a.subscription for a in topology.accounts if a.tenancy == "shared"}
    assert len(shards) == 2


def _model(i: int, k: int) -> dict:
    return _model_of(f"shared-{i:02d}", k)


def _plan(tmp_path, raw, lock: str | None = None, stack: str = "test"):
    path = write_stack(tmp_path, raw, extra={"azure-native:subscriptionId": HOME})
    if lock is not None:
        (tmp_path / "placement").mkdir(exist_ok=True)
        (tmp_path / "placement" / f"{stack}.yaml").write_text(lock)
    with team_files_in(tmp_path):
        return make_plan(stack, PLAN_DATE, path)


@pytest.fixture(scope="module")
def two_subscriptions(tmp_path_factory):
    """32 distributed teams over the stack's subscription and a second: 30 in the first, 2 in the second."""
    tmp = tmp_path_factory.mktemp("subs")
    plan = _plan(tmp, distributed(32, [HOME, SECOND]))
    assert plan.ok, plan.diagnostics
    return plan, json.loads(to_json(plan))


def test_each_other_subscription_gets_an_explicit_provider(two_subscriptions):
    """azure-native creates a resource in its provider's subscription (the provider's ``subscriptionId``,
    www.pulumi.com/registry/packages/azure-native/installation-configuration): one explicit provider for the
    second subscription, none for the stack's own, which keeps the default provider."""
    plan, _ = two_subscriptions
    providers = [r for r in plan.resources if r.type == "pulumi:providers:azure-native"]
    assert [(r.name, r.inputs.get("subscriptionId")) for r in providers] == [(f"subscription-{SECOND}", SECOND)]


def test_every_id_carries_the_subscription_its_resource_lives_in(two_subscriptions):
    """Each team's account IDs (outputs), the role assignments' scopes and role definitions (built-in role IDs are
    subscription-scoped: learn.microsoft.com/azure/azure-resource-manager/bicep/scenarios-rbac), and the resource
    group of a team placed in the second subscription name that subscription."""
    plan, doc = two_subscriptions
    where = {
        t.name: (a.subscription or HOME)
        for t in plan.topology.teams
        for a in plan.topology.accounts
        if a.key in t.accounts
    }
    assert Counter(where.values()) == {HOME: 30, SECOND: 2}
    for name, out in doc["outputs"]["teams"].items():
        for account_id in out["accountIds"].values():
            assert account_id.startswith(f"/subscriptions/{where[name]}/resourceGroups/"), (name, account_id)
    moved = [n for n, s in where.items() if s == SECOND]
    grants = [
        r
        for r in doc["resources"]
        if r["type"] == "azure-native:authorization:RoleAssignment" and any(f"team-{n}-" in r["name"] for n in moved)
    ]
    assert len(grants) == 2 * 2  # two teams, two regions: the team's principal (no gateway here)
    for g in grants:
        assert g["inputs"]["scope"].startswith(f"/subscriptions/{SECOND}/")
        assert g["inputs"]["roleDefinitionId"].startswith(f"/subscriptions/{SECOND}/providers/")


def test_private_endpoints_stay_with_their_vnet_in_the_stacks_subscription(two_subscriptions):
    """ "The private endpoint must be deployed in the same region and subscription as the virtual network"; the
    resource it reaches "can be deployed in a different region" and subscription (learn.microsoft.com/azure/
    private-link/private-endpoint-overview). An account in the second subscription gets its endpoint in the
    platform resource group, beside the stack's VNet; the target is the account in the second subscription."""
    plan, doc = two_subscriptions
    moved = {a.key for a in plan.topology.accounts if a.subscription == SECOND}
    endpoints = [r for r in doc["resources"] if r["type"] == "azure-native:network:PrivateEndpoint"]
    for pe in endpoints:
        key = pe["name"]
        target = pe["inputs"]["privateLinkServiceConnections"][0]["privateLinkServiceId"]
        if key in moved:
            assert pe["inputs"]["resourceGroupName"] == "rg-contoso-dev"
            assert target.startswith(f"/subscriptions/{SECOND}/resourceGroups/rg-contoso-dev-")
        assert pe["inputs"]["subnet"]["id"].startswith(f"/subscriptions/{HOME}/")
    assert len([pe for pe in endpoints if pe["name"] in moved]) == 4


def test_policy_is_defined_and_assigned_in_each_subscription(two_subscriptions):
    """ "Subscription - Only resources within that subscription can be assigned the policy definition"
    (learn.microsoft.com/azure/governance/policy/concepts/scope#definition-location): the second subscription
    gets its own allowed-models definition, and its resource groups are assigned from it."""
    _, doc = two_subscriptions
    assignments = [r for r in doc["resources"] if r["type"] == "azure-native:authorization:PolicyAssignment"]
    custom = [a for a in assignments if "/policyDefinitions/alz-" in a["inputs"]["policyDefinitionId"]]
    assert custom
    for a in custom:
        scope_sub = a["inputs"]["scope"].split("/")[2]
        assert a["inputs"]["policyDefinitionId"].startswith(f"/subscriptions/{scope_sub}/"), a["name"]
    assert {a["inputs"]["scope"].split("/")[2] for a in custom} == {HOME, SECOND}


def test_alerts_call_an_action_group_of_their_own_subscription(two_subscriptions):
    """Metric alert rules have refused an action group of another subscription ("...is invalid or in a different
    subscription as alert rule", github.com/Azure/azure-powershell/issues/11102): the second subscription gets an
    action group of its own, with the same receivers, and its accounts' alerts and budgets call it. Diagnostic
    settings may send to a workspace in another subscription of the tenant (learn.microsoft.com/azure/
    azure-monitor/platform/diagnostic-settings): the one workspace stays."""
    _, doc = two_subscriptions
    groups = [r for r in doc["resources"] if r["type"] == "azure-native:monitor:ActionGroup"]
    assert sorted(r["name"] for r in groups) == ["alerts", f"alerts-{SECOND}"]
    assert len({json.dumps(r["inputs"]["emailReceivers"]) for r in groups}) == 1
    for alert in (r for r in doc["resources"] if r["type"] == "azure-native:monitor:MetricAlert"):
        scope_sub = alert["inputs"]["scopes"][0].split("/")[2]
        assert all(a["actionGroupId"].split("/")[2] == scope_sub for a in alert["inputs"]["actions"]), alert["name"]
    workspaces = {
        s["inputs"]["workspaceId"].split("/")[2]
        for s in doc["resources"]
        if s["type"] == "azure-native:monitor:DiagnosticSetting"
    }
    assert workspaces == {HOME}


def test_budgets_are_made_in_the_subscription_they_watch(two_subscriptions):
    """A budget's scope is a subscription or a resource group in one (Microsoft.Consumption budgets; learn.
    microsoft.com/azure/cost-management-billing/costs/tutorial-acm-create-budgets): a team's budget is in its
    accounts' subscription, and the environment gets a budget in each subscription that holds accounts, for the
    landing zone's resource groups there, each checked against the whole amount (the plan says so)."""
    plan, doc = two_subscriptions
    budgets = {r["name"]: r["inputs"] for r in doc["resources"] if r["type"] == "azure-native:consumption:Budget"}
    env = budgets["budget-environment"]
    there = budgets[f"budget-environment-{SECOND}"]
    assert env["scope"] == f"/subscriptions/{HOME}" and there["scope"] == f"/subscriptions/{SECOND}"
    assert env["amount"] == there["amount"] == 1000
    moved = [
        t.name
        for t in plan.topology.teams
        if any(a.subscription == SECOND for a in plan.topology.accounts if a.key in t.accounts)
    ]
    for name in moved:
        assert budgets[f"budget-{name}"]["scope"].startswith(f"/subscriptions/{SECOND}/resourceGroups/")
    spec = next(b for b in plan.topology.budgets if b.key == f"environment-{SECOND}")
    assert spec.why.endswith("so each of the 2 is checked against the whole amount")
    home = next(b for b in plan.topology.budgets if b.key == "environment")
    assert home.why == (
        "the landing zone's resource groups in the stack's own subscription; and as much again in each of 1 other"
        " subscriptions, for their accounts: a budget sees one subscription, so together they may spend more"
        " before any budget alerts"
    )


def test_quota_is_counted_per_subscription():
    """ "Tokens per minute (TPM) and requests per minute (RPM) limits are defined per region, per subscription,
    and per model or deployment type" (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits). 32 teams of 10
    capacity units over two subscriptions: 300 in the first, 20 in the second. A quota of 300 without a
    subscription holds for each: fits. A quota of 10 stated for the second subscription refuses it alone, naming
    it; a quota for a subscription that is not listed is refused."""
    quota = {"region": "swedencentral", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 300}
    raw = distributed(32, [HOME, SECOND], quotas=[quota])
    topology, diags = decide(raw, PLAN_DATE, load(), subscription_id=HOME)
    assert errors_in(diags) == [] and topology is not None
    uses = {(q.subscription, q.region): (q.total, q.quota) for q in topology.quotas if q.model == "gpt-4.1-mini"}
    assert uses[(None, "swedencentral")] == (300, 300) and uses[(SECOND, "swedencentral")] == (20, 300)
    raw["quotas"].append({**quota, "capacity": 10, "subscription": SECOND})
    errors = {d.path: d.message for d in errors_in(decide(raw, PLAN_DATE, load(), subscription_id=HOME)[1])}
    assert errors["landingZone.quotas[1]"].startswith(
        f"gpt-4.1-mini GlobalStandard in swedencentral needs 20 capacity units but subscription {SECOND}'s quota is 10"
    )
    raw["quotas"].append({**quota, "subscription": THIRD})
    errors = {d.path: d.message for d in errors_in(decide(raw, PLAN_DATE, load(), subscription_id=HOME)[1])}
    assert errors["landingZone.quotas[2].subscription"].startswith(
        f"{THIRD} is not in landingZone.placement.subscriptions"
    )


def test_place_records_subscriptions_and_keeps_them_when_teams_join(tmp_path):
    """`place` writes each account group's subscription under accounts:; teams that join later go first-fit
    into the subscriptions with room, and no recorded group moves (moving an account to another subscription
    recreates it: learn.microsoft.com/azure/ai-services/recover-purge-resources, a deleted name is held 48 hours)."""
    raw = distributed(29, [HOME, SECOND])
    path = write_stack(tmp_path, raw, extra={"azure-native:subscriptionId": HOME})
    done = cli("place", "--stack", "test", "--config-file", str(path), team_files_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    first = yaml.safe_load((tmp_path / "placement" / "test.yaml").read_text())["accounts"]
    assert Counter(e["subscription"] for e in first.values()) == {HOME: 29}
    raw["teams"] += [team(f"late-{i}") for i in range(3)]
    path = write_stack(tmp_path, raw, extra={"azure-native:subscriptionId": HOME})
    plan = _plan(tmp_path, raw, lock=None)
    warned = [d.message for d in plan.diagnostics if d.rule == placement.PROVISIONAL.id]
    assert warned and "team-late-0 placed in subscription" in warned[0]
    done = cli("place", "--stack", "test", "--config-file", str(path), team_files_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"team-late-1 placed in subscription {SECOND}" in done.stdout
    second = yaml.safe_load((tmp_path / "placement" / "test.yaml").read_text())["accounts"]
    assert {k: second[k] for k in first} == first
    assert Counter(e["subscription"] for e in second.values()) == {HOME: 30, SECOND: 2}
    again = cli("place", "--stack", "test", "--config-file", str(path), team_files_dir=tmp_path)
    assert again.stdout.strip() == "placement/test.yaml: no change"


def test_move_places_a_team_in_another_subscription_and_unknown_teams_are_refused(tmp_path):
    """`--move TEAM` of a team with accounts of its own moves them to another listed subscription with room;
    `--move` of a team the stack does not have is a usage error naming the teams."""
    raw = distributed(3, [HOME, SECOND])
    path = write_stack(tmp_path, raw, extra={"azure-native:subscriptionId": HOME})
    assert cli("place", "--stack", "test", "--config-file", str(path), team_files_dir=tmp_path).returncode == 0
    moved = cli("place", "--stack", "test", "--config-file", str(path), "--move", "team-001", team_files_dir=tmp_path)
    assert moved.returncode == 0, moved.stderr
    assert f"team-team-001 moved from subscription {HOME} to {SECOND} (moved with --move)" in moved.stdout
    accounts = yaml.safe_load((tmp_path / "placement" / "test.yaml").read_text())["accounts"]
    assert accounts["team-team-001"] == {"subscription": SECOND}
    unknown = cli("place", "--stack", "test", "--config-file", str(path), "--move", "nobody", team_files_dir=tmp_path)
    assert unknown.returncode == 2
    assert "--move nobody: not a team of shared tenancy or with accounts of its own in this stack" in unknown.stderr


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (
            lambda raw, lock: raw["placement"]["subscriptions"].append("not-a-guid"),
            "landingZone.placement.subscriptions[2]",
            "an Azure subscription ID (a GUID)",
        ),
        (
            lambda raw, lock: raw["placement"]["subscriptions"].append(SECOND.upper()),
            "landingZone.placement.subscriptions[2]",
            f"{SECOND.upper()} is listed already (at [1])",
        ),
        (
            lambda raw, lock: lock.update({"team-nobody": {"subscription": HOME}}),
            "placement/test.yaml: accounts.team-nobody",
            "team-nobody is not an account group of this stack",
        ),
        (
            lambda raw, lock: lock.update({"team-team-000": {"subscription": THIRD}}),
            "placement/test.yaml: accounts.team-team-000",
            f"subscription {THIRD} is not in landingZone.placement.subscriptions",
        ),
        (
            lambda raw, lock: lock.update({"team-team-000": {"subscription": "x"}}),
            "placement/test.yaml: accounts.team-team-000.subscription",
            "an Azure subscription ID (a GUID)",
        ),
    ],
    ids=["malformed-subscription", "listed-twice", "unknown-account-group", "unlisted-subscription", "lock-not-guid"],
)
def test_bad_placement_input_names_the_file_and_path(tmp_path, mutate, path, message):
    """Each mistake in placement.subscriptions or the lock file's accounts: an error at its file and YAML path,
    nothing planned."""
    raw = distributed(2, [HOME, SECOND])
    lock = {"team-team-000": {"subscription": HOME}, "team-team-001": {"subscription": SECOND}}
    mutate(raw, lock)
    plan = _plan(tmp_path, raw, lock=yaml.safe_dump({"profiles": {}, "accounts": lock}))
    assert not plan.ok and plan.resources == []
    found = {d.path: d.message for d in plan.diagnostics if d.severity == "error"}
    assert path in found, found
    assert message in found[path]


def test_subscriptions_need_the_stacks_own(tmp_path):
    """Without azure-native:subscriptionId the platform's subscription is whatever the Azure CLI has selected:
    placement.subscriptions is refused until the stack states it."""
    path = write_stack(tmp_path, distributed(2, [HOME, SECOND]))
    with team_files_in(tmp_path):
        plan = make_plan("test", PLAN_DATE, path)
    assert not plan.ok
    assert [d.rule for d in plan.diagnostics if d.severity == "error"] == [subscriptions.HOME_SUBSCRIPTION.id]


def test_a_hand_edited_lock_that_breaks_the_limit_is_the_lock_files_error(tmp_path):
    """31 teams pinned by the lock file in one subscription: over Azure's 30 per region per subscription
    (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits), said at the lock file with `--move` as the way
    out, though the second subscription has room."""
    raw = distributed(31, [HOME, SECOND])
    lock = {f"team-team-{i:03d}": {"subscription": HOME} for i in range(31)}
    plan = _plan(tmp_path, raw, lock=yaml.safe_dump({"profiles": {}, "accounts": lock}))
    refused = [d for d in plan.diagnostics if d.rule == PER_REGION]
    assert {d.path for d in refused} == {"placement/test.yaml: accounts"}
    assert "`python -m infra place --move TEAM`" in refused[0].message


def test_one_subscription_writes_no_accounts_section(tmp_path):
    """Without placement.subscriptions every account is in the stack's own subscription: the lock file has no
    accounts: section, and the plan keeps the default provider (dev and prod plan as before: tests/golden)."""
    assert "accounts" not in placement.dump("test", {}, {})
    assert re.search(r"^accounts:$", placement.dump("test", {}, {"team-a": HOME}), re.M)


def test_churn_never_moves_an_untouched_teams_accounts_to_another_subscription(monkeypatch):
    """50 seeded pull-request-like edits (teams join and leave, switch isolation, add and remove models, change
    capacity), each followed by what `place` does: no deployment of a team the edit did not touch ever changes
    account or subscription. Azure's per-region limit is lowered to 3 accounts so that three subscriptions fill
    up and groups spread over them (the real limit, 30, is tested above)."""
    import random

    from infra import account_limits
    from infra.config import parse
    from infra.topology import build

    small = account_limits.RegionLimit(3, "Azure OpenAI resources", account_limits.PER_REGION["OpenAI"].source)
    monkeypatch.setitem(account_limits.PER_REGION, "OpenAI", small)
    rng, catalog = random.Random(2022), load()
    raw = minimal_landing_zone(regions=REGIONS, placement={"subscriptions": [HOME, SECOND, THIRD]}, teams=[])
    serial = 0

    def new_team() -> dict:
        nonlocal serial
        serial += 1
        name = f"t{serial:03d}"
        return team(
            name, isolation=rng.choice(["dedicated", "dedicated", "dedicated", "shared"]), models=[_model_of(name, 0)]
        )

    raw["teams"] = [new_team() for _ in range(7)]
    lock_file = placement.LockFile("churn", {}, True, {})
    before: dict[tuple[str, str, str], tuple[str, str | None]] = {}
    moves, seen = 0, set()
    for step in range(50):
        teams, touched = raw["teams"], set()
        for _ in range(rng.randint(1, 2)):
            edit = rng.choice(["join", "join", "leave", "isolation", "add", "remove", "capacity"])
            if edit == "join" or len(teams) < 3:
                # 3 subscriptions of 3 accounts per region: room for 9 groups, the shared one among them.
                if sum(t["isolation"] == "dedicated" for t in teams) < 8:
                    teams.append(new_team())
                    touched.add(teams[-1]["name"])
                continue
            t = rng.choice(teams)
            touched.add(t["name"])
            if edit == "leave":
                teams.remove(t)
            elif edit == "isolation" and (
                t["isolation"] == "dedicated" or sum(x["isolation"] == "dedicated" for x in teams) < 8
            ):
                t["isolation"] = "shared" if t["isolation"] == "dedicated" else "dedicated"
            elif edit == "add" and len(t["models"]) < 4:
                k = max(int(m["deploymentName"].rsplit("-d", 1)[1]) for m in t["models"]) + 1
                t["models"].append(_model_of(t["name"], k))
            elif edit == "remove" and len(t["models"]) > 1:
                t["models"].pop()
            elif edit == "capacity":
                t["models"][0]["capacity"] = rng.choice([5, 10, 20])
        lz, diags = parse(raw)
        assert lz is not None, diags
        shards = placement.assign(placement.profiles(lz), lock_file.entries, 28).lock  # `place`
        keys = [g.key for g in placement.shard_groups(lz, tenancy.account_groups(lz), shards)]
        recorded, _, refused = subscriptions.place(lz, keys, lock_file, HOME, frozenset())
        assert refused == [], (step, refused)
        lock_file = placement.LockFile("churn", shards, True, recorded)
        topology = build(lz, catalog, PLAN_DATE, HOME, lock_file)
        assert errors_in(topology.diagnostics) == [], (step, topology.diagnostics)
        now = {(d.team, d.name, d.region): (a.name, a.subscription) for a in topology.accounts for d in a.deployments}
        for where, account in now.items():
            if where in before and where[0] not in touched:
                assert before[where] == account, (step, where)
            moves += where in before and before[where] != account
        before = now
        seen |= {sub for _, sub in now.values()}
    assert seen == {None, SECOND, THIRD}  # groups did spread over the subscriptions
    assert moves > 0  # and touched teams did move: the test would see a move


def _model_of(team_name: str, k: int) -> dict:
    return {
        "name": "gpt-4.1-mini",
        "version": "2025-04-14",
        "sku": "GlobalStandard",
        "capacity": 10,
        "deploymentName": f"{team_name}-d{k}",
    }
