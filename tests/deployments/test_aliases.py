"""Aliases: a team's stable names, resolved at the gateway to its deployments by weight (issue 23).

Decided from the resolved deployments, so every rule reads what is deployed where; each mistake is an error at
the alias's YAML path.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from infra import aliases, promotion
from infra.catalog import load
from infra.diagnostics import errors_in
from infra.plan import PROJECT_ROOT, make_plan
from infra.topology import decide
from tests.helpers import PLAN_DATE, minimal_landing_zone, team, team_files_in, write_stack

GATEWAY = {
    "enabled": True,
    "publisherEmail": "ai@contoso.com",
    "entra": {"tenantId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "audiences": ["api://contoso-ai-gateway"]},
}
REGIONS = [{"name": "swedencentral", "role": "primary"}, {"name": "francecentral", "role": "secondary"}]
OLD = {
    "name": "gpt-4.1-mini",
    "version": "2025-04-14",
    "sku": "GlobalStandard",
    "capacity": 10,
    "versionUpgradeOption": "NoAutoUpgrade",
}
NEW = {
    "name": "gpt-5-mini",
    "version": "2025-08-07",
    "sku": "GlobalStandard",
    "capacity": 20,
    "versionUpgradeOption": "NoAutoUpgrade",
}
CHAT = {
    "name": "chat",
    "to": [
        {"deployment": "contoso-chat-gpt-4.1-mini", "weight": 90},
        {"deployment": "contoso-chat-gpt-5-mini", "weight": 10},
    ],
}


def stack(**overrides) -> dict:
    """Two teams behind the gateway; contoso-chat's alias chat splits 90/10. Fresh copies: tests mutate them."""
    old, new, chat, gateway = copy.deepcopy((OLD, NEW, CHAT, GATEWAY))
    teams = [
        team("contoso-chat", models=[old, new], aliases=[chat], callerAppIds=["4f7e2d1c-9b8a-4c3d-8e2f-1a0b9c8d7e01"]),
        team(
            "hr-copilot",
            "00000000-0000-0000-0000-00000000000b",
            models=[copy.deepcopy(OLD)],
            callerAppIds=["6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d03"],
        ),
    ]
    network = {"mode": "public", "allowedIps": ["203.0.113.0/24"]}
    return minimal_landing_zone(regions=REGIONS, gateway=gateway, teams=teams, network=network, **overrides)


def errors(raw: dict) -> dict[str, tuple[str, str]]:
    """YAML path -> (rule, message) of every error."""
    return {d.path: (d.rule, d.message) for d in errors_in(decide(raw, PLAN_DATE, load())[1])}


def test_an_alias_resolves_to_the_teams_deployments_with_their_models_and_weights():
    topology, diags = decide(stack(), PLAN_DATE, load())
    assert errors_in(diags) == [] and topology is not None
    (chat,) = topology.aliases
    assert (chat.team, chat.name, chat.path) == ("contoso-chat", "chat", "landingZone.teams[0].aliases[0]")
    assert [(t.deployment, t.model, t.version, t.weight) for t in chat.targets] == [
        ("contoso-chat-gpt-4.1-mini", "gpt-4.1-mini", "2025-04-14", 90),
        ("contoso-chat-gpt-5-mini", "gpt-5-mini", "2025-08-07", 10),
    ]
    assert chat.stable.deployment == "contoso-chat-gpt-4.1-mini"
    assert [t.deployment for t in chat.canaries] == ["contoso-chat-gpt-5-mini"]
    # The gateway hears it per team: only contoso-chat's route carries it.
    routes = {r.team: r for api in topology.gateway.apis for r in api.teams}
    assert routes["contoso-chat"].aliases == (chat,) and routes["hr-copilot"].aliases == ()
    [api] = topology.gateway.apis
    args = {t["team"]: t for t in api.team_args()}
    assert args["contoso-chat"]["aliases"] == [
        {
            "name": "chat",
            "targets": [
                {"deployment": "contoso-chat-gpt-4.1-mini", "weight": 90},
                {"deployment": "contoso-chat-gpt-5-mini", "weight": 10},
            ],
        }
    ]
    assert "aliases" not in args["hr-copilot"]


def test_two_teams_may_both_have_chat():
    """The gateway resolves an alias per team (issue 23): the same name on two teams is no conflict."""
    raw = stack()
    hr = raw["teams"][1]
    hr["aliases"] = [{"name": "chat", "to": [{"deployment": "hr-copilot-gpt-4.1-mini", "weight": 100}]}]
    topology, diags = decide(raw, PLAN_DATE, load())
    assert errors_in(diags) == []
    assert sorted((a.team, a.name) for a in topology.aliases) == [("contoso-chat", "chat"), ("hr-copilot", "chat")]


def test_the_plan_shows_both_versions_count_against_quota_and_budget_during_a_rollout():
    """Both deployments exist during a rollout, and Azure counts each one's capacity against the subscription's
    quota (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits) whatever share of calls it gets."""
    diags = decide(stack(), PLAN_DATE, load())[1]
    [cost] = [d for d in diags if d.rule == aliases.ROLLOUT_COST.id]
    assert cost.path == "landingZone.teams[0].aliases[0]"
    assert cost.message == (
        "contoso-chat chat: during the rollout every deployment counts against quota and budget, whatever its share"
        " of calls: contoso-chat-gpt-4.1-mini (gpt-4.1-mini 2025-04-14): 10 in swedencentral + 10 in"
        " francecentral, contoso-chat-gpt-5-mini (gpt-5-mini 2025-08-07): 20 in swedencentral + 20 in"
        " francecentral capacity units"
    )


def _mutated(edit) -> dict:
    raw = stack()
    edit(raw)
    return raw


ALIAS = "landingZone.teams[0].aliases[0]"


@pytest.mark.parametrize(
    ("edit", "path", "rule", "says"),
    [
        (
            lambda r: r["teams"][0]["aliases"][0]["to"][1].update(weight=20),
            f"{ALIAS}.to",
            aliases.WEIGHTS,
            "sum to 100 (here 90 + 20 = 110)",
        ),
        (
            lambda r: r["teams"][0]["aliases"][0]["to"][1].update(deployment="contoso-chat-gpt-5"),
            f"{ALIAS}.to[1].deployment",
            aliases.OWN_DEPLOYMENT,
            "did you mean contoso-chat-gpt-5-mini?",
        ),
        (
            lambda r: r["teams"][0]["aliases"][0]["to"][1].update(deployment="hr-copilot-gpt-4.1-mini"),
            f"{ALIAS}.to[1].deployment",
            aliases.OWN_DEPLOYMENT,
            "is team hr-copilot's deployment, not contoso-chat's",
        ),
        (
            lambda r: r["teams"][0]["aliases"].append(copy.deepcopy(CHAT)),
            "landingZone.teams[0].aliases[1].name",
            aliases.UNIQUE,
            "alias 'chat' is named twice in contoso-chat",
        ),
        (
            lambda r: r["teams"][0]["aliases"][0].update(name="hr-copilot-gpt-4.1-mini"),
            f"{ALIAS}.name",
            aliases.NOT_A_DEPLOYMENT,
            "is a deployment of team hr-copilot",
        ),
        (
            lambda r: r["gateway"].update(enabled=False),
            "landingZone.teams[0].aliases",
            aliases.GATEWAY,
            "aliases are resolved by the AI gateway",
        ),
        (
            lambda r: r["teams"][0]["models"][1].update(regions=["swedencentral"]),
            f"{ALIAS}.to[1].deployment",
            aliases.EVERY_REGION,
            "is not deployed in francecentral",
        ),
        (
            lambda r: r["teams"][0]["aliases"][0]["to"].append({"deployment": "contoso-chat-gpt-5-mini", "weight": 0}),
            f"{ALIAS}.to[2].deployment",
            aliases.TARGET_ONCE,
            "is named twice in this alias",
        ),
        (
            lambda r: r["teams"][0]["models"][1].pop("versionUpgradeOption"),
            "landingZone.teams[0].models[1].versionUpgradeOption",
            aliases.NO_AUTO_UPGRADE_RULE,
            "in the rollout of alias chat but OnceCurrentVersionExpired",
        ),
    ],
    ids=[
        "weights",
        "unknown",
        "other-team",
        "duplicate",
        "deployment-name",
        "no-gateway",
        "region",
        "twice",
        "auto-upgrade",
    ],
)
def test_each_mistake_is_an_error_at_its_yaml_path(edit, path, rule, says):
    """Weights not summing to 100; an unknown deployment, or another team's; duplicate alias names; an alias equal
    to another team's deployment; aliases without the gateway; a target missing from a region of the pool; the
    same deployment twice; and an auto-upgrading deployment under a rollout ("versionUpgradeOption ...
    NoAutoUpgrade: the model version is never upgraded automatically", learn.microsoft.com/azure/ai-foundry/openai/
    concepts/model-versions). Nothing is decided."""
    found = errors(_mutated(edit))
    assert path in found, found
    assert found[path][0] == rule.id
    assert says in found[path][1]
    assert decide(_mutated(edit), PLAN_DATE, load())[0] is None


def test_weight_zero_is_blue_green_and_a_provisioned_rollout_says_its_step():
    """A provisioned rollout follows Azure's multi-deployment migration: create the new deployment, move traffic,
    check that the old one's Azure OpenAI Requests metric shows no call for 5-10 minutes, then delete it
    (learn.microsoft.com/azure/ai-foundry/openai/how-to/working-with-models, "Multi-deployment migrations for
    provisioned deployments"). The plan says which step the weights put it at."""
    ptu_old = {
        "name": "gpt-4.1",
        "version": "2025-04-14",
        "sku": "GlobalProvisionedManaged",
        "capacity": 15,
        "versionUpgradeOption": "NoAutoUpgrade",
        "deploymentName": "contoso-chat-ptu-a",
    }
    ptu_new = {**ptu_old, "name": "gpt-4o", "version": "2024-11-20", "deploymentName": "contoso-chat-ptu-b"}

    def step(w_old: int) -> str:
        alias = {
            "name": "big",
            "to": [
                {"deployment": "contoso-chat-ptu-a", "weight": w_old},
                {"deployment": "contoso-chat-ptu-b", "weight": 100 - w_old},
            ],
        }
        raw = stack()
        raw["teams"][0]["models"] += [ptu_old, ptu_new]
        raw["teams"][0]["aliases"].append(alias)
        diags = decide(raw, PLAN_DATE, load())[1]
        assert errors_in(diags) == []
        [said] = [d.message for d in diags if d.rule == aliases.PROVISIONED_STEP.id]
        return said

    assert "step 1 of 4, contoso-chat-ptu-b is deployed and gets no traffic yet" in step(100)
    assert "step 2 of 4, traffic is moving (contoso-chat-ptu-a 40%, contoso-chat-ptu-b 60%)" in step(40)
    assert (
        "step 3 of 4, contoso-chat-ptu-a gets no traffic: once its Azure OpenAI Requests metric shows no call"
        " for 5-10 minutes" in step(0)
    )


def test_a_retiring_version_proposes_the_rollout_to_paste():
    """gpt-4o 2024-05-13 retires on 2026-10-01; on 2026-08-01 the warning names 2024-11-20 (the later version
    still open) and gives the YAML to paste: the new deployment pinned, and an alias at 10%
    (learn.microsoft.com/azure/ai-foundry/openai/concepts/model-retirements)."""
    import datetime as dt

    old = {"name": "gpt-4o", "version": "2024-05-13", "sku": "GlobalStandard", "capacity": 10, "alreadyDeployed": True}
    raw = minimal_landing_zone(
        regions=REGIONS,
        gateway=copy.deepcopy(GATEWAY),
        network={"mode": "public", "allowedIps": ["203.0.113.0/24"]},
        teams=[team("contoso-chat", models=[old], callerAppIds=["4f7e2d1c-9b8a-4c3d-8e2f-1a0b9c8d7e01"])],
    )
    diags = decide(raw, dt.date(2026, 8, 1), load())[1]
    [warned] = [d for d in diags if d.rule == "catalog.retiring-soon"]
    assert warned.message == (
        "gpt-4o 2024-05-13 retires on 2026-10-01 (61 days left); roll out gpt-4o 2024-11-20 behind an alias"
        ' (docs/app-teams.md, "Roll out a new model version"): add to models {name: gpt-4o, version: "2024-11-20",'
        " sku: GlobalStandard, capacity: 10, deploymentName: contoso-chat-gpt-4o-2024-11-20, versionUpgradeOption:"
        " NoAutoUpgrade}, add to aliases {name: gpt-4o, to: [{deployment: contoso-chat-gpt-4o, weight: 90},"
        " {deployment: contoso-chat-gpt-4o-2024-11-20, weight: 10}]} and call the alias from your apps; pin this"
        " one: versionUpgradeOption: NoAutoUpgrade"
    )
    # Pasting it plans: the proposal is valid YAML and a valid rollout.
    flow = warned.message.split("add to models ", 1)[1].split(", add to aliases ", 1)
    new_model = yaml.safe_load(flow[0])
    alias = yaml.safe_load(flow[1].split(" and call the alias", 1)[0])
    raw["teams"][0]["models"] = [{**old, "versionUpgradeOption": "NoAutoUpgrade"}, new_model]
    raw["teams"][0]["aliases"] = [alias]
    topology, diags = decide(raw, dt.date(2026, 8, 1), load())
    assert errors_in(diags) == [] and [a.name for a in topology.aliases] == ["gpt-4o"]


def _promoted(tmp_path, dev_models: list[dict], **prod) -> list:
    """Plan a prod stack (promotesFrom: dev) beside a dev stack whose contoso-chat runs ``dev_models``."""
    dev = stack()
    dev["teams"][0]["models"] = dev_models
    dev["teams"][0].pop("aliases")
    write_stack(tmp_path, dev, name="Pulumi.dev.yaml")
    raw = stack(environment="test", promotesFrom="dev", **prod)
    path = write_stack(tmp_path, raw, name="Pulumi.prod.yaml")
    with team_files_in(tmp_path):
        return make_plan("prod", PLAN_DATE, path).diagnostics


def test_the_promotion_gate_refuses_a_version_dev_has_not_run(tmp_path):
    """prod declares promotesFrom: dev: an alias target with traffic must run a model version the same team runs
    in dev. gpt-5-mini at 10% is refused while dev runs only gpt-4.1-mini; at weight 0 (deployed, no traffic) it
    passes; with allowPromotionDrift and a reason it passes and is listed."""
    diags = _promoted(tmp_path, [OLD])
    [refused] = [d for d in diags if d.rule == promotion.PROMOTION.id]
    assert refused.path == f"{ALIAS}.to[1]"
    assert refused.message.startswith(
        "gpt-5-mini 2025-08-07 (contoso-chat-gpt-5-mini) would get 10% of contoso-chat's chat calls, but"
        " contoso-chat does not run it in dev (promotesFrom)"
    )
    assert [d for d in _promoted(tmp_path, [OLD, NEW]) if d.severity == "error"] == []
    allowed = _promoted(tmp_path, [OLD], allowPromotionDrift=True, promotionDriftReason="hotfix for incident 4711")
    assert [d for d in allowed if d.severity == "error"] == []
    assert [d.message for d in allowed if d.rule == promotion.PROMOTION_ALLOWED.id] == [
        "gpt-5-mini 2025-08-07 sends 10% of contoso-chat's chat calls before dev ran it (allowed: hotfix for incident"
        " 4711)"
    ]


def test_the_override_needs_a_reason_and_promotes_from_names_a_stack(tmp_path):
    assert [d.path for d in _promoted(tmp_path, [OLD], allowPromotionDrift=True) if d.severity == "error"] == [
        "landingZone.promotionDriftReason"
    ]
    raw = stack(environment="test", promotesFrom="qa")
    path = write_stack(tmp_path, raw, name="Pulumi.prod.yaml")
    with team_files_in(tmp_path):
        diags = make_plan("prod", PLAN_DATE, path).diagnostics
    assert [(d.path, d.message) for d in diags if d.severity == "error"] == [
        ("landingZone.promotesFrom", "no stack qa in the project (Pulumi.qa.yaml)")
    ]


def test_prod_declares_its_gate():
    """Pulumi.prod.yaml promotes from dev (issue 23); it has no alias yet, so the gate passes."""
    doc = yaml.safe_load((PROJECT_ROOT / "Pulumi.prod.yaml").read_text())
    assert doc["config"]["ai-landing-zone:landingZone"]["promotesFrom"] == "dev"


def test_the_rollout_example_plans_alerts_on_the_canary_and_exports_the_alias():
    """examples/rollout: contoso-chat mid-rollout (90/10). On each region's account the canary gets its own
    metric alerts (AzureOpenAIRequests split by ModelDeploymentName, learn.microsoft.com/azure/ai-foundry/openai/
    monitor-openai-reference) and two log search alerts comparing it with the stable deployment; the team's
    outputs say where the alias sends its calls, and the plan text shows it on the team."""
    import json

    from infra.plan import to_json
    from infra.render import text
    from tests.helpers import example_plan

    plan = example_plan("rollout")
    doc = json.loads(to_json(plan))
    rules = [r for r in doc["resources"] if r["type"] == "azure-native:monitor:ScheduledQueryRule"]
    assert len(rules) == 2 * 2  # failures and latency, on both regions' accounts
    for r in rules:
        query = r["inputs"]["criteria"]["allOf"][0]["query"]
        assert "contoso-chat-gpt-4.1-mini" in query and "contoso-chat-gpt-5-mini" in query
    canary_metrics = [
        r
        for r in doc["resources"]
        if r["type"] == "azure-native:monitor:MetricAlert" and "contoso-chat-gpt-5-mini" in r["name"]
    ]
    assert len(canary_metrics) == 3 * 2
    assert doc["outputs"]["teams"]["contoso-chat"]["aliases"] == {
        "chat": [
            {"deployment": "contoso-chat-gpt-4.1-mini", "model": "gpt-4.1-mini", "version": "2025-04-14", "weight": 90},
            {"deployment": "contoso-chat-gpt-5-mini", "model": "gpt-5-mini", "version": "2025-08-07", "weight": 10},
        ]
    }
    assert (
        "      alias chat: contoso-chat-gpt-4.1-mini (gpt-4.1-mini 2025-04-14) 90%, contoso-chat-gpt-5-mini"
        " (gpt-5-mini 2025-08-07) 10%"
    ) in text(plan).splitlines()
    assert [d.severity for d in plan.diagnostics if d.severity == "error"] == []
