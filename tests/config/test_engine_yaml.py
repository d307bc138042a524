"""The plan reads stack files as the Pulumi CLI does: measured against gopkg.in/yaml.v2 itself.

The CLI decodes stack files with yaml.v2 (pulumi/pulumi sdk/go/common/encoding/marshal.go imports
``gopkg.in/yaml.v2``; sdk/go.mod pins v2.4.0, Debian ships 2.4.0) and sends object config to the program as
JSON. ``tools/yaml-v2`` runs that chain; these tests run it on a corpus of scalars and on every stack and
team file, and compare with ``infra.engine_yaml``. They need Go (``apt-get install golang-go
golang-gopkg-yaml.v2-dev``; ``.ci/run`` installs both) and are skipped without it, unless ``CI`` is set.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.diagnostics import parse_config_text
from infra.plan import PROJECT_ROOT, make_plan
from tests.helpers import PLAN_DATE, prod_copy, team_files_in

GOPATH = "/usr/share/gocode"  # where Debian's golang-gopkg-yaml.v2-dev puts the library


@pytest.fixture(scope="module")
def yaml_v2(tmp_path_factory) -> Path:
    if not shutil.which("go") or not Path(GOPATH, "src/gopkg.in/yaml.v2").is_dir():
        why = "needs Go and gopkg.in/yaml.v2 (apt-get install golang-go golang-gopkg-yaml.v2-dev)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must install them: {why}", pytrace=False)
        pytest.skip(why)
    binary = tmp_path_factory.mktemp("go") / "yaml-v2"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": GOPATH, "GOCACHE": str(binary.parent / "cache")}
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=PROJECT_ROOT / "tools" / "yaml-v2", env=env, check=True)
    return binary


def engine_reads(binary: Path, scalars: list[str]) -> list:
    out = subprocess.run(
        [str(binary), "scalars"], input="\n".join(scalars) + "\n", capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [line if line in ("ERROR", "JSONERR") else json.loads(line)["v"] for line in out]


def plan_reads(scalar: str):
    doc, problems = parse_config_text(f"v: {scalar}\n", "corpus")
    if problems:
        return "ERROR"
    value = doc["v"]
    if isinstance(value, float) and not math.isfinite(value):
        return "JSONERR"  # Go's encoding/json refuses NaN and infinities; the CLI would fail on them
    return value


CHOSEN = [
    *"yes no on off y n Y N true True TRUE false Off ~ null Null NULL".split(),
    "2024-08-06",
    "2024-8-6",
    "2024-08-06T10:00:00Z",
    "2001-12-14 21:59:43.10 -5",
    "2024-13-45",
    "017",
    "0o17",
    "0O17",
    "0x1A",
    "0X1a",
    "0b101",
    "-0b101",
    "1_000",
    "1__0",
    "_1",
    "1_",
    "1:20",
    "190:20:30",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "1e3",
    "1E3",
    "1.5e3",
    "1.5e+3",
    "+12",
    "-12",
    "1.",
    ".5",
    ".",
    "-.5",
    "12345678901234567890",
    "18446744073709551616",
    "-9223372036854775809",
    "0.1",
    "-0",
    "00",
    "08",
    "09",
    "0.0",
    "1.0",
    "100.0",
    "1e21",
    "1e22",
    "0x",
    "0o",
    "0b",
    "0b2",
    "0o8",
    "=",
    "<<",
    "2025-04-14",
    "0613",
    "1106-Preview",
    "v1",
    "4.1",
    "4.10",
]


def corpus() -> list[str]:
    """The chosen cases, and every plain scalar up to 3 characters over the characters where the two YAML
    dialects part ways (about 12,000)."""
    alphabet = "0189._+-:eEoxbyn"
    generated = ("".join(p) for n in (1, 2, 3) for p in itertools.product(alphabet, repeat=n))
    return [*CHOSEN, *generated]


def test_every_scalar_reads_as_the_engine_reads_it(yaml_v2):
    scalars = corpus()
    theirs = engine_reads(yaml_v2, scalars)
    differ = [
        (s, ours, engine)
        for s, engine in zip(scalars, theirs, strict=True)
        if (ours := plan_reads(s)) != engine or type(ours) is not type(engine)
    ]
    assert differ == [], differ[:20]


def test_every_stack_and_team_file_reads_as_the_engine_reads_it(yaml_v2):
    files = sorted([*PROJECT_ROOT.glob("Pulumi*.yaml"), *PROJECT_ROOT.glob("teams/**/*.yaml")])
    assert len(files) >= 8
    out = subprocess.run([str(yaml_v2), *map(str, files)], capture_output=True, text=True, check=True).stdout
    for path, line in zip(files, out.splitlines(), strict=True):
        doc, problems = parse_config_text(path.read_text(), path.name)
        assert problems == [] and json.loads(json.dumps(doc)) == json.loads(line), path


def test_an_unquoted_date_plans_as_the_string_the_engine_sends(tmp_path):
    """``version: 2024-11-20`` unquoted: PyYAML makes it a date, the CLI a string. The plan now takes it as
    the program will get it, rather than refusing what ``pulumi preview`` accepts."""
    config = prod_copy(tmp_path)
    team_file = tmp_path / "teams" / "prod" / "hr-copilot.yaml"
    text = team_file.read_text()
    assert 'version: "2025-04-14"' in text
    team_file.write_text(text.replace('version: "2025-04-14"', "version: 2025-04-14"))
    with team_files_in(tmp_path):
        plan = make_plan("prod", PLAN_DATE, config)
    assert plan.ok, plan.diagnostics
