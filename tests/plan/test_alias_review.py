"""Alias changes in the pull-request comment and aliases in its diagram (issue 23, "Review").

The comment reads the base and head plan contracts alone: the base may come from older code, whose contract has no
``aliases``. Each change is a bullet in reviewer terms (model, version, share of calls) under "Alias changes"; the
diagram shows each alias's split on its team, and must still pass Mermaid's parser, since GitHub shows a parse
error instead of the picture (tests/plan/test_review.py).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from infra import alias_review, diagram, review
from infra.alias_review import Target, split
from infra.plan import PROJECT_ROOT, make_plan, to_json
from tests.helpers import PLAN_DATE
from tests.plan.test_review import MERMAID_CHECK, _mermaid_blocks, first_screen, html

EXAMPLE = PROJECT_ROOT / "examples" / "rollout" / "Pulumi.rollout.yaml"
OLD, NEW = "contoso-chat-gpt-4.1-mini", "contoso-chat-gpt-5-mini"
MOVED = "contoso-chat `chat`: gpt-4.1-mini 2025-04-14 90% → 50%, gpt-5-mini 2025-08-07 10% → 50%"


def rollout(folder: Path, aliases: list[dict] | None = None):
    """The plan and contract of examples/rollout (contoso-chat's ``chat`` at 90/10), with ``aliases`` instead of
    the example's when given."""
    doc = yaml.safe_load(EXAMPLE.read_text())
    if aliases is not None:
        doc["config"]["ai-landing-zone:landingZone"]["teams"][0]["aliases"] = aliases
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "Pulumi.rollout.yaml"
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    plan = make_plan("rollout", PLAN_DATE, config)
    assert plan.ok, plan.diagnostics
    return plan, json.loads(to_json(plan))


def chat(old: int, new: int) -> dict:
    return {"name": "chat", "to": [{"deployment": OLD, "weight": old}, {"deployment": NEW, "weight": new}]}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The example as it is: ``chat`` sends 90% to gpt-4.1-mini, 10% to gpt-5-mini."""
    return rollout(tmp_path_factory.mktemp("base"))


@pytest.fixture(scope="module")
def half(tmp_path_factory, base):
    """The rollout's next step, 50/50, and its comment against the example."""
    plan, head = rollout(tmp_path_factory.mktemp("half"), [chat(50, 50)])
    return plan, head, review.comment(plan, head, base[1])


def with_chat(contract: dict, *targets: tuple[str, int]) -> dict:
    """A copy of a rollout contract whose ``chat`` has these (deployment, weight) targets, models as planned."""
    out = copy.deepcopy(contract)
    aliases = out["outputs"]["teams"]["contoso-chat"]["aliases"]
    planned = {t["deployment"]: t for t in aliases["chat"]}
    aliases["chat"] = [{**planned[d], "weight": w} for d, w in targets]
    return out


def section(comment: str) -> list[str]:
    return first_screen(comment).split("**Alias changes**\n\n", 1)[1].split("\n\n", 1)[0].splitlines()


def test_weights_moved_read_as_model_versions_and_shares_on_the_first_screen(half):
    """90/10 → 50/50: the only resource change is the gateway's policy; the comment says what it does."""
    _, _, comment = half
    assert section(comment) == [f"- {MOVED}"]
    top = first_screen(comment)
    assert top.startswith("### `rollout`: 1 changed\n\n- **changed**: 1 ApiPolicy\n\n**Alias changes**")
    assert top.index("**Alias changes**") < top.index("No stateful resource is replaced or deleted.")
    page = html(comment)
    assert (
        "<p><strong>Alias changes</strong></p>\n<ul>\n<li>contoso-chat <code>chat</code>: gpt-4.1-mini 2025-04-14"
        " 90% → 50%, gpt-5-mini 2025-08-07 10% → 50%</li>\n</ul>"
    ) in page


def test_an_alias_added_and_one_removed(tmp_path):
    """The base has ``mini`` (all to gpt-5-mini), the head ``fast`` (all to gpt-4.1-mini) instead; ``chat`` stays."""
    same = chat(90, 10)
    _, old = rollout(tmp_path / "base", [same, {"name": "mini", "to": [{"deployment": NEW, "weight": 100}]}])
    plan, new = rollout(tmp_path / "head", [same, {"name": "fast", "to": [{"deployment": OLD, "weight": 100}]}])
    assert section(review.comment(plan, new, old)) == [
        "- contoso-chat `fast` added: gpt-4.1-mini 2025-04-14 100%",
        "- contoso-chat `mini` removed (was gpt-5-mini 2025-08-07 100%): the gateway no longer resolves it",
    ]


def test_a_base_from_older_code_without_aliases_reads_every_alias_as_added(base):
    _, head = base
    older = copy.deepcopy(head)
    for outputs in older["outputs"]["teams"].values():
        del outputs["aliases"]
    assert alias_review.changes(older, head) == [
        "contoso-chat `chat` added: gpt-4.1-mini 2025-04-14 90%, gpt-5-mini 2025-08-07 10%"
    ]
    assert alias_review.changes(head, older) == [
        "contoso-chat `chat` removed (was gpt-4.1-mini 2025-04-14 90%, gpt-5-mini 2025-08-07 10%): the gateway no"
        " longer resolves it"
    ]
    plan = base[0]
    assert "Alias changes" not in review.comment(plan, head, None)  # a new stack: nothing to compare with
    assert alias_review.changes(head, json.loads(json.dumps(head))) == []


def test_a_version_added_to_an_alias_and_one_removed_from_it(base):
    """The first step of a rollout adds the new version at 10%; the last removes the old one, at 0% by then."""
    _, head = base
    assert alias_review.changes(with_chat(head, (OLD, 100)), head) == [
        "contoso-chat `chat`: gpt-4.1-mini 2025-04-14 100% → 90%, gpt-5-mini 2025-08-07 added at 10%"
    ]
    done = with_chat(head, (NEW, 100))
    assert alias_review.changes(with_chat(head, (OLD, 0), (NEW, 100)), done) == [
        "contoso-chat `chat`: gpt-4.1-mini 2025-04-14 removed (was at 0%)"
    ]
    # Listing the same split in another order changes nothing a reviewer needs to see.
    assert alias_review.changes(with_chat(head, (NEW, 10), (OLD, 90)), head) == []


def test_targets_that_read_the_same_are_told_apart(base):
    """Two deployments of one model version (a standard one and its provisioned twin, say) are named by
    deployment; a deployment whose version changed in place under the alias says so."""
    _, head = base
    twin = copy.deepcopy(head)
    (first, second) = twin["outputs"]["teams"]["contoso-chat"]["aliases"]["chat"]
    second.update(model=first["model"], version=first["version"])
    assert alias_review.changes(with_chat(head, (OLD, 100)), twin) == [
        f"contoso-chat `chat`: gpt-4.1-mini 2025-04-14 (`{OLD}`) 100% → 90%,"
        f" gpt-4.1-mini 2025-04-14 (`{NEW}`) added at 10%"
    ]
    bumped = copy.deepcopy(head)
    bumped["outputs"]["teams"]["contoso-chat"]["aliases"]["chat"][1]["version"] = "2025-12-01"
    assert alias_review.changes(head, bumped) == [
        f"contoso-chat `chat`: gpt-5-mini 2025-08-07 → gpt-5-mini 2025-12-01 in place (`{NEW}`) at 10%"
    ]
    # The diagram's split names models alone, and a version only where two targets share the model.
    stable = Target(OLD, "gpt-4.1-mini", "2025-04-14", 90)
    assert split([stable, Target(NEW, "gpt-5-mini", "2025-08-07", 10)]) == "gpt-4.1-mini 90% / gpt-5-mini 10%"
    assert split([stable, Target(NEW, "gpt-4.1-mini", "2025-12-01", 10)]) == (
        "gpt-4.1-mini 2025-04-14 90% / gpt-4.1-mini 2025-12-01 10%"
    )


def test_the_diagram_shows_each_alias_on_its_team_without_a_node_more(base, monkeypatch):
    plan, _ = base
    text = diagram.mermaid(plan.topology)
    assert (
        '  gateway --> pool_shared_default_general[/"shared-default-general<br/>contoso-chat 300/mo<br/>'
        'chat: gpt-4.1-mini 90% / gpt-5-mini 10%"/]'
    ) in text
    bare = diagram.mermaid(dataclasses.replace(plan.topology, aliases=()))
    assert len(text.splitlines()) == len(bare.splitlines()) == 13  # labels, not nodes: the size limits hold
    assert "AI gateway<br/>StandardV2 · public endpoint<br/>1 alias, 1 in rollout" in diagram.mermaid(
        plan.topology, max_groups=0
    )  # past MAX_GROUPS no pool is drawn: the gateway counts the aliases
    many = tuple(dataclasses.replace(plan.topology.aliases[0], name=f"chat{i}") for i in range(5))
    crowded = diagram.mermaid(dataclasses.replace(plan.topology, aliases=many))
    assert "chat2: gpt-4.1-mini 90% / gpt-5-mini 10%<br/>2 more aliases" in crowded and "chat3:" not in crowded
    monkeypatch.setattr(diagram, "MAX_TEAMS_IN_LABEL", 0)  # as if the pool held a crowd of teams
    assert "contoso-chat 300/mo" not in (counted := diagram.mermaid(plan.topology))
    assert "1 teams<br/>budgets 300/mo<br/>1 alias, 1 in rollout" in counted


def test_every_diagram_with_aliases_parses(base, half):
    node = shutil.which("node")
    if node is None or not (MERMAID_CHECK / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install tools/mermaid-check (npm ci --prefix tools/mermaid-check)")
        pytest.skip("tools/mermaid-check is not installed: npm ci --prefix tools/mermaid-check")
    topology = base[0].topology
    many = tuple(dataclasses.replace(topology.aliases[0], name=f"chat{i}") for i in range(5))
    blocks = [
        *_mermaid_blocks(half[2]),
        diagram.mermaid(topology, max_groups=0),
        diagram.mermaid(dataclasses.replace(topology, aliases=many)),
    ]
    assert "chat: gpt-4.1-mini 50% / gpt-5-mini 50%" in blocks[0]
    result = subprocess.run(
        [node, str(MERMAID_CHECK / "parse.mjs")], input=json.dumps(blocks), capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout.split()) == (0, ["ok", "0", "ok", "1", "ok", "2"]), result.stderr
