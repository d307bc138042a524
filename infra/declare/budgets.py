"""Budgets: one per team and one for the environment, each scoped and filtered where its spend is billed."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import resources

from components import TeamBudget
from infra.declare.providers import Providers
from infra.declare.shared_services import SharedServices
from infra.specs import platform_group_key
from infra.topology import Topology


def declare_budgets(
    topology: Topology,
    groups: dict[str, resources.ResourceGroup],
    accounts: dict[str, dict],
    shared: SharedServices,
    providers: Providers,
) -> dict[str, pulumi.Output[str]]:
    if not topology.budgets:
        return {}

    def subscription_of(sub: str | None) -> pulumi.Output[str]:
        # The subscription its platform resource group was made in: the provider's, whether the stack states it
        # or azure-native takes the Azure CLI's.
        return groups[platform_group_key(sub)].id.apply(lambda rid: "/".join(rid.split("/")[:3]))

    ids = {}
    for b in topology.budgets:
        budget = TeamBudget(
            f"budget-{b.key}",
            {
                "budget_name": b.name,
                "scope": subscription_of(b.subscription) if b.scope == "subscription" else groups[b.resource_group].id,
                "amount": b.amount,
                "start_date": b.start_date,
                "notifications": [
                    {"threshold": n.threshold, "threshold_type": n.type, "operator": n.operator}
                    for n in b.notifications
                ],
                "contact_emails": list(b.contacts),
                "contact_roles": list(b.contact_roles),
                "action_group_ids": [shared.action_group_id(b.subscription)],
                "resource_ids": [accounts[k]["id"] for k in b.account_keys],
                "resource_group_names": list(b.resource_group_names),
            },
            opts=providers.opts(b.subscription),
        )
        ids[b.key] = budget.budget_id
    return ids
