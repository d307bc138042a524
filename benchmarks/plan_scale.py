"""How the offline plan scales: 10, 100 and 1,000 model deployments.

For each size it measures, in a fresh process each time:
- plan:  ``make_plan`` on a generated stack file (config validation, catalog
         checks, topology, the real program with our components, under mocks);
- floor: the same Azure resources (resource group, accounts, chained
         deployments) registered directly with pulumi_azure_native under the
         same mocks: no config, no components.

Usage: python benchmarks/plan_scale.py [--sizes 10 100 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_ACCOUNT = 25
"""Deployments per account: under Azure's 32 standard deployments per account."""
DATE = "2026-11-21"
PRINCIPAL = "00000000-0000-0000-0000-0000000000be"


def shape(size: int) -> tuple[int, int]:
    """(accounts, deployments per account) for ``size`` deployments."""
    per_account = min(size, PER_ACCOUNT)
    return size // per_account, per_account


def landing_zone(size: int) -> dict:
    accounts, per_account = shape(size)
    return {
        "environment": "bench",
        "namePrefix": "bench",
        # No private endpoints or alerts: the floor registers accounts, deployments, role assignments and policy.
        "network": {"mode": "public"},
        "monitoring": {"enabled": False},
        # In shared tenancy every region holds one account with every deployment.
        "regions": [{"name": f"region{i:03d}", "role": "primary" if i == 0 else "secondary"} for i in range(accounts)],
        "teams": [
            {
                "name": "bench",
                "costCenter": "CC-0",
                "owners": ["bench@contoso.com"],
                "principals": [{"id": PRINCIPAL, "type": "Group"}],
                "models": [
                    {
                        "name": "gpt-4.1-mini",
                        "version": "2025-04-14",
                        "sku": "GlobalStandard",
                        "capacity": 1,
                        "deploymentName": f"bench-d{j:02d}",
                    }
                    for j in range(per_account)
                ],
            }
        ],
    }


def run_plan(size: int) -> int:
    import datetime as dt

    import yaml

    from infra.plan import make_plan

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Pulumi.bench.yaml"
        path.write_text(yaml.safe_dump({"config": {"ai-landing-zone:landingZone": landing_zone(size)}}))
        plan = make_plan("bench", dt.date.fromisoformat(DATE), path)
    assert plan.ok, plan.diagnostics
    return sum(r.type.endswith(":Deployment") for r in plan.resources)


def run_floor(size: int) -> int:
    import datetime as dt

    import pulumi
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await
    from pulumi_azure_native import authorization, cognitiveservices, resources

    from components.guardrails import BUILT_IN, allowed_models_rule
    from infra import mocks
    from infra.catalog import load
    from infra.operations import approved_models
    from infra.plan import fewer_gc_passes

    approved = {k: list(v) for k, v in approved_models(load(), dt.date.fromisoformat(DATE)).items()}

    accounts, per_account = shape(size)

    def program():
        rg = resources.ResourceGroup("platform", resource_group_name="rg-bench", location="region000")
        definition = authorization.PolicyDefinition(
            "approved-models",
            policy_definition_name="alz-bench-approved-models",
            policy_type="Custom",
            mode="All",
            policy_rule=allowed_models_rule(approved),
            parameters={"effect": {"type": "String"}},
        )
        for key, definition_id in [
            *((k, f"/providers/Microsoft.Authorization/policyDefinitions/{g}") for k, (g, _) in BUILT_IN.items()),
            ("approved-models", definition.id),
        ]:
            authorization.PolicyAssignment(
                f"policy-{key}",
                policy_assignment_name=f"alz-{key}",
                scope=rg.id,
                policy_definition_id=definition_id,
                parameters={"effect": {"value": "Audit"}},
            )
        for i in range(accounts):
            account = cognitiveservices.Account(
                f"acct{i}",
                account_name=f"oai-bench-{i}",
                resource_group_name=rg.name,
                location=f"region{i:03d}",
                kind="OpenAI",
                sku=cognitiveservices.SkuArgs(name="S0"),
                identity=cognitiveservices.IdentityArgs(type="SystemAssigned"),
                properties=cognitiveservices.AccountPropertiesArgs(
                    custom_sub_domain_name=f"oai-bench-{i}",
                    disable_local_auth=True,
                    public_network_access="Disabled",
                    network_acls=cognitiveservices.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
                ),
            )
            authorization.RoleAssignment(
                f"acct{i}-access",
                scope=account.id,
                principal_id=PRINCIPAL,
                principal_type="Group",
                role_definition_id=account.id.apply(
                    lambda s: (
                        f"/subscriptions/{s.split('/')[2]}/providers/"
                        "Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
                    )
                ),
                role_assignment_name=account.id.apply(lambda s: str(uuid.uuid5(uuid.NAMESPACE_URL, s))),
            )
            previous = None
            for j in range(per_account):
                previous = cognitiveservices.Deployment(
                    f"acct{i}-d{j}",
                    account_name=account.name,
                    resource_group_name=rg.name,
                    deployment_name=f"bench-d{j:02d}",
                    sku=cognitiveservices.SkuArgs(name="GlobalStandard", capacity=1),
                    properties=cognitiveservices.DeploymentPropertiesArgs(
                        model=cognitiveservices.DeploymentModelArgs(
                            format="OpenAI", name="gpt-4.1-mini", version="2025-04-14"
                        ),
                        version_upgrade_option="OnceCurrentVersionExpired",
                        rai_policy_name="Microsoft.DefaultV2",
                    ),
                    opts=pulumi.ResourceOptions(depends_on=[previous] if previous else None),
                )

    monitor = mocks.install("ai-landing-zone", "bench")
    with fewer_gc_passes():  # the plan's runtime setting, so the ratio measures only our code
        _sync_await(run_pulumi_func(program))
    return sum(r.type.endswith(":Deployment") for r in monitor.recorded)


def one(kind: str, size: int) -> None:
    """Child process: import everything first, then time only the work."""
    from pulumi_azure_native import authorization, cognitiveservices, resources

    import infra.catalog
    import infra.plan  # noqa: F401

    # Imports are not what we measure: azure-native loads modules on first attribute access.
    _ = authorization.RoleAssignment, cognitiveservices.Account, cognitiveservices.Deployment, resources.ResourceGroup
    infra.catalog.load()

    start = time.perf_counter()
    count = (run_plan if kind == "plan" else run_floor)(size)
    wall = time.perf_counter() - start
    assert count == size, (kind, size, count)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "rss_mib": rss_mib}))


def measure(kind: str, size: int, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind, str(size)], capture_output=True, text=True, check=True
        ).stdout
        runs.append(json.loads(out))
    return {"wall": statistics.median(r["wall"] for r in runs), "rss_mib": max(r["rss_mib"] for r in runs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]))
        return

    print(f"median of {args.repeat} runs, each in a fresh process; peak RSS includes the interpreter and imports\n")
    print(
        "| deployments | accounts | plan (s) | floor (s) | plan / floor | plan ms per deployment"
        " | plan peak RSS (MiB) | floor peak RSS (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        plan, floor = measure("plan", size, args.repeat), measure("floor", size, args.repeat)
        print(
            f"| {size} | {shape(size)[0]} | {plan['wall']:.2f} | {floor['wall']:.2f} | "
            f"{plan['wall'] / floor['wall']:.2f}x | {1000 * plan['wall'] / size:.1f} | "
            f"{plan['rss_mib']:.0f} | {floor['rss_mib']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
