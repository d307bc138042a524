"""The offline plan: run ``infra/__main__.py`` under Pulumi mocks with a stack's config.

It runs the very program ``pulumi up`` runs, the way the Pulumi language host
runs it (``runpy.run_path("infra/")``), and records every registration.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import heapq
import json
import os
import re
import runpy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra import mocks, platform_costs
from infra.catalog import load as load_catalog
from infra.config import NO_SECRETS, PROJECT_ROOT, ROOT, SECRETS_REFUSED, LandingZone, parse
from infra.config.errors import UNKNOWN_KEY
from infra.costs import contract as costs_contract
from infra.diagnostics import (
    OUTSIDE_PROJECT,
    Diagnostic,
    error,
    errors_in,
    excerpt,
    info,
    outside_of,
    read_config_file,
    rule,
)
from infra.parity import OTHER_STACK_UNCHECKED, drift
from infra.program import PLAN_DATE_ENV, handed_over
from infra.topology import Topology, decide

INFRA_DIR = PROJECT_ROOT / "infra"
PROJECT = "ai-landing-zone"
SECRET = "[secret]"
UNKNOWN = "[unknown]"
"""A value a first ``pulumi preview`` cannot know yet (``output<string>`` in its own output)."""
SUBSCRIPTION_KEY = "azure-native:subscriptionId"
GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
STACK_NAME_RULE = "a stack name is 1-100 letters, digits, '-', '_' or '.' (Pulumi's rule)"
STACK_FILE = "https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/"
STACK_CONFIG = rule("config.stack-file", "error", "A stack file's config is a mapping of config keys.", STACK_FILE)
ESC = "https://www.pulumi.com/docs/esc/integrations/infrastructure/pulumi-iac/"
ESC_NOT_OPENED = rule(
    "config.esc-not-opened",
    "info",
    "A stack that imports Pulumi ESC environments is planned without their values: only Pulumi opens them.",
    STACK_FILE,
    ESC,
)
ESC_LANDING_ZONE = rule(
    "config.esc-landing-zone",
    "error",
    "A stack that imports Pulumi ESC environments still holds landingZone in its stack file, where the offline"
    " plan can read it.",
    STACK_FILE,
    ESC,
)
SUBSCRIPTION_ID = rule(
    "config.subscription-id",
    "error",
    "azure-native:subscriptionId, where the stack sets it, is a subscription ID (a GUID): every ARM ID the plan"
    " shows is built in it.",
    "https://www.pulumi.com/registry/packages/azure-native/api-docs/provider/",
)


class UsageError(Exception):
    """Exit code 2: the command line, not the config, is wrong."""


@dataclass
class StackConfig:
    stack: str
    path: Path
    values: dict[str, str]
    """Pulumi config as the engine hands it to the program: ``namespace:key`` -> string (JSON for objects)."""
    secret_keys: list[str]
    landing_zone: Any

    @property
    def subscription_id(self) -> str | None:
        """The subscription azure-native deploys into, where the stack pins it."""
        return subscription_of(self.values)


def subscription_of(values: dict[str, str]) -> str | None:
    """The subscription azure-native's default provider deploys into, where the stack pins it (readably)."""
    value = values.get(SUBSCRIPTION_KEY)
    return value if isinstance(value, str) and value != SECRET else None


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[mocks.RecordedResource] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    topology: Topology | None = None
    today: dt.date = field(default_factory=dt.date.today)
    """The date the plan was made as of."""

    @property
    def ok(self) -> bool:
        return not errors_in(self.diagnostics)

    @property
    def costs(self) -> dict | None:
        """Per team and for the environment: budgets, committed PTU, token quotas (``infra.costs.contract``); the
        landing zone's own run cost (``infra.platform_costs``)."""
        if self.topology is None:
            return None
        prices = load_catalog().prices
        out = costs_contract(self.topology.costs, self.topology.budgets, prices)
        out["platform"] = platform_costs.contract(self.topology, prices)
        return out

    def contract(self) -> dict:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.contract() for r in self.resources],
            "outputs": self.outputs,
            "costs": self.costs,
            "diagnostics": [d.as_dict() for d in self.diagnostics],
        }


def stack_names() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_ROOT.glob("Pulumi.*.yaml"))


def load_stack(stack: str, config_file: Path | None = None) -> tuple[StackConfig | None, list[Diagnostic]]:
    """Read ``Pulumi.<stack>.yaml`` (or ``config_file``, like ``pulumi --config-file``)."""
    if not STACK_NAME.fullmatch(stack):
        raise UsageError(f"--stack {excerpt(stack)}: {STACK_NAME_RULE}")
    path = config_file or PROJECT_ROOT / f"Pulumi.{stack}.yaml"
    try:
        found = path.is_file()
    except OSError as exc:  # a path the OS refuses (too long, invalid)
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
    if not found:
        known = ", ".join(stack_names()) or "none"
        raise UsageError(f"no stack {excerpt(stack)}: {path} not found (stacks: {known})")
    outside = outside_of(PROJECT_ROOT, path) if config_file is None else None
    if outside:  # named by --stack, so a pull request can change it: a link out of the project is never read
        return None, [error(path.name, outside, rule=OUTSIDE_PROJECT)]
    doc, problems = read_config_file(path, path.name)
    if problems:
        return None, problems
    doc = {} if doc is None else doc
    config = doc.get("config") if isinstance(doc, dict) else None
    if not isinstance(config, dict):
        return None, [error(f"{path.name}: config", "must be a mapping of config keys", rule=STACK_CONFIG)]

    values, secret_keys, diags = {}, [], []
    landing_zone = None
    esc = doc.get("environment")
    if esc:
        # Pulumi ESC environments are opened by the Pulumi service; offline there is nothing to open.
        names = ", ".join(
            map(str, esc if isinstance(esc, list) else esc.get("imports", []) if isinstance(esc, dict) else [esc])
        )
        where = f"{PROJECT}:{ROOT}" in config or ROOT in config
        diags.append(
            (info if where else error)(
                f"{path.name}: environment",
                f"imports Pulumi ESC environment(s) {names}, which the offline plan cannot open: "
                + (
                    "values from them are not in this plan"
                    if where
                    else f"{ROOT} is not in the stack file; put it there, or plan with `pulumi preview`"
                ),
                rule=ESC_NOT_OPENED if where else ESC_LANDING_ZONE,
            )
        )
    for key, value in config.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        namespace, name = full.split(":", 1)
        if namespace == PROJECT and name != ROOT:
            why = f"unknown key; allowed in {PROJECT}: {ROOT}"
            diags.append(error(f"{path.name}: config.{key}", why, rule=UNKNOWN_KEY))
            continue
        if full == f"{PROJECT}:{ROOT}":
            secure = list(_secure_paths(value, ROOT))
            if secure:  # the plan cannot decrypt, and the program refuses them: say it once, here
                found = (error(f"{path.name}: {where}", NO_SECRETS, rule=SECRETS_REFUSED) for where in secure)
                return None, [*diags, *found]
            landing_zone = value
        if full == SUBSCRIPTION_KEY and not (isinstance(value, dict) or GUID.fullmatch(str(value))):
            # Every ARM ID the plan shows is built in this subscription: it must be one.
            why = f"{excerpt(value)} is not a subscription ID (a GUID)"
            diags.append(error(f"{path.name}: config.{key}", why, rule=SUBSCRIPTION_ID))
            continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = SECRET
            secret_keys.append(full)
            continue
        values[full] = value if isinstance(value, str) else json.dumps(value, default=str)
    return StackConfig(stack, path, values, secret_keys, landing_zone), diags


def _secure_paths(value: Any, path: str):
    """Where a config value holds ``secure:`` ciphertext (set with ``pulumi config set --secret [--path]``)."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            yield path
            return
        for k, v in value.items():
            yield from _secure_paths(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _secure_paths(v, f"{path}[{i}]")


def make_plan(
    stack: str, today: dt.date | None = None, config_file: Path | None = None, first_preview: bool = False
) -> Plan:
    """Validate the stack's config; when it is valid, run the program under mocks.

    ``first_preview``: as a first ``pulumi preview`` shows it, with every computed output unknown."""
    today = today or dt.date.today()
    plan = Plan(PROJECT, stack, today=today)
    cfg, plan.diagnostics = load_stack(stack, config_file)
    if cfg is None:
        return plan
    plan.topology, diags = decide(cfg.landing_zone, today, subscription_id=cfg.subscription_id, stack=stack)
    plan.diagnostics += diags
    if plan.topology is not None and config_file is None:
        others, notes = _other_stacks(stack)
        plan.diagnostics += [*drift(plan.topology.config, others), *notes]
    if not plan.ok:
        return plan
    # Decided once: the program the plan runs declares this decision instead of making it again.
    handed_over(cfg.landing_zone, today, cfg.subscription_id, (plan.topology, diags))
    resources, plan.outputs = run_program(stack, cfg.values, cfg.secret_keys, today, first_preview)
    plan.resources = in_dependency_order(resources)
    return plan


def _other_stacks(stack: str) -> tuple[dict[str, LandingZone], list[Diagnostic]]:
    """The repo's other stacks that parse, for the parity check. Another stack's errors are its own plan's
    business: here they are one line, and this plan goes on."""
    others, notes = {}, []
    for name in stack_names():
        if name == stack or not STACK_NAME.fullmatch(name):
            continue
        cfg, _ = load_stack(name)
        lz, parse_problems = parse(cfg.landing_zone) if cfg else (None, [])
        if lz is not None and not errors_in(parse_problems):
            others[name] = lz
        else:
            notes.append(
                info(
                    ROOT,
                    f"parity with {name} not checked: Pulumi.{name}.yaml or its team files have"
                    f" errors (plan --stack {name} lists them)",
                    rule=OTHER_STACK_UNCHECKED,
                )
            )
    return others, notes


def in_dependency_order(resources: list[mocks.RecordedResource]) -> list[mocks.RecordedResource]:
    """Registration order is async and varies run to run; this order does not.

    Parents and dependencies come first, ties broken by URN, so a chain of
    deployments reads in the order Azure will run it.
    """
    by_urn = {r.urn: r for r in resources}
    waits = {r.urn: {u for u in (*r.depends_on, r.parent) if u in by_urn} for r in resources}
    unblocks: dict[str, list[str]] = {}
    for urn, deps in waits.items():
        for dep in deps:
            unblocks.setdefault(dep, []).append(urn)
    ready = [urn for urn, deps in waits.items() if not deps]
    heapq.heapify(ready)
    ordered = []
    while ready:
        urn = heapq.heappop(ready)
        ordered.append(by_urn[urn])
        for nxt in unblocks.get(urn, ()):
            waits[nxt].discard(urn)
            if not waits[nxt]:
                heapq.heappush(ready, nxt)
    return ordered


@contextlib.contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Run with the collector's young generation 50x larger, and leave it so.

    A plan allocates millions of short-lived Output and future objects; with the default thresholds full
    collections rescan an ever larger heap and the plan grows worse than linearly (21 s vs 15 s at 1,000
    deployments). Lowering the thresholds again on the way out would itself force a full collection of the
    whole run's heap (0.3 s of a 2 s prod plan) that a plan process, about to exit, never needs; a process
    that plans again (the tests) still collects, every 50,000 allocations instead of 700.
    """
    gc.freeze()  # what is already loaded (modules, catalog) is never garbage
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    previous = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in previous.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_program(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    today: dt.date,
    first_preview: bool = False,
) -> tuple[list[mocks.RecordedResource], dict]:
    # The mocks answer as the default provider configured from this config would: IDs in its subscription.
    monitor = mocks.install(PROJECT, stack, first_preview=first_preview, subscription_id=subscription_of(config))
    pulumi.runtime.set_all_config(config, secret_keys)
    with _environ({PLAN_DATE_ENV: today.isoformat()}), fewer_gc_passes():
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(INFRA_DIR), run_name="__main__")))
        outputs = _sync_await(_resolve(settings.get_root_resource().outputs))
    return monitor.recorded, outputs


async def _resolve(outputs: dict) -> dict:
    return {name: await _resolve_value(value) for name, value in outputs.items()}


async def _resolve_value(value: Any) -> Any:
    """Down to the leaves, so one unknown ID leaves the rest of an output readable (as preview prints it)."""
    if isinstance(value, dict):
        return {k: await _resolve_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [await _resolve_value(v) for v in value]
    out = pulumi.Output.from_input(value)
    if await out.is_secret():
        return SECRET
    if not await out.is_known():
        return UNKNOWN
    return _plain(await out.future())


def _plain(value: Any) -> Any:
    """Recorded inputs and outputs as JSON: secrets masked."""
    if isinstance(value, dict):
        if value.get(pulumi.runtime.rpc._special_sig_key) == pulumi.runtime.rpc._special_secret_sig:
            return SECRET
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf carries every number as a double
    if isinstance(value, pulumi.output.Unknown) or value == pulumi.runtime.rpc.UNKNOWN:
        return UNKNOWN
    return value


def to_json(plan: Plan) -> str:
    return json.dumps(_plain(plan.contract()), indent=2, sort_keys=True)
