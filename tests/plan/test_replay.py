"""The benchmark's replay registers the very graph the plan registered, or its ratio would mean nothing."""

from __future__ import annotations

import json

import pytest

from benchmarks.replay import replay
from infra.plan import _plain, in_dependency_order, to_json
from tests.helpers import register


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_replay_registers_the_plans_graph(plans, stack):
    graph = json.loads(to_json(plans[stack]))
    replayed = [r.contract() for r in in_dependency_order(register(lambda: replay(graph), stack=stack))]
    assert len(replayed) == len(graph["resources"]) > 50
    for mine, theirs in zip(replayed, graph["resources"], strict=True):
        assert mine["urn"] == theirs["urn"] and mine["parent"] == theirs["parent"]
        assert mine["dependsOn"] == theirs["dependsOn"], mine["urn"]
        assert json.loads(json.dumps(_plain(mine["inputs"]))) == theirs["inputs"], mine["urn"]
