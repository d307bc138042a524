"""How the offline plan scales, against two baselines: 10, 100 and 1,000 model deployments, and each stack.

For each subject it measures, in a fresh process each time, after every module and SDK class is imported:
- plan:   what ``python -m infra plan`` does: ``make_plan`` (config, catalog checks, topology, the real
          program with our components, under the plan's mocks) and the text rendering;
- replay: the very resource graph that plan registered (same resources, classes, inputs, parents and
          dependencies) registered straight through the SDK under trivial mocks (``benchmarks/replay.py``);
- floor:  (generated sizes only) the same Azure resources written by hand against pulumi_azure_native:
          no config, no components.

Usage: python benchmarks/plan_scale.py [--sizes 10 100 1000] [--stacks dev prod] [--repeat 3]
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


def region(i: int) -> str:
    """A real region name (the config checks them): 1,000 deployments take 40 of the 55."""
    from infra.regions import azure_regions

    return sorted(azure_regions())[i]


def landing_zone(size: int) -> dict:
    accounts, per_account = shape(size)
    return {
        "environment": "bench",
        "namePrefix": "bench",
        # No private endpoints or alerts: the floor registers accounts, deployments, role assignments and policy.
        "network": {"mode": "public"},
        "monitoring": {"enabled": False},
        # In shared tenancy every region holds one account with every deployment.
        "regions": [{"name": region(i), "role": "primary" if i == 0 else "secondary"} for i in range(accounts)],
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


def write_stack(subject: str, folder: Path) -> tuple[str, Path | None]:
    """(stack name, stack file): a generated stack for a size, or the repo's own stack file."""
    if not subject.isdigit():
        return subject, None
    import yaml

    path = folder / "Pulumi.bench.yaml"
    path.write_text(yaml.safe_dump({"config": {"ai-landing-zone:landingZone": landing_zone(int(subject))}}))
    return "bench", path


def run_plan(stack: str, path: Path | None):
    import datetime as dt

    from infra import render
    from infra.plan import make_plan

    plan = make_plan(stack, dt.date.fromisoformat(DATE), path)
    assert plan.ok, plan.diagnostics
    render.text(plan)
    return plan


def graph_of(subject: str) -> dict:
    """The plan's registered graph, as its JSON contract (what the replay registers again)."""
    from infra.plan import to_json

    with tempfile.TemporaryDirectory() as tmp:
        return json.loads(to_json(run_plan(*write_stack(subject, Path(tmp)))))


def run_replay(graph: dict) -> int:
    import pulumi
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from benchmarks.replay import TrivialMocks, replay
    from infra.plan import fewer_gc_passes

    pulumi.runtime.set_mocks(TrivialMocks(), "ai-landing-zone", "bench", preview=False)
    with fewer_gc_passes():  # the plan's runtime setting, so the ratio measures only our code
        _sync_await(run_pulumi_func(lambda: replay(graph)))
    return len(graph["resources"])


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
        rg = resources.ResourceGroup("platform", resource_group_name="rg-bench", location=region(0))
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
                location=region(i),
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


def one(kind: str, subject: str, graph_file: str) -> None:
    """Child process: import everything first (the plan's and the replay's SDK classes alike), then time
    only the work."""
    import infra.catalog
    import infra.plan
    import infra.render  # noqa: F401
    from benchmarks.replay import load_classes

    graph = json.loads(Path(graph_file).read_text())
    load_classes(graph)  # azure-native loads its modules on first use: not what we measure
    infra.catalog.load()
    with tempfile.TemporaryDirectory() as tmp:
        stack, path = write_stack(subject, Path(tmp))
        start = time.perf_counter()
        if kind == "plan":
            count = len(run_plan(stack, path).resources)
        elif kind == "replay":
            count = run_replay(graph)
        else:
            count = run_floor(int(subject))
        wall = time.perf_counter() - start
    expected = len(graph["resources"]) if kind != "floor" else int(subject)
    assert count == expected, (kind, subject, count, expected)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "rss_mib": rss_mib}))


def measure(kinds: list[str], subject: str, graph_file: Path, repeat: int) -> dict[str, dict]:
    """Runs interleaved (plan, replay, floor, plan, ...): the machine's drift hits every kind alike."""
    runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(repeat):
        for kind in kinds:
            out = subprocess.run(
                [sys.executable, __file__, "--one", kind, subject, str(graph_file)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            runs[kind].append(json.loads(out))
    return {
        kind: {"wall": statistics.median(r["wall"] for r in rs), "rss_mib": max(r["rss_mib"] for r in rs)}
        for kind, rs in runs.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000])
    ap.add_argument("--stacks", nargs="*", default=["dev", "prod"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", nargs=3, metavar=("KIND", "SUBJECT", "GRAPH"), help=argparse.SUPPRESS)
    ap.add_argument("--graph", nargs=2, metavar=("SUBJECT", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(*args.one)
        return
    if args.graph:
        Path(args.graph[1]).write_text(json.dumps(graph_of(args.graph[0])))
        return

    print(
        f"median of {args.repeat} runs, each in a fresh process, the kinds interleaved;"
        " peak RSS includes the interpreter and imports\n"
    )
    print(
        "| subject | resources | plan (s) | replay (s) | plan / replay | floor (s) | plan / floor"
        " | plan ms per resource | plan peak RSS (MiB) | replay peak RSS (MiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for subject in [*map(str, args.sizes), *args.stacks]:
            graph_file = Path(tmp) / f"{subject}.json"
            subprocess.run([sys.executable, __file__, "--graph", subject, str(graph_file)], check=True)
            count = len(json.loads(graph_file.read_text())["resources"])
            kinds = ["plan", "replay", "floor"] if subject.isdigit() else ["plan", "replay"]
            walls = measure(kinds, subject, graph_file, args.repeat)
            plan, replayed, floor = walls["plan"], walls["replay"], walls.get("floor")
            n = shape(int(subject))[0] if subject.isdigit() else 0
            label = f"{subject} deployments ({n} account{'s' if n != 1 else ''})" if subject.isdigit() else subject
            print(
                f"| {label} | {count} | {plan['wall']:.2f} | {replayed['wall']:.2f} | "
                f"{plan['wall'] / replayed['wall']:.2f}x | "
                + (f"{floor['wall']:.2f} | {plan['wall'] / floor['wall']:.2f}x | " if floor else "– | – | ")
                + f"{1000 * plan['wall'] / count:.1f} | {plan['rss_mib']:.0f} | {replayed['rss_mib']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
