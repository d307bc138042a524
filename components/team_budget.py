"""TeamBudget: a monthly cost budget with actual and forecasted alerts."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import consumption

from components._inputs import LandingZoneComponent
from components._options import child_options


class NotificationArgs(TypedDict):
    """A budget alert. Its three fields make its key in the budget's ``notifications`` map."""

    threshold: float
    """Percent of the amount, 0 to 1000."""
    threshold_type: str
    """``Actual`` or ``Forecasted``."""
    operator: NotRequired[str]
    """``GreaterThanOrEqualTo`` (default) or ``GreaterThan``."""


class TeamBudgetArgs(TypedDict):
    budget_name: pulumi.Input[str]
    scope: pulumi.Input[str]
    """A subscription or resource group ID (action groups work only at those scopes)."""
    amount: pulumi.Input[float]
    """Per month, in the billing currency."""
    start_date: pulumi.Input[str]
    """``YYYY-MM-DD``, the first of a month. Only the first deploy uses it: see the class docstring."""
    notifications: list[NotificationArgs]
    contact_emails: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    contact_roles: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    action_group_ids: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    resource_ids: NotRequired[list[pulumi.Input[str]]]
    """Count only these resources (e.g. a team's accounts inside a shared resource group)."""
    resource_group_names: NotRequired[list[pulumi.Input[str]]]
    """Count only these resource groups (subscription scope)."""


def notification_key(n: NotificationArgs) -> str:
    """Stable map key, in the portal's style: changing a threshold replaces one entry, not all."""
    return f"{n['threshold_type'].lower()}_{n.get('operator', 'GreaterThanOrEqualTo')}_{n['threshold']:g}_Percent"


def _filter(dimensions: list) -> consumption.BudgetFilterArgs | None:
    if len(dimensions) > 1:
        return consumption.BudgetFilterArgs(
            and_=[consumption.BudgetFilterPropertiesArgs(dimensions=d) for d in dimensions]
        )
    return consumption.BudgetFilterArgs(dimensions=dimensions[0]) if dimensions else None


class TeamBudget(LandingZoneComponent):
    """A ``Microsoft.Consumption/budgets``: category Cost, monthly time grain.

    Azure refuses any change to a budget's start date ("Start date of budgets
    cannot be updated"), and a start date computed from today moves every
    month. So the budget ignores later changes to ``timePeriod.startDate``:
    the first deploy fixes it, and next month's ``pulumi up`` keeps it.
    """

    budget_id: pulumi.Output[str]

    def __init__(self, name: str, args: TeamBudgetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:TeamBudget", name, None, opts)
        dimensions = [
            consumption.BudgetComparisonExpressionArgs(name=dim, operator="In", values=values)
            for dim, values in (
                ("ResourceId", args.get("resource_ids")),
                ("ResourceGroupName", args.get("resource_group_names")),
            )
            if values
        ]
        budget = consumption.Budget(
            name,
            budget_name=args["budget_name"],
            scope=args["scope"],
            amount=args["amount"],
            category=consumption.CategoryType.COST,
            time_grain=consumption.TimeGrainType.MONTHLY,
            time_period=consumption.BudgetTimePeriodArgs(
                start_date=pulumi.Output.concat(args["start_date"], "T00:00:00Z")
            ),
            filter=_filter(dimensions),
            notifications={
                notification_key(n): consumption.NotificationArgs(
                    enabled=True,
                    threshold=n["threshold"],
                    threshold_type=n["threshold_type"],
                    operator=n.get("operator", "GreaterThanOrEqualTo"),
                    contact_emails=args.get("contact_emails", []),
                    contact_roles=args.get("contact_roles"),
                    contact_groups=args.get("action_group_ids"),
                    locale="en-us",
                )
                for n in args["notifications"]
            },
            opts=child_options(self, opts, ignore_changes=["timePeriod.startDate"]),
        )
        self.budget_id = budget.id
        self.register_outputs({"budgetId": self.budget_id})
