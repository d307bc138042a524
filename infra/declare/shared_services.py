"""What every account, the gateway and the budgets report to: the action group and monitoring; the guardrails."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import resources

from components import AlertActionGroup, Guardrails, Monitoring
from infra.topology import Topology


@dataclass
class SharedServices:
    """What every account, the gateway and the budgets report to."""

    action_group_id: pulumi.Output[str] | None
    monitoring: Monitoring | None


def declare_shared_services(topology: Topology, groups: dict[str, resources.ResourceGroup]) -> SharedServices:
    alerts = None
    if topology.alerts is not None:
        alerts = AlertActionGroup(
            "alerts",
            {
                "action_group_name": topology.alerts.name,
                "short_name": topology.alerts.short_name,
                "resource_group_name": groups["platform"].name,
                "emails": list(topology.alerts.emails),
                "tags": topology.tags,
            },
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
    return SharedServices(alerts, monitoring)


def declare_guardrails(topology: Topology, groups: dict[str, resources.ResourceGroup]) -> None:
    """Policy on every resource group of the landing zone: keyless, private, identified, logged, approved models."""
    if not groups:
        return
    spec = topology.guardrails
    Guardrails(
        "guardrails",
        {
            "definition_name": spec.approved_definition,
            "scopes": {key: rg.id for key, rg in groups.items()},
            "effect": spec.effect,
            "approved_models": {name: list(versions) for name, versions in spec.approved.items()},
            **({"protect_accounts": spec.no_delete_definition} if spec.no_delete_definition else {}),
        },
    )
