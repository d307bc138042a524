"""AccountMonitoring: an account's logs and metrics to the workspace, and alerts that reach someone."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor

from components._options import child_options

NAMESPACE = "Microsoft.CognitiveServices/accounts"


class AlertThresholdsArgs(TypedDict):
    throttled_requests: int
    server_errors: int
    time_to_response_ms: int
    ptu_utilization_percent: int


class AccountMonitoringArgs(TypedDict):
    account_id: pulumi.Input[str]
    account_name: str
    resource_group_name: pulumi.Input[str]
    """Where the alert rules live."""
    workspace_id: pulumi.Input[str]
    action_group_id: pulumi.Input[str]
    thresholds: AlertThresholdsArgs
    provisioned: NotRequired[bool]
    """The account has provisioned (PTU) deployments: alert on their utilisation too."""
    tags: NotRequired[dict[str, str]]


def _alerts(t: AlertThresholdsArgs, provisioned: bool) -> list[tuple[str, str, int, dict]]:
    """(name, description, severity, criterion). Metric names and dimensions are the Azure OpenAI platform
    metrics of learn.microsoft.com/azure/ai-foundry/openai/monitor-openai-reference (REST names)."""
    requests = {"metric_name": "AzureOpenAIRequests", "time_aggregation": "Total"}
    out = [
        (
            "throttling",
            "Requests throttled (429)",
            2,
            {**requests, "threshold": t["throttled_requests"], "dimensions": [("StatusCode", ["429"])]},
        ),
        (
            "server-errors",
            "Requests failing with 5xx",
            1,
            {**requests, "threshold": t["server_errors"], "dimensions": [("StatusCode", ["500", "502", "503", "504"])]},
        ),
        (
            "latency",
            "Average time to response (ms)",
            3,
            {
                "metric_name": "AzureOpenAITimeToResponse",
                "time_aggregation": "Average",
                "threshold": t["time_to_response_ms"],
                "dimensions": [],
            },
        ),
    ]
    if provisioned:
        out.append(
            (
                "ptu-utilization",
                "Provisioned-managed utilization (%)",
                2,
                {
                    "metric_name": "AzureOpenAIProvisionedManagedUtilizationV2",
                    "time_aggregation": "Maximum",
                    "threshold": t["ptu_utilization_percent"],
                    "dimensions": [],
                },
            )
        )
    return out


def diagnostics_to_workspace(
    name: str, resource_id: pulumi.Input[str], workspace_id: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> monitor.DiagnosticSetting:
    """Every log (allLogs and audit category groups) and AllMetrics of a resource, to a Log Analytics workspace."""
    return monitor.DiagnosticSetting(
        name,
        name="to-workspace",
        resource_uri=resource_id,
        workspace_id=workspace_id,
        log_analytics_destination_type="Dedicated",
        logs=[
            monitor.DiagnosticsLogSettingsArgs(category_group="allLogs", enabled=True),
            monitor.DiagnosticsLogSettingsArgs(category_group="audit", enabled=True),
        ],
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
        opts=opts,
    )


class AccountMonitoring(pulumi.ComponentResource):
    """A ``Microsoft.Insights/diagnosticSettings`` (allLogs, audit, AllMetrics) and ``metricAlerts``."""

    alert_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: AccountMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:AccountMonitoring", name, None, opts)
        child = child_options(self, opts)
        diagnostics_to_workspace(name, args["account_id"], args["workspace_id"], child)
        ids = []
        for key, description, severity, c in _alerts(args["thresholds"], args.get("provisioned", False)):
            alert = monitor.MetricAlert(
                f"{name}-{key}",
                rule_name=f"{args['account_name']}-{key}",
                resource_group_name=args["resource_group_name"],
                location="global",
                description=f"{description} on {args['account_name']}",
                severity=severity,
                enabled=True,
                scopes=[args["account_id"]],
                target_resource_type=NAMESPACE,
                evaluation_frequency="PT1M",
                window_size="PT5M",
                auto_mitigate=True,
                criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                    odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                    all_of=[
                        monitor.MetricCriteriaArgs(
                            criterion_type="StaticThresholdCriterion",
                            name=key,
                            metric_name=c["metric_name"],
                            metric_namespace=NAMESPACE,
                            operator="GreaterThan",
                            threshold=c["threshold"],
                            time_aggregation=c["time_aggregation"],
                            dimensions=[
                                monitor.MetricDimensionArgs(name=d, operator="Include", values=v)
                                for d, v in c["dimensions"]
                            ],
                        )
                    ],
                ),
                actions=[monitor.MetricAlertActionArgs(action_group_id=args["action_group_id"])],
                tags=args.get("tags"),
                opts=child,
            )
            ids.append(alert.id)
        self.alert_ids = pulumi.Output.all(*ids)
        self.register_outputs({"alertIds": self.alert_ids})
