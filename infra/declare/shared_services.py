"""What every account, the gateway and the budgets report to: the action group and monitoring; the guardrails."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import resources

from components import AlertActionGroup, Guardrails, Monitoring
from infra.declare.providers import Providers
from infra.specs import platform_group_key
from infra.topology import Topology


@dataclass
class SharedServices:
    """What every account, the gateway and the budgets report to."""

    action_group_ids: dict[str | None, pulumi.Output[str]]
    """Subscription (None: the stack's own) -> its action group. Metric alert rules have called only action groups
    of their own subscription (learn.microsoft.com/answers and azure-powershell#11102: "in a different
    subscription as alert rule"), so each subscription that holds accounts gets one, with the same recipients."""
    monitoring: Monitoring | None

    def action_group_id(self, subscription: str | None = None) -> pulumi.Output[str] | None:
        return self.action_group_ids.get(subscription)


def declare_shared_services(
    topology: Topology, groups: dict[str, resources.ResourceGroup], providers: Providers
) -> SharedServices:
    action_groups: dict[str | None, pulumi.Output[str]] = {}
    for sub in (None, *topology.subscriptions) if topology.alerts is not None else ():
        action_groups[sub] = AlertActionGroup(
            f"alerts-{sub}" if sub else "alerts",
            {
                "action_group_name": topology.alerts.name,
                "short_name": topology.alerts.short_name,
                "resource_group_name": groups[platform_group_key(sub)].name,
                "emails": list(topology.alerts.emails),
                "tags": topology.tags,
            },
            opts=providers.opts(sub),
        ).action_group_id
    monitoring = None
    spec = topology.monitoring
    if spec is not None:
        monitoring = Monitoring(
            "monitoring",
            {
                "workspace_name": spec.workspace_name,
                "resource_group_name": groups["platform"].name,
                "location": topology.location,
                "retention_days": spec.retention_days,
                **({"existing_workspace_id": spec.existing_workspace_id} if spec.existing_workspace_id else {}),
                **({"app_insights_name": spec.app_insights_name} if spec.app_insights_name else {}),
                "tags": topology.tags,
            },
        )
    return SharedServices(action_groups, monitoring)


def declare_guardrails(topology: Topology, groups: dict[str, resources.ResourceGroup], providers: Providers) -> None:
    """Policy on every resource group of the landing zone: keyless, private, identified, logged, approved models.

    Per subscription: a custom definition saved in a subscription is assignable only within it
    (learn.microsoft.com/azure/governance/policy/concepts/scope#definition-location)."""
    spec = topology.guardrails
    by_subscription: dict[str | None, dict[str, pulumi.Output[str]]] = {}
    for rg in topology.resource_groups:
        by_subscription.setdefault(rg.subscription, {})[rg.key] = groups[rg.key].id
    for sub, scopes in sorted(by_subscription.items(), key=lambda kv: kv[0] or ""):
        Guardrails(
            f"guardrails-{sub}" if sub else "guardrails",
            {
                "definition_name": spec.approved_definition,
                "scopes": scopes,
                "effect": spec.effect,
                "approved_models": {name: list(versions) for name, versions in spec.approved.items()},
                **({"protect_accounts": spec.no_delete_definition} if spec.no_delete_definition else {}),
            },
            opts=providers.opts(sub),
        )
