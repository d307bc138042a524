"""AccountMonitoring: an account's logs and metrics to the workspace, and alerts that reach someone.

While an alias is in rollout, its canary deployment gets alerts of its own: the account's metric alerts narrowed to
the canary, and log search alerts that compare it with the stable deployment (a metric alert compares one series
with a threshold, never two series with each other).
"""

import hashlib
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options

NAMESPACE = "Microsoft.CognitiveServices/accounts"

# The comparison of a canary with its stable deployment (log search alerts; see ``canary_queries``).
FAILURE_MARGIN_POINTS = 5
"""The canary's share of failed requests (429 or 5xx) exceeds the stable deployment's by more than this many
percentage points."""
LATENCY_RATIO = 1.5
"""The canary's p95 duration of successful requests is more than this many times the stable deployment's."""
MIN_REQUESTS = 20
"""Requests each deployment must have logged in the window before the comparison says anything: a canary at 10%
of a quiet alias would otherwise fire on its first failed call."""
COMPARISON_WINDOW = "PT15M"
"""Queried window: long enough for a 10% canary to log ``MIN_REQUESTS`` on a moderately used alias."""
COMPARISON_FREQUENCY = "PT5M"

RULE_NAME_MAX = 260
# Alert rule names: 1-260 characters, none of these (metricAlerts': *#&+:<>?@%{}\/; scheduledQueryRules' are a
# subset) nor control characters, not ending with a space or period (the Microsoft.Insights rows of
# learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
_RULE_NAME_FORBIDDEN = set("*#&+:<>?@%{}\\/")


class AlertThresholdsArgs(TypedDict):
    throttled_requests: pulumi.Input[int]
    server_errors: pulumi.Input[int]
    time_to_response_ms: pulumi.Input[int]
    ptu_utilization_percent: pulumi.Input[int]


class RolloutArgs(TypedDict):
    """A canary's alerts: the four names make their rule names and queries."""

    alias: str
    """The team's alias name its apps call, e.g. ``chat``."""
    team: str
    """The team that owns the alias and both deployments."""
    stable: str
    """The Azure deployment name, on this account, that takes most of the alias's traffic."""
    canary: str
    """The Azure deployment name, on this account, being rolled out (weight > 0)."""


class AccountMonitoringArgs(TypedDict):
    account_id: pulumi.Input[str]
    account_name: str
    """Makes the alert rules' names, checked against Azure's naming rules before deployment."""
    resource_group_name: pulumi.Input[str]
    """Where the alert rules live."""
    workspace_id: pulumi.Input[str]
    action_group_id: pulumi.Input[str]
    thresholds: AlertThresholdsArgs
    provisioned: NotRequired[bool]
    """The account has provisioned (PTU) deployments: alert on their utilisation too (one more alert rule)."""
    rollouts: NotRequired[list[RolloutArgs]]
    """One per canary of each alias in rollout on this account: the canary's own metric alerts, and log search
    alerts comparing it with the stable deployment."""
    tags: NotRequired[Tags]


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


def _kql_string(value: str) -> str:
    """A KQL string literal: double quotes, with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def canary_queries(account_id: str, stable: str, canary: str) -> dict[str, str]:
    """The KQL of each comparison of a canary with its stable deployment, by alert key. Every query an alert ships.

    Azure OpenAI's RequestResponse logs land in ``AzureDiagnostics`` even with ``Dedicated`` destination tables (the
    supported-logs page of Microsoft.CognitiveServices/accounts lists no resource-specific table): ``DurationMs``,
    ``ResultSignature`` (the HTTP status) and ``properties_s``, whose JSON holds ``modelDeploymentName``. Filtered
    on ``_ResourceId``: the workspace holds every account's logs, and two accounts may name deployments alike.

    Each query returns one row when the canary is worse than the stable deployment by the margin, none otherwise;
    no time filter, as the alert rule's window is the query's time range. Each deployment is summarized first and
    then pivoted: ``sumif`` over one row per deployment is that row's value."""
    s, c = _kql_string(stable), _kql_string(canary)
    head = (
        f"let stableDeployment = {s};\n"
        f"let canaryDeployment = {c};\n"
        "AzureDiagnostics\n"
        '| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES" and Category == "RequestResponse"\n'
        f"| where _ResourceId =~ {_kql_string(account_id)}\n"
        "| extend Deployment = tostring(parse_json(properties_s).modelDeploymentName),"
        " Status = toint(ResultSignature)\n"
        "| where Deployment in (stableDeployment, canaryDeployment)\n"
    )

    def pivot(*measures: str) -> str:
        return (
            "| summarize\n"
            + ",\n".join(
                f"    {side}{m} = sumif({m}, Deployment == {side.lower()}Deployment)"
                for side in ("Stable", "Canary")
                for m in ("Requests", *measures)
            )
            + f"\n| where StableRequests >= {MIN_REQUESTS} and CanaryRequests >= {MIN_REQUESTS}\n"
        )

    return {
        "vs-stable-failures": head
        + "| summarize Requests = count(), Failed = countif(Status == 429 or Status >= 500) by Deployment\n"
        + pivot("Failed")
        + "| extend StableFailedPct = 100.0 * StableFailed / StableRequests,"
        " CanaryFailedPct = 100.0 * CanaryFailed / CanaryRequests\n"
        + f"| where CanaryFailedPct > StableFailedPct + {FAILURE_MARGIN_POINTS}\n",
        "vs-stable-latency": head
        + "| where Status between (200 .. 299)\n"
        + "| summarize Requests = count(), P95Ms = percentile(DurationMs, 95) by Deployment\n"
        + pivot("P95Ms")
        + f"| where CanaryP95Ms > {LATENCY_RATIO} * StableP95Ms\n",
    }


_COMPARISONS = {
    "vs-stable-failures": (
        2,
        f"Failed requests (429 and 5xx) more than {FAILURE_MARGIN_POINTS} percentage points above the stable's",
    ),
    "vs-stable-latency": (3, f"p95 duration of successful requests over {LATENCY_RATIO}x the stable's"),
}
"""Log search alert key -> (severity, description); its query is ``canary_queries()[key]``."""


def rule_name(*parts: str) -> str:
    """An alert rule name of ``parts``, valid for metricAlerts and scheduledQueryRules: refused with a forbidden
    character; over 260 characters, cut before its last part (what the rule watches) with a hash of the whole in
    the cut, so that two long names stay apart."""
    name = "-".join(parts)
    bad = sorted(set(name) & _RULE_NAME_FORBIDDEN)
    if bad or any(ord(ch) < 32 for ch in name):
        raise ValueError(f"alert rule name {name!r}: Azure refuses the characters {''.join(bad) or 'control'}")
    if len(name) > RULE_NAME_MAX:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        tail = f"-{digest}-{parts[-1]}"
        name = "-".join(parts[:-1])[: RULE_NAME_MAX - len(tail)].rstrip(" .-") + tail
    return name


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


class AccountMonitoring(LandingZoneComponent):
    """A ``Microsoft.Insights/diagnosticSettings`` (allLogs, audit, AllMetrics) and ``metricAlerts``; for each
    rollout, the canary's ``metricAlerts`` and ``scheduledQueryRules`` comparing it with the stable deployment."""

    alert_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: AccountMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:AccountMonitoring", name, None, opts)
        child = child_options(self, opts)
        self._name, self._args, self._child = name, args, child
        self._rule_names: set[str] = set()
        diagnostics_to_workspace(name, args["account_id"], args["workspace_id"], child)
        account = args["account_name"]
        ids = [
            self._metric_alert(key, key, rule_name(account, key), f"{description} on {account}", severity, c, [])
            for key, description, severity, c in _alerts(args["thresholds"], args.get("provisioned", False))
        ]
        for i, r in enumerate(args.get("rollouts") or []):
            ids += self._rollout_alerts(r, f"rollouts[{i}]")
        self.alert_ids = pulumi.Output.all(*ids)
        self.register_outputs({"alertIds": self.alert_ids})

    def _rollout_alerts(self, r: RolloutArgs, field: str) -> list[pulumi.Output[str]]:
        """The canary's own metric alerts (they fire even while the stable deployment has no traffic), and the
        log search alerts that compare it with the stable one."""
        alias, team, stable, canary = r["alias"], r["team"], r["stable"], r["canary"]
        if stable == canary:
            raise ValueError(f"{field}: the canary {canary!r} is the stable deployment; nothing to compare")
        args, account = self._args, self._args["account_name"]
        about = f"canary {canary} of {team}'s alias {alias} (stable: {stable}) on {account}"
        ids = [
            # Platform metrics split by ModelDeploymentName (monitor-openai-reference, "Metric dimensions").
            self._metric_alert(
                f"{alias}-{canary}-{key}",
                f"canary-{key}",
                rule_name(account, alias, canary, key),
                f"{description} on {about}",
                severity,
                c,
                [("ModelDeploymentName", [canary])],
            )
            for key, description, severity, c in _alerts(args["thresholds"], False)
        ]
        queries = pulumi.Output.from_input(args["account_id"]).apply(lambda i: canary_queries(i, stable, canary))
        for key, (severity, description) in _COMPARISONS.items():
            rule = self._claim(rule_name(account, alias, canary, key))
            ids.append(
                monitor.ScheduledQueryRule(
                    f"{self._name}-{alias}-{canary}-{key}",
                    rule_name=rule,
                    resource_group_name=args["resource_group_name"],
                    # No location: azure-native sets the stack's azure-native:location, else the resource group's
                    # (pulumi/pulumi-azure-native, provider.go getDefaultLocation).
                    kind="LogAlert",
                    description=f"{description}: {about}",
                    severity=severity,
                    enabled=True,
                    scopes=[args["workspace_id"]],
                    evaluation_frequency=COMPARISON_FREQUENCY,
                    window_size=COMPARISON_WINDOW,
                    criteria=monitor.ScheduledQueryRuleCriteriaArgs(
                        all_of=[
                            monitor.ConditionArgs(
                                # The query returns a row only when the canary is worse: fire on any row.
                                query=queries.apply(lambda q, k=key: q[k]),
                                time_aggregation="Count",
                                operator="GreaterThan",
                                threshold=0,
                                failing_periods=monitor.ConditionFailingPeriodsArgs(
                                    number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                                ),
                            )
                        ]
                    ),
                    auto_mitigate=True,
                    actions=monitor.ActionsArgs(action_groups=[args["action_group_id"]]),
                    tags=args.get("tags"),
                    opts=self._child,
                ).id
            )
        return ids

    def _claim(self, rule: str) -> str:
        """Each rule name once: Azure names an alert rule once per resource group."""
        if rule in self._rule_names:
            raise ValueError(f"alert rule {rule!r} is declared twice on {self._args['account_name']}")
        self._rule_names.add(rule)
        return rule

    def _metric_alert(
        self,
        key: str,
        criterion: str,
        rule: str,
        description: str,
        severity: int,
        c: dict,
        narrowed: list[tuple[str, list[str]]],
    ) -> pulumi.Output[str]:
        """A static-threshold metric alert on the account, named ``{name}-{key}``; ``narrowed``: the dimension
        values it is limited to, before the criterion's own."""
        args = self._args
        return monitor.MetricAlert(
            f"{self._name}-{key}",
            rule_name=self._claim(rule),
            resource_group_name=args["resource_group_name"],
            location="global",
            description=description,
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
                        name=criterion,
                        metric_name=c["metric_name"],
                        metric_namespace=NAMESPACE,
                        operator="GreaterThan",
                        threshold=c["threshold"],
                        time_aggregation=c["time_aggregation"],
                        dimensions=[
                            monitor.MetricDimensionArgs(name=d, operator="Include", values=v)
                            for d, v in [*narrowed, *c["dimensions"]]
                        ],
                    )
                ],
            ),
            actions=[monitor.MetricAlertActionArgs(action_group_id=args["action_group_id"])],
            tags=args.get("tags"),
            opts=self._child,
        ).id
