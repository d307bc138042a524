"""The docs, by reader: a short README, a page per reader, links that resolve and commands that run.

Every ```sh command of the README and ``docs/*.md`` that runs ``.venv/bin/python -m infra ...`` runs here, from the
project root, as a user on a fresh clone runs it (the venv's set-up commands are what this run already stands on).
It must exit as the page says: 1 where the output shown right below it has errors, else 0, and that output must be
there. Commands that need what this machine lacks (the Pulumi CLI, Azure, root) or take minutes are shown in a block
whose first line says so (``# needs ...`` or ``# takes ...``) and are not run.

They run in this process (``main_in_process``), each plan made once per worker: the same config always gives the
same plan, and a fresh process per command would cost the suite about a minute of CPU for nothing the CLI tests
(``test_plan_cli.py``, ``test_pipeline.py``) do not already run that way.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import infra.plan
from infra.config import TEAM_FILES_DIR_ENV
from infra.plan import PROJECT_ROOT, Plan
from tests.conftest import diagnostics_of
from tests.helpers import PLAN_DATE, main_in_process

README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
OWN_PAGES = ("app-teams.md", "operating.md", "contributing.md")
GENERATED = {"checks.md": "docs/checks.md is generated from the rules by the rule-ID work (issue 21, item 6)"}
NOT_RUN = ("# needs ", "# takes ")
INFRA = [".venv/bin/python", "-m", "infra"]
# What a fresh clone runs before anything else, and this very test run: the checkout under test stands on them.
SET_UP = {
    "python3 -m venv .venv",
    ".venv/bin/pip install -q -r requirements.txt",
    ".venv/bin/pip install -q -r requirements-dev.txt",
    ".venv/bin/python -m pytest",
}
DATED = {"plan", "models", "urns", "diagram"}
FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<lang>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$", re.M | re.S)
LINK = re.compile(r"!?\[(?:[^\]`]|`[^`]*`)*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    body: str
    shown: str | None  # a plain block right below this one: what the command prints

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(PROJECT_ROOT)}:{self.line}"


def _blocks(page: Path) -> list[Block]:
    text = page.read_text()
    found = list(FENCE.finditer(text))
    blocks = []
    for i, m in enumerate(found):
        indent = len(m["indent"])
        body = "".join(line[indent:] for line in m["body"].splitlines(keepends=True))
        after = found[i + 1] if i + 1 < len(found) else None
        shown = None
        if after is not None and not after["lang"].strip() and not text[m.end() : after.start()].strip():
            shown = "".join(line[len(after["indent"]) :] for line in after["body"].splitlines(keepends=True))
        blocks.append(Block(page, text.count("\n", 0, m.start()) + 1, m["lang"].strip(), body, shown))
    return blocks


def _prose(page: Path) -> str:
    """The page without its code: fences and inline code hold no links or headings."""
    return FENCE.sub("", page.read_text())


SH_BLOCKS = [b for page in PAGES for b in _blocks(page) if b.lang == "sh"]


def _commands(block: Block) -> list[list[str]]:
    """The ``python -m infra`` commands of a block, in order; anything else must be set-up or marked not run."""
    commands = []
    for line in block.body.splitlines():
        for segment in line.split("&&"):
            args = shlex.split(segment, comments=True)
            if not args:
                continue
            if args[:3] == INFRA:
                commands.append(args)
            else:
                assert " ".join(args) in SET_UP, (
                    f"{block.where}: {segment.strip()!r} is not run by the tests: start its block with "
                    f"'# needs <what>' or '# takes <how long>'"
                )
    return commands


_MADE: dict[tuple, Plan] = {}


@pytest.fixture
def as_a_user_runs_it(monkeypatch, dev: Plan, prod: Plan) -> None:
    """From the project root, reading the project's own team files; a plan made with the same arguments is reused."""
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.delenv(TEAM_FILES_DIR_ENV, raising=False)
    _MADE.setdefault(("dev", PLAN_DATE, None, False), dev)
    _MADE.setdefault(("prod", PLAN_DATE, None, False), prod)
    make = infra.plan.make_plan

    def make_once(stack, today=None, config_file=None, first_preview=False):
        key = (stack, today, config_file and str(config_file), first_preview)
        if key not in _MADE:
            _MADE[key] = make(stack, today, config_file, first_preview=first_preview)
        return _MADE[key]

    monkeypatch.setattr(infra.plan, "make_plan", make_once)


def _matches(shown: str, printed: str) -> bool:
    """Every line shown is printed, in order; an ellipsis in a shown line stands for what it shortens."""
    lines = iter(printed.splitlines())
    for want in (line.rstrip() for line in shown.splitlines() if line.strip()):
        pattern = re.compile(".*?".join(map(re.escape, want.split("…"))))
        if not any(pattern.fullmatch(got.rstrip()) for got in lines):
            return False
    return True


def test_the_readme_is_at_most_200_lines():
    assert len(README.read_text().splitlines()) <= 200


@pytest.mark.parametrize("name", OWN_PAGES)
def test_every_reader_has_a_page_linked_from_the_readme(name):
    assert (DOCS / name).is_file()
    assert f"(docs/{name})" in README.read_text()


def test_the_generated_checks_page_is_linked():
    assert "(docs/checks.md)" in README.read_text()
    if not (DOCS / "checks.md").is_file():
        pytest.skip(GENERATED["checks.md"] + ": not there yet")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", _prose(page), re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    broken = []
    for target in LINK.findall(re.sub(r"`[^`\n]*`", "", _prose(page))):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            if file.parent == DOCS and file.name in GENERATED:
                continue  # see test_the_generated_checks_page_is_linked
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not broken, f"{page.name}: {broken}"


@pytest.mark.parametrize("block", SH_BLOCKS, ids=lambda b: b.where)
def test_every_command_in_the_docs_runs(block, tmp_path, as_a_user_runs_it):
    first = block.body.lstrip().splitlines()[0]
    if first.startswith(NOT_RUN):
        pytest.skip(f"{block.where}: {first[2:]}")
    commands = _commands(block)
    if not commands:
        pytest.skip(f"{block.where}: set-up this checkout already stands on")
    # 1 where the page shows the command's errors right below it
    shows_errors = len(commands) == 1 and block.shown is not None and re.search(r"^\s*error: ", block.shown, re.M)
    written: dict[str, str] = {}  # a file a command writes (`> base.json`) -> where it went, for the next ones
    for args in commands:
        args = [written.get(a, a) for a in args[3:]]
        out = None
        if ">" in args:
            at = args.index(">")
            out, args = args[at + 1], args[:at]
            written[out] = str(tmp_path / Path(out).name)
        if args[0] in DATED and "--date" not in args:
            args += ["--date", PLAN_DATE.isoformat()]  # as of the tests' date, so a retiring model turns no test red
        code, stdout, stderr = main_in_process(*args)
        assert code == (1 if shows_errors else 0), f"{block.where}: {shlex.join(args)}\n{stdout[-2000:]}{stderr}"
        if out is not None:
            Path(written[out]).write_text(stdout)
        if len(commands) == 1 and block.shown is not None:
            assert _matches(block.shown, stdout), f"{block.where}: the output shown is not what it prints"


def test_the_bad_config_example_prints_what_the_page_shows(as_a_user_runs_it):
    """docs/app-teams.md's "a bad config lists every problem at once" block is the whole output of its command."""
    (block,) = [b for b in SH_BLOCKS if "examples/bad-config/" in b.body]
    assert block.page == DOCS / "app-teams.md" and block.shown is not None
    args = shlex.split(block.body)
    assert args[:3] == INFRA
    code, stdout, stderr = main_in_process(*args[3:])
    assert code == 1, stderr
    assert stdout.strip() == block.shown.strip()
    # every kind of mistake the page names is in it: a shape error elsewhere hides none of them
    for said in (
        "did you mean shared?",
        "must be >= 1 (got 0)",
        "the number 395",
        "retired on",
        "did you mean gpt-4.1-mini?",
    ):
        assert said in block.shown


def test_the_example_configs_are_whole_and_clean():
    """The README's short stack and team file, and app-teams.md's team file with every field, decide with no
    error and no warning, as the pages say."""
    stack, team = (yaml.safe_load(b.body) for b in _blocks(README) if b.lang == "yaml")
    full_team = yaml.safe_load(next(b.body for b in _blocks(DOCS / "app-teams.md") if b.lang == "yaml"))
    landing_zone = stack["config"]["ai-landing-zone:landingZone"]
    assert diagnostics_of(landing_zone) == []
    for example in (team, full_team):
        assert diagnostics_of({k: v for k, v in landing_zone.items() if k != "teamFiles"} | {"teams": [example]}) == []
