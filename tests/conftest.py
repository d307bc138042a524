"""Shared fixtures: the repo's stacks planned once per session, and one way to read diagnostics.

Plans are made under mocks in this process; tests treat them as read-only (copy before changing anything).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.plan import Plan, make_plan
from infra.topology import decide
from tests.helpers import PLAN_DATE


@pytest.fixture(scope="session")
def dev() -> Plan:
    plan = make_plan("dev", PLAN_DATE)
    assert plan.ok, plan.diagnostics
    return plan


@pytest.fixture(scope="session")
def prod() -> Plan:
    plan = make_plan("prod", PLAN_DATE)
    assert plan.ok, plan.diagnostics
    return plan


@pytest.fixture(scope="session")
def plans(dev: Plan, prod: Plan) -> dict[str, Plan]:
    return {"dev": dev, "prod": prod}


def diagnostics_of(raw: Any, base_dir: Path | None = None, subscription_id: str | None = None, today=PLAN_DATE):
    """Every diagnostic of a ``landingZone`` object: shape, every slice's rules, and the catalog."""
    kwargs = {"base_dir": base_dir} if base_dir is not None else {}
    _, diags = decide(raw, today, subscription_id=subscription_id, **kwargs)
    return diags


def errors_of(raw: Any, **kwargs) -> dict[str, str]:
    """YAML path -> message, errors only (the last one at a path wins)."""
    return {d.path: d.message for d in diagnostics_of(raw, **kwargs) if d.severity == "error"}
