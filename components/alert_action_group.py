"""AlertActionGroup: who hears the landing zone's budget and metric alerts."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options


class AlertActionGroupArgs(TypedDict):
    action_group_name: pulumi.Input[str]
    short_name: pulumi.Input[str]
    """Cut to 12 characters: it prefixes every SMS and email."""
    resource_group_name: pulumi.Input[str]
    emails: list[pulumi.Input[str]]
    """An email receiver each."""
    tags: NotRequired[Tags]


class AlertActionGroup(LandingZoneComponent):
    """A ``Microsoft.Insights/actionGroups`` with an email receiver per address, shared by every budget and
    metric alert of the landing zone."""

    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: AlertActionGroupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:AlertActionGroup", name, None, opts)
        group = monitor.ActionGroup(
            name,
            action_group_name=args["action_group_name"],
            group_short_name=pulumi.Output.from_input(args["short_name"]).apply(lambda s: s[:12]),
            resource_group_name=args["resource_group_name"],
            location="global",
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name=f"email-{i}", email_address=e, use_common_alert_schema=True
                )
                for i, e in enumerate(args["emails"])
            ],
            tags=args.get("tags"),
            opts=child_options(self, opts),
        )
        self.action_group_id = group.id
        self.register_outputs({"actionGroupId": self.action_group_id})
