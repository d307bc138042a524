"""Monitoring: the landing zone's Log Analytics workspace and the gateway's Application Insights."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options


class MonitoringArgs(TypedDict):
    workspace_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    retention_days: NotRequired[pulumi.Input[int]]
    existing_workspace_id: NotRequired[pulumi.Input[str]]
    """Send everything to this workspace instead of creating one (often a central one)."""
    app_insights_name: NotRequired[pulumi.Input[str]]
    """Create workspace-based Application Insights too (for the AI gateway)."""
    tags: NotRequired[Tags]


class Monitoring(LandingZoneComponent):
    """A ``Microsoft.OperationalInsights/workspaces`` (or an existing one) and a workspace-based
    ``Microsoft.Insights/components``."""

    workspace_id: pulumi.Output[str]
    app_insights_id: pulumi.Output[str]
    app_insights_connection_string: pulumi.Output[str]
    """A secret: it lets anyone write telemetry."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:Monitoring", name, None, opts)
        child = child_options(self, opts)
        existing = args.get("existing_workspace_id")
        if existing:
            self.workspace_id = pulumi.Output.from_input(existing)
        else:
            self.workspace_id = operationalinsights.Workspace(
                name,
                workspace_name=args["workspace_name"],
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=args.get("retention_days", 30),
                tags=args.get("tags"),
                opts=child,
            ).id
        self.app_insights_id = pulumi.Output.from_input("")
        self.app_insights_connection_string = pulumi.Output.secret("")
        if args.get("app_insights_name"):
            insights = applicationinsights.Component(
                name,
                resource_name_=args["app_insights_name"],
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                kind="web",
                application_type="web",
                workspace_resource_id=self.workspace_id,
                ingestion_mode="LogAnalytics",
                tags=args.get("tags"),
                opts=child,
            )
            self.app_insights_id = insights.id
            self.app_insights_connection_string = pulumi.Output.secret(insights.connection_string)
        self.register_outputs(
            {
                "workspaceId": self.workspace_id,
                "appInsightsId": self.app_insights_id,
                "appInsightsConnectionString": self.app_insights_connection_string,
            }
        )
