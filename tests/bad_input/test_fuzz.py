"""Our own mutation suite: the real stack and team files, mutated the way people get them wrong.

Hypothesis takes the prod stack and its team files and changes one thing at a time: a value's type, a key
removed or unknown, numbers at the edges, text with control characters, a file's encoding, YAML constructs.
Every subcommand must then keep the exit-code contract (0 a plan, 1 path-named errors, 2 usage), never
print a traceback, and agree with ``plan`` on whether the config is valid. Errors are posted in the PR
comment, so they never quote more than an excerpt of a value, never a raw control character, and never a
word of a file that a team file links to outside the project.

CI runs ``FUZZ_EXAMPLES`` (default 25) cases; the longer run is ten times that:
``FUZZ_EXAMPLES=250 .venv/bin/python -m pytest tests/bad_input/test_fuzz.py -n 0``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.diagnostics import EXCERPT_CHARS
from infra.plan import PROJECT_ROOT
from tests.helpers import run_in_process

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
ROOT_KEY = "ai-landing-zone:landingZone"
SECRET = "AccountKey=c2VjcmV0LW9uLXRoZS1ydW5uZXI"
"""What a file outside the project holds: a team file that links to it must never show it."""
LONG = "L0ng-" * 40 + "\x1b[2Jcleared"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 10**30, -(10**30)]),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), -0.0, 1e308, 0.5]),
    st.sampled_from(["", "x" * 600, "a\x00b", "tab\there", "é", "swedencentrl", "127.0.0.0/8", "2026-02-30", LONG]),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.just([[[["deep"]]]]),
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _at(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def _mutate(doc, path, action, junk, key):
    if not path:
        return junk if action == "replace" else doc
    parent = _at(doc, path[:-1])
    last = path[-1]
    if action == "replace":
        parent[last] = junk
    elif action == "delete":
        del parent[last]
    elif action == "unknown-key" and isinstance(parent, dict):
        parent[key] = junk
    elif action == "non-string-key" and isinstance(parent, dict):
        parent[len(parent)] = junk
    return doc


@st.composite
def mutations(draw):
    files = [
        "Pulumi.prod.yaml",
        *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "teams" / "prod").glob("*.yaml")),
    ]
    target = draw(st.sampled_from(files))
    doc = yaml.safe_load((PROJECT_ROOT / target).read_text())
    base = doc["config"][ROOT_KEY] if target.startswith("Pulumi") else doc
    paths = list(_paths(base))
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "replace", "delete", "unknown-key", "non-string-key"]))
    junk = draw(JUNK)
    key = draw(st.sampled_from(["unknownKey", "Name", "models ", "x"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16", "alias", "symlink"]))
    return target, path, action, junk, key, encoding


def _write(root: Path, target: str, path, action, junk, key, encoding) -> None:
    file = root / target
    doc = yaml.safe_load(file.read_text())
    if target.startswith("Pulumi"):
        doc["config"][ROOT_KEY] = _mutate(doc["config"][ROOT_KEY], path, action, junk, key)
    else:
        doc = _mutate(doc, path, action, junk, key)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    if encoding == "symlink":
        # A pull request replaces a team file with a link to a file on the CI runner.
        outside = root.parent / f"{root.name}-outside.txt"
        outside.write_text(f"{SECRET}\n")
        link = file if not target.startswith("Pulumi") else next(iter(sorted((root / "teams" / "prod").glob("*.yaml"))))
        link.unlink()
        link.symlink_to(outside)
    elif encoding == "alias":
        text = "x: &x [" + ", ".join(["1"] * 9) + "]\n" + text if isinstance(doc, dict) else text
        file.write_text(text)
    elif encoding == "latin-1":
        file.write_bytes((text + "# café\n").encode("latin-1", errors="replace"))
    else:
        file.write_bytes(text.encode(encoding))


def _run(*args: str) -> tuple[int, str]:
    code, out, err = run_in_process(*args)
    return code, out + err


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases in every CI run; a longer run finds new ones
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutations())
def test_every_subcommand_keeps_the_exit_code_contract(tmp_path_factory, mutation):
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copy(PROJECT_ROOT / "Pulumi.prod.yaml", root / "Pulumi.prod.yaml")
    shutil.copy(PROJECT_ROOT / "Pulumi.dev.yaml", root / "Pulumi.dev.yaml")  # prod promotes from dev
    shutil.copytree(PROJECT_ROOT / "teams", root / "teams")
    _write(root, *mutation)
    config = str(root / "Pulumi.prod.yaml")
    codes = {}
    for command in (("plan", "--format", "json"), ("models",), ("diagram",), ("urns",)):
        code, text = _run(*command, "--stack", "prod", "--config-file", config)
        assert code in (0, 1), (command, mutation, text[-3000:])
        assert "Traceback" not in text, (command, mutation, text[-3000:])
        codes[command[0]] = code
        if code == 1:
            assert "error" in text, (command, mutation, text[-1000:])
            _assert_quotes_only_excerpts(text, mutation)
    assert len(set(codes.values())) == 1, (mutation, codes)


def _assert_quotes_only_excerpts(text: str, mutation) -> None:
    assert SECRET[:12] not in text, (mutation, text[-2000:])
    assert not CONTROL.search(text), (mutation, text[-2000:])
    junk = mutation[3]
    if isinstance(junk, str) and len(junk) > EXCERPT_CHARS:
        runs = {junk[i : i + EXCERPT_CHARS + 1] for i in range(len(junk) - EXCERPT_CHARS)}
        assert not any(run in text for run in runs), (mutation, text[-2000:])


@pytest.mark.parametrize("target", ["teams/prod/hr-copilot.yaml"])
def test_a_team_file_linked_outside_the_project_is_never_read(tmp_path, target):
    """The regression the fuzz case generalises: a team file that links to a credentials file."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.prod.yaml", root / "Pulumi.prod.yaml")
    shutil.copytree(PROJECT_ROOT / "teams", root / "teams")
    _write(root, target, (), "replace", None, "x", "symlink")
    for command in (("plan",), ("plan", "--format", "comment"), ("models",), ("diagram",), ("urns",)):
        code, text = _run(*command, "--stack", "prod", "--config-file", str(root / "Pulumi.prod.yaml"))
        assert code == 1, (command, text)
        assert f"{target} is a symbolic link (or under one) to a file outside the project" in text, text
        assert SECRET[:12] not in text and "outside.txt" not in text, text
