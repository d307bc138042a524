"""Shared test helpers: run Pulumi code under the project's mocks and wait for it."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra import azure_types, mocks
from infra.config import TEAM_FILES_DIR_ENV
from infra.mocks import RecordedResource
from infra.plan import PROJECT_ROOT, make_plan

PLAN_DATE = dt.date(2026, 11, 21)
"""Tests plan as of a fixed date so that a model retiring later does not turn them red."""

# Type tokens, from the registry (tests/plan/test_azure_types.py checks each against the azure-native SDK).
ACCOUNT = azure_types.ACCOUNT.token
DEPLOYMENT = azure_types.DEPLOYMENT.token
RAI_POLICY = azure_types.RAI_POLICY.token
RESOURCE_GROUP = azure_types.RESOURCE_GROUP.token
ROLE_ASSIGNMENT = azure_types.ROLE_ASSIGNMENT.token


def cli(*args: str, team_files_dir: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m infra ...`` in a fresh process from the project root, as a user runs it.

    ``team_files_dir``: where ``teamFiles`` are read (a project copy in ``tmp_path``), as a user sets it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", TEAM_FILES_DIR_ENV)}
    if team_files_dir is not None:
        env[TEAM_FILES_DIR_ENV] = str(team_files_dir)
    return subprocess.run(
        [sys.executable, "-m", "infra", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@contextlib.contextmanager
def team_files_in(folder: Path) -> Iterator[None]:
    """Read ``teamFiles`` from ``folder`` (a project copy), as ``AI_LANDING_ZONE_TEAM_FILES_DIR`` does."""
    previous = os.environ.get(TEAM_FILES_DIR_ENV)
    os.environ[TEAM_FILES_DIR_ENV] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            del os.environ[TEAM_FILES_DIR_ENV]
        else:
            os.environ[TEAM_FILES_DIR_ENV] = previous


def run_in_process(*args: str) -> tuple[int, str, str]:
    """``python -m infra ...`` in this process, so a traceback anywhere fails the test; dated ``PLAN_DATE``.

    A ``--config-file`` here is a project copy: its team files are beside it (``AI_LANDING_ZONE_TEAM_FILES_DIR``,
    as a user planning a copy sets it)."""
    folder = Path(args[args.index("--config-file") + 1]).parent if "--config-file" in args else PROJECT_ROOT
    with team_files_in(folder):
        return main_in_process(*([*args, "--date", PLAN_DATE.isoformat()] if args[0] != "schema" else args))


def main_in_process(*args: str) -> tuple[int, str, str]:
    """``python -m infra ...`` in this process, exactly as given: exit code, stdout and stderr."""
    from infra.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def register(fn: Callable[[], Any], stack: str = "test") -> list[RecordedResource]:
    """Run ``fn`` under fresh mocks and wait for every registration (and apply) to finish."""
    monitor = mocks.install("ai-landing-zone", stack)
    _sync_await(run_pulumi_func(fn))
    return monitor.recorded


def of_type(resources: list[RecordedResource], type_: str) -> list[RecordedResource]:
    return [r for r in resources if r.type == type_]


def by_name(resources: list[RecordedResource]) -> dict[str, RecordedResource]:
    return {r.name: r for r in resources}


def example_plan(stack: str, **kwargs: Any):
    """The plan of ``examples/<stack>/Pulumi.<stack>.yaml``, which must be valid."""
    plan = make_plan(stack, PLAN_DATE, PROJECT_ROOT / "examples" / stack / f"Pulumi.{stack}.yaml", **kwargs)
    assert plan.ok, plan.diagnostics
    return plan


def stack_landing_zone(stack: str) -> dict:
    """A deep copy of ``landingZone`` from ``Pulumi.<stack>.yaml``, for tests to vary."""
    doc = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())
    return copy.deepcopy(doc["config"]["ai-landing-zone:landingZone"])


def write_stack(tmp_path: Path, landing_zone: Any, name: str = "Pulumi.test.yaml", extra: dict | None = None) -> Path:
    path = tmp_path / name
    config = {"azure-native:location": "swedencentral", "ai-landing-zone:landingZone": landing_zone, **(extra or {})}
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return path


def team(name: str, principal: str = "00000000-0000-0000-0000-00000000000a", **overrides: Any) -> dict:
    """A valid team with one model; ``overrides`` replace its keys."""
    return {
        "name": name,
        "costCenter": "CC-1",
        "owners": [f"{name}@contoso.com"],
        "principals": [{"id": principal, "type": "Group"}],
        "models": [{"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10}],
        "budget": {"monthly": 100, "contacts": [f"{name}@contoso.com"]},
        **overrides,
    }


def minimal_landing_zone(**overrides: Any) -> dict:
    lz = {
        "environment": "dev",
        "namePrefix": "contoso",
        "regions": [{"name": "swedencentral", "role": "primary"}],
        "teams": [team("team-a")],
    }
    lz.update(overrides)
    if "network" not in overrides:
        lz["network"] = private_network([r["name"] for r in lz["regions"]])
    return lz


def private_network(regions: list[str], dns: dict | None = None) -> dict:
    """Private mode with a VNet per region: 10.<i>.0.0/24, endpoints in the first /27."""
    return {
        "mode": "private",
        "regions": {
            r: {"vnet": {"addressSpace": f"10.{i}.0.0/24", "privateEndpointSubnet": f"10.{i}.0.0/27"}}
            for i, r in enumerate(regions)
        },
        **({"privateDns": dns} if dns else {}),
    }


def prod_copy(tmp_path: Path, extra_teams: int = 0) -> Path:
    """``Pulumi.prod.yaml`` and its team files in ``tmp_path`` (for ``--config-file``), with ``extra_teams``
    generated teams added inline: a mix of shared and dedicated, default and strict content filters."""
    import shutil

    shutil.copytree(PROJECT_ROOT / "teams", tmp_path / "teams", dirs_exist_ok=True)
    shutil.copy(PROJECT_ROOT / "Pulumi.dev.yaml", tmp_path / "Pulumi.dev.yaml")  # prod promotes from dev
    doc = yaml.safe_load((PROJECT_ROOT / "Pulumi.prod.yaml").read_text())
    lz = doc["config"]["ai-landing-zone:landingZone"]
    for i in range(extra_teams):
        name = f"team-{i:02d}"
        lz["teams"].append(
            {
                **team(name, f"00000000-0000-4000-8000-{i:012d}"),
                "callerAppIds": [f"10000000-0000-4000-8000-{i:012d}"],
                "contentFilter": "strict" if i % 3 == 0 else "default",
                "isolation": "dedicated" if i % 4 == 0 else "shared",
                "models": [
                    {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "DataZoneStandard", "capacity": 20},
                    {"name": "text-embedding-3-small", "version": "1", "sku": "DataZoneStandard", "capacity": 10},
                ],
                "budget": {"monthly": 500 + 100 * i, "contacts": [f"{name}@contoso.com"]},
            }
        )
    lz["quotas"] = []  # generated capacity is not the subscription's problem here
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


MODELS = [
    {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10},
    {"name": "text-embedding-3-small", "version": "1", "sku": "GlobalStandard", "capacity": 10},
    {"name": "gpt-4.1", "version": "2025-04-14", "sku": "GlobalStandard", "capacity": 10},
]
"""Three valid standard requests, for tests that need more than one deployment per account."""


def plan_for(tmp_path: Path, **lz: Any):
    """The plan of ``minimal_landing_zone(**lz)``, which must be valid."""
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, minimal_landing_zone(**lz)))
    assert plan.ok, plan.diagnostics
    return plan
