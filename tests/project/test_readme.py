"""The README's two commands are the ones that work: CI runs the test command verbatim.

The docs' other commands, links and length: tests/project/test_docs.py."""

from __future__ import annotations

import re

from infra.plan import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
SH_BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)


def test_readme_has_the_two_fresh_clone_commands():
    first_two = [block.strip() for block in SH_BLOCKS[:2]]
    assert first_two[0].endswith(".venv/bin/python -m infra plan --stack dev")
    assert first_two[0].startswith("python3 -m venv .venv && ")
    assert first_two[1].endswith(".venv/bin/python -m pytest")
    assert first_two[1].startswith("python3 -m venv .venv && ")


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert SH_BLOCKS[1].strip() in ci.splitlines()


def test_requirements_files_exist_and_pin_versions():
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = [ln for ln in (PROJECT_ROOT / name).read_text().splitlines() if ln and not ln.startswith("#")]
        assert all("==" in ln or ln.startswith("-r ") for ln in lines), name
