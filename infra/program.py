"""The Pulumi program: stack config -> topology -> components -> stack outputs.

Thin glue by design: every decision is in ``infra.topology``.
"""

from __future__ import annotations

import datetime as dt
import os

import pulumi
from pulumi_azure_native import cognitiveservices, resources

from components import ContentFilter, ModelDeployments, OpenAiAccount
from infra.config import ROOT
from infra.diagnostics import Diagnostic, format_diagnostics
from infra.topology import AccountSpec, Topology, decide

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


def main() -> None:
    raw = pulumi.Config().get_object(ROOT)
    topology, diagnostics = decide(raw, plan_date())
    if topology is None:
        raise ConfigError(diagnostics)
    for d in diagnostics:
        pulumi.log.warn(f"{d.path}: {d.message}")
    declare(topology)


def declare(topology: Topology) -> None:
    rg_name: pulumi.Input[str] = topology.resource_group_name
    if topology.create_resource_group:
        rg = resources.ResourceGroup(
            "platform",
            resource_group_name=topology.resource_group_name,
            location=topology.location,
            tags=topology.tags,
        )
        rg_name = rg.name
        pulumi.export("resourceGroupName", rg.name)
    pulumi.export("accounts", {a.key: _declare_account(a, topology, rg_name) for a in topology.accounts})


def _declare_account(spec: AccountSpec, topology: Topology, rg_name: pulumi.Input[str]) -> dict:
    if spec.existing:
        # Read, never managed: the platform team owns this account.
        found = cognitiveservices.get_account_output(
            account_name=spec.name, resource_group_name=spec.resource_group_name
        )
        account_name: pulumi.Input[str] = spec.name
        rg_name = spec.resource_group_name
        outputs = {"id": found.id, "endpoint": found.properties.endpoint}
    else:
        acls = topology.network_acls
        account = OpenAiAccount(
            spec.key,
            {
                "account_name": spec.name,
                "resource_group_name": rg_name,
                "location": spec.region,
                "kind": spec.kind,
                "sku_name": spec.sku,
                "custom_subdomain": spec.custom_subdomain,
                "disable_local_auth": topology.disable_local_auth,
                "public_network_access": topology.public_network_access,
                "network_acls": {
                    "default_action": acls.default_action,
                    "ip_rules": list(acls.ip_rules),
                    "bypass": acls.bypass,
                },
                "tags": topology.tags,
            },
        )
        account_name = account.account_name
        outputs = {"id": account.account_id, "endpoint": account.endpoint, "principalId": account.principal_id}

    policies = {
        f.name: ContentFilter(
            f"{spec.key}-{f.name}",
            {
                "account_name": account_name,
                "resource_group_name": rg_name,
                "policy_name": f.name,
                "base_policy_name": f.base_policy,
                "mode": f.mode,
                "prompt": f.prompt.model_dump(),
                "completion": f.completion.model_dump(),
                "jailbreak": f.jailbreak,
                "indirect_attack": f.indirect_attack,
                "protected_material": f.protected_material,
            },
        ).policy_name
        for f in spec.content_filters
    }
    deployments = ModelDeployments(
        spec.key,
        {
            "account_name": account_name,
            "resource_group_name": rg_name,
            "deployments": [
                {
                    "name": d.name,
                    "model_format": d.model_format,
                    "model_name": d.model_name,
                    "model_version": d.model_version,
                    "sku_name": d.sku,
                    "capacity": d.capacity,
                    "version_upgrade_option": d.version_upgrade_option,
                    "rai_policy_name": policies[d.content_filter] if d.content_filter else d.rai_policy_name,
                }
                for d in spec.deployments
            ],
        },
    )
    return {
        "name": account_name,
        "region": spec.region,
        "role": spec.role,
        "existing": spec.existing,
        "deployments": deployments.names,
        **outputs,
    }
