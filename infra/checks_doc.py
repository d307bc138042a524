"""``docs/checks.md``: every rule the plan checks, generated from the rules themselves.

Each rule is declared with ``infra.diagnostics.rule`` next to its check; this page lists them all, grouped by
concern, so that it cannot drift from the code (``tests/plan/test_rules.py`` compares it with the file).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import infra
from infra import md
from infra.diagnostics import CONVENTION, RULES, Rule

COMMAND = ".venv/bin/python -m infra checks > docs/checks.md"
CONCERNS = {
    "config": "the stack file and team files: reading them, and their shape",
    "tenancy": "teams and accounts: who shares what",
    "placement": "which shard (account) of its governance profile each shared team is on, and the lock file",
    "deployments": "model deployments on each account",
    "aliases": "stable names apps call, rolled out over deployments by weight, and the promotion gate",
    "catalog": "models, versions, SKUs and capacities against the model catalog",
    "network": "VNets, subnets, private endpoints and private DNS",
    "gateway": "the AI gateway (API Management): tier, network, pools, callers and limits",
    "costs": "budgets, token quotas and committed PTU cost",
    "operations": "quota, lifecycle and alerts",
    "parity": "dev and prod alike",
}
"""Each concern (a heading, so ``docs/checks.md#gateway`` links to it) and what it covers, in the page's order;
a rule's concern is its ID's first part."""


def all_rules() -> list[Rule]:
    """Every rule of ``infra``: its modules are imported (not ``__main__``, which runs the program), so that
    each declares its rules, wherever it is."""
    for module in pkgutil.walk_packages(infra.__path__, "infra."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return list(RULES.values())


def concern(rule: Rule) -> str:
    return rule.id.split(".", 1)[0]


def _file(rule: Rule) -> str:
    """Where the rule is declared, as a path from the project root."""
    path = Path(sys.modules[rule.module].__file__ or "")
    return path.relative_to(Path(infra.__file__).parent.parent).as_posix()


def _source(source: str) -> str:
    if source.startswith(CONVENTION):
        return md.text(source)
    return f"[{md.text(source.removeprefix('https://'))}]({source})"


def markdown() -> str:
    rules = all_rules()
    out = [
        "# What the plan checks",
        "",
        f"<!-- Generated from the rules in infra/ by `{COMMAND}`; do not edit by hand. -->",
        "",
        "Every rule the offline plan checks, under a stable ID. An **error** stops the plan (exit code 1); a"
        " **warning** or an **info** is said and the plan goes on. The plan's JSON (`--format json`) names the"
        ' rule of each diagnostic (`"rule": "gateway.retry-max"`). A source is where the fact was read, or a'
        " project convention with the reason for it.",
        "",
        "A rule is declared next to its check with `rule(...)` from `infra/diagnostics.py`, and the check passes it"
        " to what it finds (`error(path, message, rule=...)`). After adding or changing a rule, regenerate this"
        f" page: `{COMMAND}`.",
        "",
    ]
    for name, title in CONCERNS.items():
        mine = sorted((r for r in rules if concern(r) == name), key=lambda r: r.id)
        if not mine:
            continue
        rows = [
            [
                md.code(r.id),
                r.severity,
                md.text(r.summary),
                "; ".join(_source(s) for s in r.sources),
                md.code(_file(r)),
            ]
            for r in mine
        ]
        header = ["ID", "severity", "what it checks", "source", "in"]
        out += [f"## {name}", "", f"{title[0].upper()}{title[1:]}.", "", *md.table(header, rows), ""]
    return "\n".join(out)
