"""Shards and stable placement: a governance profile spreads over as many accounts as its teams' deployments
need, and the lock file (``placement/<stack>.yaml``) keeps every placed team on its account.

Azure's limits on one account: "Max Standard deployments per resource: 32"
(https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits) for Azure OpenAI, and "Max deployments per
resource (model deployments within a Foundry resource): 32" (https://learn.microsoft.com/azure/foundry/
foundry-models/quotas-limits) for Foundry (AIServices). Provisioned deployments are not named in the Azure OpenAI
limit, but a Foundry resource counts every deployment: placement counts every deployment against
``landingZone.placement.maxDeploymentsPerAccount`` (default 28, at most 32), which holds on both kinds.
"""

from __future__ import annotations

import copy
import random

import yaml

from infra import placement
from infra.catalog import load
from infra.config import parse
from infra.diagnostics import errors_in
from infra.topology import build, decide
from tests.helpers import PLAN_DATE, minimal_landing_zone, run_in_process, team, team_files_in, write_stack

PLACE = "python -m infra place --stack"
HEAD = "profiles:\n  shared-default-general:\n"


def models(team_name: str, count: int, capacity: int = 10) -> list[dict]:
    return [
        {
            "name": "gpt-4.1-mini",
            "version": "2025-04-14",
            "sku": "GlobalStandard",
            "capacity": capacity,
            "deploymentName": f"{team_name}-m{k}",
        }
        for k in range(count)
    ]


def stack(teams: int, per_team: int = 5, **lz) -> dict:
    names = [f"team-{i:02d}" for i in range(teams)]
    return minimal_landing_zone(teams=[team(n, models=models(n, per_team)) for n in names], **lz)


def test_16_teams_of_5_models_on_one_profile_shard_instead_of_refusing(tmp_path):
    """80 deployments on one governance profile were refused ("Azure allows 32 per account"); now the profile
    spreads over accounts of at most 28 (5 teams of 5 each), named readably: shard 1 keeps the profile's
    account, shard n is ``...-shared-default-general-0n-<region>``. Without a lock file the plan says the
    placement is provisional and names the command that records it."""
    with team_files_in(tmp_path):
        topology, diags = decide(stack(16), PLAN_DATE, stack="big")
    assert errors_in(diags) == []
    assert topology is not None
    held = {a.key: (a.name, len(a.deployments), a.teams) for a in topology.accounts}
    assert sorted(held) == [
        "shared-default-general-02-swedencentral",
        "shared-default-general-03-swedencentral",
        "shared-default-general-04-swedencentral",
        "shared-default-general-swedencentral",
    ]
    assert held["shared-default-general-swedencentral"][0] == "oai-contoso-dev-shared-default-general-swedencentral"
    assert (
        held["shared-default-general-02-swedencentral"][0]
        == "oai-contoso-dev-shared-default-general-02-" + "swedencentral"
    )
    assert [held[k][1] for k in sorted(held)] == [25, 25, 5, 25]
    assert held["shared-default-general-04-swedencentral"][2] == ("team-15",)
    [warned] = [d for d in diags if d.rule == placement.PROVISIONAL.id]
    assert warned.path == "placement/big.yaml"
    assert f"`{PLACE} big`" in warned.message
    # 16 placements and 3 shards opened: the first five spelled out, a count for the rest (a page would bury it)
    assert "team-04 placed on shard 1 of shared-default-general; and 14 more (`place` lists them all)" in warned.message
    assert "team-05" not in warned.message


def test_shard_1_keeps_the_profile_account_names_and_keys():
    """A one-shard placement changes no URN: the account of shard 1 is the profile's account as it was."""
    one, _ = decide(stack(2), PLAN_DATE)
    many, _ = decide(stack(8), PLAN_DATE)
    assert [(a.key, a.name) for a in one.accounts] == [
        ("shared-default-general-swedencentral", "oai-contoso-dev-shared-default-general-swedencentral")
    ]
    assert (one.accounts[0].key, one.accounts[0].name) in [(a.key, a.name) for a in many.accounts]
    assert placement.group_key("shared-default-general", 1) == "shared-default-general"
    assert placement.group_key("shared-default-general", 2) == "shared-default-general-02"


def test_a_team_too_big_for_one_account_is_refused_naming_the_team_and_the_fix():
    """A team's deployments all go to one account: 30 of them do not fit under a max of 28."""
    diags = decide(stack(1, per_team=30), PLAN_DATE)[1]
    [refused] = [d for d in diags if d.rule == placement.TEAM_FITS.id]
    assert refused.path == "landingZone.teams[0].models"
    assert refused.message.startswith("team team-00 would hold 30 deployments in one region")
    assert "split the team in two, remove models, or raise the max (at most 32)" in refused.message


def test_max_deployments_per_account_is_at_most_azure_s_32():
    raw = stack(1, placement={"maxDeploymentsPerAccount": 33})
    [refused] = [d for d in decide(raw, PLAN_DATE)[1] if d.path == "landingZone.placement.maxDeploymentsPerAccount"]
    assert refused.severity == "error" and "32" in refused.message


def test_place_writes_the_lock_file_is_idempotent_and_moves_only_on_request(tmp_path):
    path = write_stack(tmp_path, stack(7))
    code, out, err = run_in_process("place", "--stack", "test", "--config-file", str(path))
    assert (code, err) == (0, "")
    lock = tmp_path / "placement" / "test.yaml"
    written = lock.read_text()
    shards = {t: e["shard"] for t, e in yaml.safe_load(written)["profiles"]["shared-default-general"].items()}
    assert shards == {f"team-{i:02d}": 1 if i < 5 else 2 for i in range(7)}
    assert out.splitlines()[0] == "placement/test.yaml: written"
    assert "  shard 2 of shared-default-general opened" in out.splitlines()
    # Again: nothing changes, the file stays as it is.
    assert run_in_process("place", "--stack", "test", "--config-file", str(path))[:2] == (
        0,
        "placement/test.yaml: no change\n",
    )
    assert lock.read_text() == written
    # The plan reads it: no provisional warning.
    code, out, _ = run_in_process("plan", "--stack", "test", "--config-file", str(path))
    assert code == 0 and "placement.provisional" not in out and "placed provisionally" not in out
    # --move places the team anew, off its shard; every other team stays.
    code, out, _ = run_in_process("place", "--stack", "test", "--config-file", str(path), "--move", "team-01")
    assert code == 0
    assert "  team-01 moved from shard 1 to 2 of shared-default-general (moved with --move)" in out.splitlines()
    after = yaml.safe_load(lock.read_text())["profiles"]["shared-default-general"]
    assert {t: e["shard"] for t, e in after.items()} == {**shards, "team-01": 2}
    # team-01 left room on shard 1: the next team moved goes there.
    code, out, _ = run_in_process("place", "--stack", "test", "--config-file", str(path), "--move", "team-06")
    assert "  team-06 moved from shard 2 to 1 of shared-default-general (moved with --move)" in out.splitlines()


def test_a_moved_team_alone_on_the_last_shard_gets_a_new_one_not_its_own_again():
    lock = {"p": {"a": placement.Entry(shard=1, deployments=5), "b": placement.Entry(shard=2, deployments=5)}}
    placed = placement.assign({"p": {"a": 5, "b": 5}}, lock, 5, frozenset({"b"}))
    assert {t: e.shard for t, e in placed.lock["p"].items()} == {"a": 1, "b": 3}
    assert placed.changes == ("shard 3 of p opened", "b moved from shard 2 to 3 of p (moved with --move)")


def test_move_of_an_unknown_team_is_a_usage_error(tmp_path):
    path = write_stack(tmp_path, stack(2))
    code, out, err = run_in_process("place", "--stack", "test", "--config-file", str(path), "--move", "ghost")
    assert code == 2
    assert "usage error: --move ghost: not a team of shared tenancy in this stack (teams: team-00, team-01)" in err


def lock_diagnostics(tmp_path, text: str, raw: dict | None = None):
    (tmp_path / "placement").mkdir(exist_ok=True)
    (tmp_path / "placement" / "test.yaml").write_text(text)
    with team_files_in(tmp_path):
        return decide(raw or stack(2), PLAN_DATE, stack="test")


def test_lock_file_errors_name_the_file_the_path_and_the_fix(tmp_path):
    topology, diags = lock_diagnostics(
        tmp_path, HEAD + "    team-00: {shard: 1, deployments: 5}\n    ghost: {shard: 1, deployments: 1}\n"
    )
    assert topology is None
    [stale] = errors_in(diags)
    assert stale.path == "placement/test.yaml: profiles.shared-default-general.ghost"
    assert stale.message == (
        "team ghost is not a team of governance profile shared-default-general in shared tenancy (it left, or its"
        f" profile or isolation changed): run `{PLACE} test` to update the lock file"
    )
    _, diags = lock_diagnostics(tmp_path, HEAD + "    team-00: {shard: 0, deployments: 5}\n")
    [shape] = errors_in(diags)
    assert shape.path.startswith("placement/test.yaml: profiles.shared-default-general.team-00.shard")
    _, diags = lock_diagnostics(tmp_path, "profiles: [unclosed\n")
    [malformed] = errors_in(diags)
    assert malformed.path == "placement/test.yaml" and "not valid YAML" in malformed.message


def test_a_hand_edited_lock_file_that_breaks_the_max_is_refused(tmp_path):
    """Six teams of 5 on shard 1 is 30 per account: over the max of 28 (and near Azure's 32)."""
    entries = "".join(f"    team-{i:02d}: {{shard: 1, deployments: 5}}\n" for i in range(6))
    _, diags = lock_diagnostics(tmp_path, f"profiles:\n  shared-default-general:\n{entries}", stack(6))
    [over] = errors_in(diags)
    assert over.rule == placement.SHARD_FITS.id
    assert over.path == "placement/test.yaml: profiles.shared-default-general"
    assert over.message == (
        "shard 1 of shared-default-general would hold 30 deployments per region;"
        f" landingZone.placement.maxDeploymentsPerAccount is 28: move a team off it with `{PLACE} test --move TEAM`"
    )


def test_a_team_the_lock_file_does_not_hold_yet_is_placed_provisionally_with_a_warning(tmp_path):
    _, diags = lock_diagnostics(tmp_path, HEAD + "    team-00: {shard: 1, deployments: 5}\n")
    assert errors_in(diags) == []
    [warned] = [d for d in diags if d.rule == placement.PROVISIONAL.id]
    assert warned.message.startswith("placed provisionally, not yet in the lock file: team-01 placed on shard 1")
    assert f"`{PLACE} test`" in warned.message


def test_churn_never_moves_an_untouched_team():
    """60 seeded pull-request-like edits (teams join and leave, change profile, add and remove models, change
    capacity), each followed by `place`: no deployment of a team the edit did not touch ever changes account,
    and after `place` the plan is clean (no error, no provisional placement)."""
    rng = random.Random(22)
    catalog = load()
    regions = [{"name": "swedencentral", "role": "primary"}, {"name": "francecentral", "role": "secondary"}]
    raw = minimal_landing_zone(regions=regions, placement={"maxDeploymentsPerAccount": 12}, teams=[])
    serial = 0

    def new_team() -> dict:
        nonlocal serial
        serial += 1
        name = f"t{serial:03d}"
        classification = rng.choice(["general", "confidential"])
        return team(name, models=models(name, rng.randint(1, 6)), dataClassification=classification)

    raw["teams"] = [new_team() for _ in range(14)]
    lock: placement.Lock = {}
    before: dict[tuple[str, str, str], str] = {}
    moves = 0
    for step in range(60):
        raw = copy.deepcopy(raw)
        teams, touched = raw["teams"], set()
        for _ in range(rng.randint(1, 3)):
            edit = rng.choice(["join", "leave", "add", "remove", "capacity", "profile"])
            t = rng.choice(teams) if teams else None
            if edit == "join" or t is None:
                teams.append(new_team())
                touched.add(teams[-1]["name"])
                continue
            touched.add(t["name"])
            if edit == "leave" and len(teams) > 2:
                teams.remove(t)
            elif edit == "add" and len(t["models"]) < 8:
                k = max(int(m["deploymentName"].rsplit("-m", 1)[1]) for m in t["models"]) + 1
                t["models"].append({**models(t["name"], 1)[0], "deploymentName": f"{t['name']}-m{k}"})
            elif edit == "remove" and len(t["models"]) > 1:
                t["models"].pop(rng.randrange(len(t["models"])))
            elif edit == "capacity":
                rng.choice(t["models"])["capacity"] = rng.choice([5, 10, 20, 40])
            elif edit == "profile":
                t["dataClassification"] = "confidential" if t["dataClassification"] == "general" else "general"
        lz, diags = parse(raw)
        assert lz is not None, diags
        lock = placement.assign(placement.profiles(lz), lock, 12).lock  # `place`
        topology = build(lz, catalog, PLAN_DATE, lock=placement.LockFile("churn", lock, True))
        assert errors_in(topology.diagnostics) == [], (step, topology.diagnostics)
        assert not [d for d in topology.diagnostics if d.rule == placement.PROVISIONAL.id]
        now = {(d.team, d.name, d.region): a.name for a in topology.accounts for d in a.deployments}
        for where, account in now.items():
            if where in before and where[0] not in touched:
                assert before[where] == account, (step, where)
            moves += where in before and before[where] != account
        before = now
    assert len({a for a in before.values()}) > 2  # profiles did spread over shards
    assert moves > 0  # and touched teams did move: the test would see a move


def test_provisioned_deployments_count_on_a_foundry_account_only():
    """Azure OpenAI caps "Standard deployments per resource" (learn.microsoft.com/azure/ai-foundry/openai/
    quotas-limits): 28 standard and 2 provisioned fit under the max. A Foundry (AIServices) resource caps every
    deployment ("Max deployments per resource", learn.microsoft.com/azure/foundry/foundry-models/quotas-limits):
    30 do not fit."""
    ptu = {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 15}
    requests = [*models("team-00", 28), *({**ptu, "deploymentName": f"team-00-ptu{k}"} for k in range(2))]
    for kind, refused in (("OpenAI", []), ("AIServices", ["landingZone.teams[0].models"])):
        raw = minimal_landing_zone(teams=[team("team-00", models=requests)], account={"kind": kind})
        diags = decide(raw, PLAN_DATE)[1]
        assert [d.path for d in diags if d.rule == placement.TEAM_FITS.id] == refused, kind
