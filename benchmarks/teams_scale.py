"""How the offline plan scales with teams: prod-like stacks of 50, 100 and 200 teams, and a distributed one.

Subjects (generated, planned with ``--config-file`` like a copy of the project):
- ``shared-N``: a prod-like stack in shared tenancy with N teams, each with two standard models in two regions,
  all on one governance profile, so that placement spreads them over shards of at most
  ``placement.maxDeploymentsPerAccount`` (28) deployments; with the gateway, monitoring, a budget per team and
  private networking over VNets the stack creates. The placement lock file is written first
  (``python -m infra place``), as a real stack of that size has one.
- ``distributed-N``: the same N teams in distributed tenancy (accounts of their own) over
  ``placement.subscriptions``: as many subscriptions as they need (a subscription holds at most 30 OpenAI accounts
  per region) and one more, the first the stack's own ``azure-native:subscriptionId``; 5 for 120 teams.
Both take prod's settings (``Pulumi.prod.yaml``) but its teams, quotas and hub network.

For each subject it measures, in a fresh process each time, after every module and SDK class is imported, what
``python -m infra plan`` does (``make_plan`` and the text rendering): wall time (median of interleaved runs), the
process's peak RSS (``ru_maxrss``, interpreter and imports included) and the resources registered.

Usage: python benchmarks/teams_scale.py [--shared 50 100 200] [--distributed 120] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from benchmarks.plan_scale import DATE, run_plan  # noqa: E402
from infra.cli import main as infra_main  # noqa: E402
from tests.helpers import stack_landing_zone, team_files_in  # noqa: E402
from tests.helpers import team as valid_team  # noqa: E402

SUBSCRIPTION_IDS = [f"{c * 8}-{c * 4}-4{c * 3}-8{c * 3}-{c * 12}" for c in "123456789"]
"""Subscription IDs (GUIDs); the first is the stack's own (``azure-native:subscriptionId``)."""
MODELS = (
    {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "DataZoneStandard", "capacity": 20},
    {"name": "text-embedding-3-small", "version": "1", "sku": "DataZoneStandard", "capacity": 10},
)
"""Two standard requests per team, as prod's contoso-chat makes (prod's regions are both in the EU data zone)."""


def team(i: int) -> dict:
    """A team of the one governance profile (default content filter, general data), called through the gateway
    by its own app, with a budget."""
    name = f"app-{i:03d}"
    return valid_team(
        name,
        f"00000000-0000-4000-8000-{i:012d}",
        callerAppIds=[f"10000000-0000-4000-8000-{i:012d}"],
        models=[dict(m) for m in MODELS],
        budget={"monthly": 500 + 10 * i, "contacts": [f"{name}@contoso.com"]},
    )


def landing_zone(teams: int, tenancy: str) -> dict:
    """Prod's landing zone (Pulumi.prod.yaml: gateway, monitoring, budgets, content filters, tags) with generated
    teams, and VNets the stack creates (dev's way) instead of prod's hub subnets."""
    lz = stack_landing_zone("prod")
    regions = [r["name"] for r in lz["regions"]]
    lz["network"] = {
        "mode": "private",
        "regions": {
            region: {
                "vnet": {
                    # a /24 for private endpoints: one per account, and shards open accounts as teams come
                    "addressSpace": f"10.{30 + i}.0.0/22",
                    "privateEndpointSubnet": f"10.{30 + i}.0.0/24",
                    **({"gatewaySubnet": f"10.{30 + i}.1.0/27"} if i == 0 else {}),
                }
            }
            for i, region in enumerate(regions)
        },
        "privateDns": {"mode": "create"},
    }
    lz["tenancy"] = tenancy
    lz["teams"] = [team(i) for i in range(teams)]
    lz["budgets"]["environment"]["monthly"] = 1000 * teams
    del lz["teamFiles"]  # the generated teams only
    del lz["quotas"]  # prod's quotas are for its own four teams
    lz.pop("promotesFrom", None)  # a generated stack has no dev stack beside it to promote from
    return lz


def subscriptions(teams: int) -> list[str]:
    """What ``teams`` teams of distributed tenancy need (an account per team per region, and at most 30 OpenAI
    accounts per region per subscription), and one more: 5 for 120 teams, 2 for 6."""
    from infra.account_limits import PER_REGION

    return SUBSCRIPTION_IDS[: -(-teams // PER_REGION["OpenAI"].count) + 1]


def config(subject: str) -> dict:
    """The stack file's config for ``shared-N`` or ``distributed-N``."""
    kind, _, size = subject.partition("-")
    lz = landing_zone(int(size), kind)
    values = {"azure-native:location": lz["regions"][0]["name"], "azure-native:subscriptionId": SUBSCRIPTION_IDS[0]}
    if kind == "distributed":
        lz["placement"] = {"subscriptions": subscriptions(int(size))}
    elif kind != "shared":
        raise ValueError(f"subject {subject}: shared-N or distributed-N")
    return {**values, "ai-landing-zone:landingZone": lz}


def stack_name(subject: str) -> str:
    return f"bench-{subject}"


def write_subject(subject: str, folder: Path) -> Path:
    """``Pulumi.bench-<subject>.yaml`` in ``folder``, and beside it the placement lock file ``python -m infra
    place`` writes for it (shards, subscriptions), as a stack of that size has. Returns the stack file."""
    path = folder / f"Pulumi.{stack_name(subject)}.yaml"
    path.write_text(yaml.safe_dump({"config": config(subject)}, sort_keys=False))
    out = io.StringIO()
    with team_files_in(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = infra_main(["place", "--stack", stack_name(subject), "--config-file", str(path), "--date", DATE])
    if code != 0:
        raise SystemExit(f"{subject}: python -m infra place exited {code}:\n{out.getvalue()}")
    return path


def plan_subject(subject: str, path: Path):
    """The subject's plan, which must have no error (``run_plan`` asserts it)."""
    with team_files_in(path.parent):
        return run_plan(stack_name(subject), path)


def load_sdk_classes() -> None:
    """Import every azure-native module the landing zone declares types of (it loads them lazily, on first use):
    not what we measure."""
    from infra import azure_types

    for value in vars(azure_types).values():
        if isinstance(value, azure_types.AzureType):
            _, module, name = value.token.split(":")
            if "/" not in module:  # a versioned token is a class of our own (components/foundry_project.py)
                getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def counts(plan) -> dict[str, int]:
    """Resources registered, and the accounts and model deployments among them."""
    from infra import azure_types

    types = [r.type for r in plan.resources]
    return {
        "resources": len(types),
        "accounts": types.count(azure_types.ACCOUNT.token),
        "deployments": types.count(azure_types.DEPLOYMENT.token),
    }


def one(subject: str, path: str) -> None:
    """Child process: import everything first, then time only the plan."""
    import infra.catalog
    import infra.plan
    import infra.render  # noqa: F401

    load_sdk_classes()
    infra.catalog.load()
    imported = peak_rss_mib()
    start = time.perf_counter()
    plan = plan_subject(subject, Path(path))
    wall = time.perf_counter() - start
    peak = peak_rss_mib()
    warnings = sorted({d.rule for d in plan.diagnostics if d.severity == "warning"})
    print(
        json.dumps({"wall": wall, "rss_mib": peak, "plan_mib": peak - imported, **counts(plan), "warnings": warnings})
    )


def measure(subjects: dict[str, Path], repeat: int) -> dict[str, dict]:
    """Runs interleaved (50, 100, 200, distributed, 50, ...): the machine's drift hits every subject alike."""
    runs: dict[str, list[dict]] = {s: [] for s in subjects}
    for _ in range(repeat):
        for subject, path in subjects.items():
            out = subprocess.run(
                [sys.executable, __file__, "--one", subject, str(path)], stdout=subprocess.PIPE, text=True, check=True
            ).stdout
            runs[subject].append(json.loads(out))
    return {
        s: {
            **rs[0],
            "wall": statistics.median(r["wall"] for r in rs),
            "rss_mib": max(r["rss_mib"] for r in rs),
            "plan_mib": max(r["plan_mib"] for r in rs),
        }
        for s, rs in runs.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=int, nargs="*", default=[50, 100, 200], metavar="TEAMS")
    ap.add_argument("--distributed", type=int, nargs="*", default=[120], metavar="TEAMS")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", nargs=2, metavar=("SUBJECT", "STACK_FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(*args.one)
        return

    with tempfile.TemporaryDirectory() as tmp:
        subjects = {}
        for subject in [*(f"shared-{n}" for n in args.shared), *(f"distributed-{n}" for n in args.distributed)]:
            folder = Path(tmp) / subject
            folder.mkdir()
            subjects[subject] = write_subject(subject, folder)
        results = measure(subjects, args.repeat)

    print(
        f"median of {args.repeat} runs, each in a fresh process, the subjects interleaved; peak RSS includes the"
        " interpreter and imports, the plan's own is the peak less the RSS after imports\n"
    )
    print(
        "| subject | teams | accounts | deployments | resources | plan (s) | ms per resource | peak RSS (MiB)"
        " | plan's own (MiB) | KiB per resource | warnings |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for subject, r in results.items():
        kind, _, size = subject.partition("-")
        n = r["resources"]
        print(
            f"| {kind} | {size} | {r['accounts']} | {r['deployments']} | {n} | {r['wall']:.2f} |"
            f" {1000 * r['wall'] / n:.1f} | {r['rss_mib']:.0f} | {r['plan_mib']:.0f} | {1024 * r['plan_mib'] / n:.0f} |"
            f" {', '.join(r['warnings']) or '–'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
