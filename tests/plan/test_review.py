"""The pull-request comment: what a change does first, within GitHub's size limit, rendered as GitHub does.

GitHub refuses comment bodies over 65,536 characters (docs.github.com REST API, "Create an issue comment":
body maximum; also the error "Body is too long (maximum is 65536 characters)"). The comment is rendered here
with cmark-gfm, GitHub's own Markdown renderer (``cmarkgfm``), and its Mermaid blocks are parsed with
Mermaid's parser (``tools/mermaid-check``), because GitHub shows a parse error instead of the picture.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import cmarkgfm
import pytest
import yaml
from cmarkgfm.cmark import Options

from infra import diff, md, review
from infra.diagram import MAX_GROUPS, mermaid
from infra.plan import PROJECT_ROOT, make_plan, to_json
from tests.helpers import PLAN_DATE, prod_copy, team, team_files_in

MERMAID_CHECK = PROJECT_ROOT / "tools" / "mermaid-check"
RUN_URL = "https://github.com/contoso/ai-landing-zone/actions/runs/1"
EXAMPLE = PROJECT_ROOT / "docs" / "pr-comment-example.md"


def html(markdown: str) -> str:
    # GitHub keeps <details>/<summary>; cmark's default safe mode would drop all raw HTML.
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def plan_and_contract(config: Path | None = None):
    with team_files_in(config.parent if config else PROJECT_ROOT):
        plan = make_plan("prod", PLAN_DATE, config)
    assert plan.ok, plan.diagnostics
    return plan, json.loads(to_json(plan))


@pytest.fixture(scope="module")
def base_plan(prod):
    return prod, json.loads(to_json(prod))


@pytest.fixture(scope="module")
def base(base_plan):
    return base_plan[1]


@pytest.fixture(scope="module")
def twenty(tmp_path_factory):
    """A generated 20-team stack: prod's four teams and sixteen more."""
    return plan_and_contract(prod_copy(tmp_path_factory.mktemp("twenty"), extra_teams=16))


def _edit(config: Path, team: str, change) -> None:
    path = config.parent / "teams" / "prod" / f"{team}.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc))


@pytest.fixture(scope="module")
def added_model(tmp_path_factory, base):
    """The most common PR: contoso-chat adds a model in prod."""
    config = prod_copy(tmp_path_factory.mktemp("add"))
    new = {"name": "gpt-4.1", "version": "2025-04-14", "sku": "DataZoneStandard", "capacity": 100}
    _edit(config, "contoso-chat", lambda d: d["models"].append(new))
    plan, head = plan_and_contract(config)
    return plan, head, review.comment(plan, head, base, RUN_URL)


def first_screen(comment: str) -> str:
    """What a reviewer sees before opening anything: up to the first collapsed section."""
    return comment.split("<details", 1)[0]


def test_adding_a_model_says_what_it_does_on_the_first_screen(added_model):
    _, _, comment = added_model
    top = first_screen(comment)
    assert top.startswith("### `prod`: 2 added, 2 changed\n")
    # the workbook prices each deployment: a new one is a new row of its price table
    assert "- **changed**: 1 ApiPolicy, 1 Workbook" in top
    assert "- **added**: 2 Deployment" in top
    assert "No stateful resource is replaced or deleted." in top
    assert "`shared-default-general`: contoso-chat tokens/min 300,000 → 400,000" in top
    assert "| contoso-chat: gateway limit, tokens/min | 300,000 | 400,000 | +100,000 (+33%) |" in top
    assert "| contoso-chat: deployed tokens/min (all regions) | 600,000 | 800,000 | +200,000 (+33%) |" in top
    assert "New warnings" not in top  # the warnings are those of the base
    assert len(top.splitlines()) < 40


def test_the_comment_survives_githubs_renderer_with_every_section(added_model):
    _, _, comment = added_model
    page = html(comment)
    for section in ("Cost change against the base", "Gateway changes", "Topology", "Every change"):
        assert section in page
    assert page.rstrip().endswith(f'<a href="{RUN_URL}">full plan</a></p>')
    changes = page.split("<summary>Every change</summary>", 1)[1]
    # header + 4 changes (2 deployments, the policy, the workbook): the XML did not open a comment or split a row
    assert changes.count("<tr>") == 5 and "<!--" not in changes
    assert diff.MULTILINE in changes


def test_cells_cannot_break_a_table():
    nasty = "<!-- a\n| b | <policies>`x`</policies> & c"
    rows = [[md.text(nasty), md.code(nasty)], ["after", "row"]]
    page = html("\n".join([*md.table(["text", "code"], rows), "", "Next paragraph."]))
    assert page.count("<tr>") == 3 and page.count("<td>") == 4
    assert "&lt;!-- a | b | &lt;policies&gt;" in page  # shown, not interpreted
    assert page.rstrip().endswith("<p>Next paragraph.</p>")


def test_no_change_is_one_line(base_plan):
    plan, head = base_plan
    assert review.comment(plan, head, json.loads(json.dumps(head))) == (
        "### `prod`: no changes against the base (full plan: the job summary and the `plans` artifact)\n"
    )


def test_a_content_filter_move_pairs_each_deployment_with_its_own_region(base, tmp_path):
    config = prod_copy(tmp_path)
    _edit(config, "hr-copilot", lambda d: d.update(contentFilter="strict"))
    plan, head = plan_and_contract(config)
    changes = review.diff(base, head)
    moved = [c for c in changes if c.type.endswith("Deployment") and c.kind == "replaced"]
    assert len(moved) == 2
    for c in moved:
        region = c.name.rsplit("-hr-copilot", 1)[0].rsplit("-", 1)[1]
        assert c.old_urn.endswith(f"shared-default-general-{region}-hr-copilot-gpt-4.1-mini")
        assert "same region" in c.reasons[0] and "no alias can keep it" in c.reasons[0]
    assert not any("alias" in r and "add an alias" in r for c in changes for r in c.reasons)
    assert not [c for c in changes if c.type.endswith("Deployment") and c.kind == "removed"]
    callout = first_screen(review.comment(plan, head, base))
    assert "> [!CAUTION]\n> 2 stateful resource(s) replaced or deleted:" in callout


def test_a_renamed_urn_of_the_same_azure_resource_is_a_replacement_with_alias_advice(base):
    head = json.loads(json.dumps(base))
    deployment = next(r for r in head["resources"] if r["type"].endswith(":Deployment"))
    old_urn = deployment["urn"]
    deployment["urn"] = old_urn.replace("::shared-", "::renamed-shared-")
    (change,) = review.diff(base, head)
    assert (change.kind, change.old_urn) == ("replaced", old_urn) and "add an alias" in change.reasons[0]


def test_twenty_teams_fit_the_budget_and_cut_visibly(twenty, plans):
    plan, head = twenty
    comment = review.comment(plan, head, None)  # a new stack: everything is added, the worst case
    assert len(comment) <= review.BUDGET
    assert "> [!NOTE]\n> Cut to stay under 60,000 characters" in comment
    assert len(html(comment)) > 0 and comment.count("<details") == comment.count("</details>")
    for own in plans.values():  # the repo's own stacks, as new stacks: far under the budget
        assert len(review.comment(own, json.loads(to_json(own)), None)) < review.BUDGET // 2
    small = review.comment(plan, head, None, budget=8_000)
    assert len(small) <= 8_000 and "Cut to stay under 8,000 characters" in small


def test_diagram_reads_at_a_glance(added_model, twenty):
    plan, _, comment = added_model
    diagram = mermaid(plan.topology, {"oai-contoso-prod-shared-default-general-swedencentral"})
    lines = diagram.splitlines()
    regions = [line for line in lines if line.strip().startswith("subgraph")]
    assert "swedencentral · primary" in regions[0] and "francecentral · secondary" in regions[1]
    assert not any("budget" in line and ("-.-" in line or "-->" in line) for line in lines)  # labels, not edges
    assert "contoso-chat 6,000/mo" in diagram and "shared-default-general<br/>4 deployments" in diagram
    assert "gpt-4.1-mini" not in diagram  # counts in the picture, deployments in the table
    assert "class account_shared_default_general_swedencentral changed" in diagram
    assert len(lines) < 40
    groups = {a.group for a in twenty[0].topology.accounts}
    assert len(groups) == MAX_GROUPS  # drawn one by one; one more and the regions show totals
    big = mermaid(twenty[0].topology, max_groups=len(groups) - 1)
    assert len(big.splitlines()) < 20 and "shared," in big and "dedicated accounts" in big
    assert "10 teams<br/>budgets 18,800/mo" in mermaid(twenty[0].topology)  # no label lists a crowd


def _mermaid_blocks(text: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", text, re.S)


def test_every_mermaid_block_parses(added_model, twenty, dev):
    node = shutil.which("node")
    if node is None or not (MERMAID_CHECK / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install tools/mermaid-check (npm ci --prefix tools/mermaid-check)")
        pytest.skip("tools/mermaid-check is not installed: npm ci --prefix tools/mermaid-check")
    plan, head, comment = added_model
    blocks = [
        *_mermaid_blocks(comment),
        *_mermaid_blocks(review.comment(*twenty, None)),
        mermaid(twenty[0].topology, max_groups=1),
        mermaid(dev.topology),
        mermaid(plan.topology, {a.name for a in plan.topology.accounts}),
    ]
    assert len(blocks) == 5
    run = lambda sources: subprocess.run(  # noqa: E731
        [node, str(MERMAID_CHECK / "parse.mjs")], input=json.dumps(sources), capture_output=True, text=True, timeout=120
    )
    result = run(blocks)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = run(['flowchart LR\n  a["unclosed --> b\n'])
    assert broken.returncode == 1 and broken.stdout.startswith("error 0")


def test_the_readme_example_is_what_the_code_writes(added_model):
    """docs/pr-comment-example.md (and its screenshot, docs/pr-comment-example.png) is this very comment.
    After an intended change: UPDATE_EXAMPLES=1 .venv/bin/python -m pytest tests/plan/test_review.py, then
    .venv/bin/python tools/render_comment.py docs/pr-comment-example.md docs/pr-comment-example.png."""
    comment = added_model[2]
    if os.environ.get("UPDATE_EXAMPLES"):
        EXAMPLE.write_text(comment)
    assert EXAMPLE.read_text() == comment
    assert "docs/pr-comment-example.md" in (PROJECT_ROOT / "README.md").read_text()


def test_removing_a_team_calls_out_its_accounts_ptu_deployments_and_budget(prod, tmp_path):
    """Removing a dedicated team deletes its accounts, its provisioned deployments and its budget (and the
    budget's history): the first screen must say so. A deleted account is soft-deleted: "you can't create
    another one with the same name for 48 hours", and "charges for provisioned deployments on a deleted
    resource continue until the resource is purged" (learn.microsoft.com/azure/ai-services/recover-purge-resources).
    Base: prod as planned; head: prod without fraud-detect (dedicated, 15 PTU DataZoneProvisionedManaged)."""
    base = json.loads(to_json(prod))
    config = prod_copy(tmp_path)
    doc = yaml.safe_load(config.read_text())
    lz = doc["config"]["ai-landing-zone:landingZone"]
    (fraud,) = [t for t in lz["teams"] if t["name"] == "fraud-detect"]
    assert fraud["isolation"] == "dedicated" and fraud["models"][0]["sku"] == "DataZoneProvisionedManaged"
    lz["teams"].remove(fraud)
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    plan, head = plan_and_contract(config)

    top = first_screen(review.comment(plan, head, base))
    assert "No stateful resource is replaced or deleted." not in top
    callout = [line for line in top.splitlines() if line.startswith(">")]
    assert callout == [
        "> [!CAUTION]",
        "> 5 stateful resource(s) replaced or deleted:",
        "> - **removed** Deployment `team-fraud-detect-francecentral-fraud-detect-gpt-4.1`",
        "> - **removed** Deployment `team-fraud-detect-swedencentral-fraud-detect-gpt-4.1`",
        "> - **removed** Account `team-fraud-detect-francecentral`",
        "> - **removed** Account `team-fraud-detect-swedencentral`",
        "> - **removed** Budget `budget-fraud-detect`",
    ]


def _sharded_prod(tmp_path: Path, lock: dict[str, int] | None, extra_team: bool = False) -> Path:
    """prod with at most 3 deployments per account: contoso-chat (2) and hr-copilot (1) share the profile
    ``shared-default-general``; ``lock``: team -> shard, written to ``placement/prod.yaml``."""
    config = prod_copy(tmp_path)
    doc = yaml.safe_load(config.read_text())
    lz = doc["config"]["ai-landing-zone:landingZone"]
    lz["placement"] = {"maxDeploymentsPerAccount": 3}
    if extra_team:
        lz["teams"].append(
            team(
                "new-team",
                "8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f05",
                callerAppIds=["9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a06"],
                models=[{"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "DataZoneStandard", "capacity": 10}],
            )
        )
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    if lock is not None:
        weights = {"contoso-chat": 2, "hr-copilot": 1}
        (tmp_path / "placement").mkdir()
        (tmp_path / "placement" / "prod.yaml").write_text(
            yaml.safe_dump(
                {
                    "profiles": {
                        "shared-default-general": {t: {"shard": s, "deployments": weights[t]} for t, s in lock.items()}
                    }
                }
            )
        )
    return config


ACCOUNT = "oai-contoso-prod-shared-default-general"


def test_a_moved_team_is_a_placement_change_and_a_stateful_replacement(tmp_path):
    """hr-copilot moves from shard 2 back to shard 1 of its profile (the lock file says so): the comment says
    where it moves from and to, and the stateful callout names the move, since moving a deployment to another
    account recreates it under a new endpoint (issue 22, "Moves are visible")."""
    _, base = plan_and_contract(_sharded_prod(tmp_path / "base", {"contoso-chat": 1, "hr-copilot": 2}))
    plan, head = plan_and_contract(_sharded_prod(tmp_path / "head", {"contoso-chat": 1, "hr-copilot": 1}))
    text = review.comment(plan, head, base, RUN_URL)
    screen = first_screen(text)
    section = screen.split("**Placement changes**\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        f"- `hr-copilot` moved: `{ACCOUNT}-02-francecentral` → `{ACCOUNT}-francecentral`,"
        f" `{ACCOUNT}-02-swedencentral` → `{ACCOUNT}-swedencentral`:"
        " its deployments are recreated on the new account, under a new endpoint"
    ]
    assert (
        f"> - **moved** team `hr-copilot`: from `{ACCOUNT}-02-francecentral` to `{ACCOUNT}-francecentral`,"
        f" from `{ACCOUNT}-02-swedencentral` to `{ACCOUNT}-swedencentral`: its deployments are recreated there"
        " (new endpoint)"
    ) in screen
    assert "No stateful resource is replaced or deleted" not in text
    assert screen.index("**Placement changes**") < screen.index("> [!CAUTION]")


def test_a_new_team_that_opens_a_shard_says_so(tmp_path):
    """A new team on a full profile (3 of 3 deployments) is placed on a second shard, opened for it."""
    _, base = plan_and_contract(_sharded_prod(tmp_path / "base", None))
    plan, head = plan_and_contract(_sharded_prod(tmp_path / "head", None, extra_team=True))
    screen = first_screen(review.comment(plan, head, base, RUN_URL))
    section = screen.split("**Placement changes**\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        f"- shard opened: account `{ACCOUNT}-02-francecentral`",
        f"- shard opened: account `{ACCOUNT}-02-swedencentral`",
        f"- `new-team` placed on `{ACCOUNT}-02-francecentral` (a new shard), `{ACCOUNT}-02-swedencentral`"
        " (a new shard)",
    ]
    assert "moved" not in section


def _prod_over_subscriptions(folder: Path, fraud_detect_in: str) -> Path:
    """Prod with ``placement.subscriptions`` (its own and a second); the lock file places fraud-detect's
    dedicated accounts in ``fraud_detect_in``, every other account group in the stack's own."""
    path = prod_copy(folder)
    doc = yaml.safe_load(path.read_text())
    own = doc["config"]["azure-native:subscriptionId"]
    doc["config"]["ai-landing-zone:landingZone"]["placement"] = {"subscriptions": [own, SECOND_SUBSCRIPTION]}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    lock = yaml.safe_load((PROJECT_ROOT / "placement" / "prod.yaml").read_text())
    groups = ["shared-default-general", "shared-strict-confidential", "team-fraud-detect"]
    lock["accounts"] = {g: {"subscription": own} for g in groups}
    lock["accounts"]["team-fraud-detect"] = {"subscription": fraud_detect_in}
    (folder / "placement").mkdir(exist_ok=True)
    (folder / "placement" / "prod.yaml").write_text(yaml.safe_dump(lock))
    return path


SECOND_SUBSCRIPTION = "22222222-2222-4222-8222-222222222222"


def test_a_team_moved_to_another_subscription_is_a_placement_change_and_a_stateful_replacement(tmp_path):
    """fraud-detect's accounts move to a second subscription under the same names: the comment names the
    subscriptions, since the accounts are deleted and created anew there (a deleted name is held 48 hours unless
    purged: learn.microsoft.com/azure/ai-services/recover-purge-resources)."""
    own = "11111111-1111-1111-1111-111111111111"
    _, base = plan_and_contract(_prod_over_subscriptions(tmp_path / "base", own))
    plan, head = plan_and_contract(_prod_over_subscriptions(tmp_path / "head", SECOND_SUBSCRIPTION))
    screen = first_screen(review.comment(plan, head, base, RUN_URL))
    section = screen.split("**Placement changes**\n\n", 1)[1].split("\n\n", 1)[0]
    name = "oai-contoso-prod-fraud-detect-francecentral"
    assert section.splitlines()[0].startswith(
        f"- `fraud-detect` moved: `{name}` in subscription `{own}` → `{name}` in subscription `{SECOND_SUBSCRIPTION}`, "
    )
    assert f"> - **moved** team `fraud-detect`: from `{name}` in subscription `{own}` to `{name}` in" in screen
    assert len(section.splitlines()) == 1  # no other team moved
