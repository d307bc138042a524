"""The Pulumi program: stack config -> topology -> components -> stack outputs.

Thin glue by design: every decision is in ``infra.topology``, every declaration in ``infra.declare``; this
module decides once, declares in order, and exports.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pulumi
from pulumi_azure_native import resources

from infra.config import NO_SECRETS, ROOT, SECRETS_REFUSED
from infra.declare.accounts import declare_account
from infra.declare.budgets import declare_budgets
from infra.declare.gateway import declare_gateway
from infra.declare.network import declare_network
from infra.declare.outputs import team_outputs
from infra.declare.projects import declare_projects
from infra.declare.providers import declare_providers
from infra.declare.shared_services import declare_guardrails, declare_shared_services
from infra.declare.workbook import declare_workbook
from infra.diagnostics import Diagnostic, error, format_diagnostics
from infra.topology import Topology, decide

PLAN_DATE_ENV = "AI_LANDING_ZONE_PLAN_DATE"
"""Plan as of this ISO date instead of today (set by ``python -m infra plan --date``)."""


class ConfigError(pulumi.RunError):
    """Invalid stack config, raised before any resource is registered.

    A ``RunError``, so the CLI prints the list of errors and no traceback.
    """

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__(format_diagnostics(diagnostics))


def plan_date() -> dt.date:
    value = os.environ.get(PLAN_DATE_ENV)
    return dt.date.fromisoformat(value) if value else dt.date.today()


_decided: dict[str, tuple[Topology, list[Diagnostic]]] = {}
"""What the offline plan already decided for the config it hands the program, by that config: the plan decides
once (``infra.plan``), and the program it runs declares that decision rather than deciding again."""


def handed_over(raw, today: dt.date, subscription: str | None, decided: tuple[Topology, list[Diagnostic]]) -> None:
    _decided.clear()
    _decided[_key(raw, today, subscription)] = decided


def _key(raw, today: dt.date, subscription: str | None) -> str:
    return json.dumps([raw, today.isoformat(), subscription], sort_keys=True, default=str)


def main() -> None:
    if pulumi.runtime.is_config_secret(f"{pulumi.get_project()}:{ROOT}"):
        # A secret's plain value would otherwise flow into resource inputs and state unencrypted.
        raise ConfigError([error(ROOT, NO_SECRETS, rule=SECRETS_REFUSED)])
    raw = pulumi.Config().get_object(ROOT)
    subscription = pulumi.Config("azure-native").get("subscriptionId")
    today = plan_date()
    decided = _decided.pop(_key(raw, today, subscription), None)
    topology, diagnostics = decided or decide(raw, today, subscription_id=subscription, stack=pulumi.get_stack())
    if topology is None:
        raise ConfigError(diagnostics)
    for d in diagnostics:
        (pulumi.log.info if d.severity == "info" else pulumi.log.warn)(f"{d.path}: {d.message}")
    declare(topology)


def declare(topology: Topology) -> None:
    providers = declare_providers(topology)
    groups = {
        rg.key: resources.ResourceGroup(
            rg.key,
            resource_group_name=rg.name,
            location=rg.location,
            tags=rg.tags,
            opts=providers.opts(rg.subscription),
        )
        for rg in topology.resource_groups
    }
    shared = declare_shared_services(topology, groups, providers)
    net = declare_network(topology, groups)
    accounts, deployments = {}, {}
    for spec in topology.accounts:
        accounts[spec.key], deployments[spec.key] = declare_account(spec, topology, groups, net, shared, providers)
    gateway = declare_gateway(topology, groups, accounts, net, shared, providers)
    projects = declare_projects(topology, groups, accounts, deployments, gateway, providers)
    budget_ids = declare_budgets(topology, groups, accounts, shared, providers)
    declare_guardrails(topology, groups, providers)
    declare_workbook(topology, groups, shared)
    if gateway.outputs is not None:
        pulumi.export("gateway", gateway.outputs)
    pulumi.export("budgets", budget_ids)
    pulumi.export("resourceGroups", {key: rg.name for key, rg in groups.items()})
    pulumi.export("network", net.outputs())
    pulumi.export("accounts", accounts)
    pulumi.export("teams", {t.name: team_outputs(t, topology, accounts, gateway, projects) for t in topology.teams})
