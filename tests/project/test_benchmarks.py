"""The benchmarks' generated stacks still plan, so that a config change cannot rot them unnoticed.

Small sizes of the very generator ``benchmarks/teams_scale.py`` measures; no timing here (docs/contributing.md,
"Benchmarks", holds the numbers the benchmark measured).
"""

from __future__ import annotations

from collections import Counter

from benchmarks.teams_scale import SUBSCRIPTION_IDS, config, plan_subject, write_subject
from infra import azure_types


def _plan(subject: str, tmp_path):
    plan = plan_subject(subject, write_subject(subject, tmp_path))
    assert plan.ok, plan.diagnostics
    assert [d.rule for d in plan.diagnostics if d.severity == "warning"] == []
    return plan


def _accounts(plan) -> list[dict]:
    return [r.inputs for r in plan.resources if r.type == azure_types.ACCOUNT.token]


def test_shared_subject_spreads_one_profile_over_shards(tmp_path):
    """15 teams of two models on one governance profile are 30 deployments per region: more than
    ``placement.maxDeploymentsPerAccount`` (28), so placement opens a second shard, an account per region each."""
    plan = _plan("shared-15", tmp_path)
    kinds = Counter(r.type for r in plan.resources)
    assert kinds[azure_types.DEPLOYMENT.token] == 15 * 2 * 2
    assert sorted(a["accountName"] for a in _accounts(plan)) == [
        "oai-contoso-prod-shared-default-general-02-francecentral",
        "oai-contoso-prod-shared-default-general-02-swedencentral",
        "oai-contoso-prod-shared-default-general-francecentral",
        "oai-contoso-prod-shared-default-general-swedencentral",
    ]
    assert kinds[azure_types.BUDGET.token] == 15 + 1  # a budget per team, and the environment's
    assert kinds[azure_types.VIRTUAL_NETWORK.token] == 2
    assert kinds[azure_types.API_MANAGEMENT.token] == 1


def test_distributed_subject_plans_over_subscriptions(tmp_path):
    """Distributed tenancy over ``placement.subscriptions``: the one 6 teams need and one more, the first the
    stack's own; an account per team per region."""
    cfg = config("distributed-6")
    assert cfg["ai-landing-zone:landingZone"]["placement"]["subscriptions"] == SUBSCRIPTION_IDS[:2]
    assert cfg["azure-native:subscriptionId"] == SUBSCRIPTION_IDS[0]
    plan = _plan("distributed-6", tmp_path)
    assert len(_accounts(plan)) == 6 * 2
