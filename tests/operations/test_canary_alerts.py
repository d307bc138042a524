"""Watching a canary (issue #23, item 3): the alerts AccountMonitoring adds for each rollout on its account.

Per rollout, three metric alerts on the canary alone (the account's own, narrowed to its deployment) and two log
search alerts comparing it with the stable deployment. Sources:

- Metric names and the dimensions ``ModelDeploymentName`` and ``StatusCode`` of ``AzureOpenAIRequests`` and
  ``AzureOpenAITimeToResponse``: learn.microsoft.com/azure/ai-foundry/openai/monitor-openai-reference ("Metric
  dimensions"; MicrosoftDocs/azure-ai-docs, articles/ai-foundry/openai/monitor-openai-reference.md).
- A metric alert rule compares a series with a threshold (``StaticThresholdCriterion``: ``operator``,
  ``threshold``): ``Microsoft.Insights/metricAlerts`` 2018-03-01, /work/shared/arm-schemas. Comparing two
  deployments takes a log search alert, ``Microsoft.Insights/scheduledQueryRules``, API 2025-01-01-preview in the
  installed azure-native (``monitor.ScheduledQueryRule``), schema in
  /work/shared/arm-schemas/schemas/2025-01-01-preview/Microsoft.Insights.json: ``kind`` LogAlert,
  ``criteria.allOf[].query``/``timeAggregation`` (Count, ...)/``operator``/``threshold``, ``scopes``,
  ``windowSize``, ``evaluationFrequency``, ``actions.actionGroups``.
- Where the logs are: the RequestResponse category of Microsoft.CognitiveServices/accounts goes to the
  ``AzureDiagnostics`` table (learn.microsoft.com/azure/azure-monitor/reference/supported-logs/
  microsoft-cognitiveservices-accounts-logs: no resource-specific table, so ``Dedicated`` changes nothing here);
  its columns ``_ResourceId``, ``Category``, ``DurationMs``, ``ResultSignature``, ``properties_s``:
  learn.microsoft.com/azure/ai-foundry/openai/how-to/monitor-openai ("AzureDiagnostics | project TimeGenerated,
  _ResourceId, Category, OperationName, DurationMs, ResultSignature, properties_s"); ``modelDeploymentName`` inside
  ``properties_s`` and ``ResultSignature`` as the HTTP status: Microsoft FastTrack's Azure OpenAI Insights workbook
  (dolevshor/Azure-OpenAI-Insights, ``parse_json(properties_s).modelDeploymentName``,
  ``toint(ResultSignature) >= 400``) and Azure/Azure-Sentinel Workbooks/AzureOpenAIMonitoring.json
  (``ResourceProvider == "MICROSOFT.COGNITIVESERVICES"``, ``Category == "RequestResponse"``).
- Alert rule names: metricAlerts and scheduledQueryRules are 1-260 characters, unique per resource group, without
  ``*#&+:<>?@%{}\\/`` and the like: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
  (Microsoft.Insights).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from pulumi_azure_native import monitor

from components.account_monitoring import (
    FAILURE_MARGIN_POINTS,
    LATENCY_RATIO,
    MIN_REQUESTS,
    RULE_NAME_MAX,
    AccountMonitoring,
    canary_queries,
    rule_name,
)
from infra import azure_types
from tests.helpers import by_name, of_type, register

METRIC_ALERT = azure_types.METRIC_ALERT.token
DIAGNOSTIC = azure_types.DIAGNOSTIC_SETTING.token
LOG_ALERT = "azure-native:monitor:ScheduledQueryRule"  # the token monitor.ScheduledQueryRule registers
SUB = "00000000-0000-0000-0000-000000000000"
ACCOUNT_ID = f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/oai-contoso"
WORKSPACE_ID = f"/subscriptions/{SUB}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/log-x"
ACTION_GROUP_ID = f"/subscriptions/{SUB}/resourceGroups/rg-ops/providers/Microsoft.Insights/actionGroups/ag-x"
THRESHOLDS = {"throttled_requests": 10, "server_errors": 5, "time_to_response_ms": 15000, "ptu_utilization_percent": 90}
CHAT = {"alias": "chat", "team": "contoso", "stable": "contoso-chat-gpt-4.1-mini", "canary": "contoso-chat-gpt-5-mini"}
EMBED = {"alias": "embed", "team": "fabrikam", "stable": "fabrikam-emb-small", "canary": "fabrikam-emb-large"}


# The official ARM schema of the API version azure-native's monitor.ScheduledQueryRule uses: a copy of
# github.com/Azure/azure-resource-manager-schemas (commit a1454431), schemas/2025-01-01-preview/Microsoft.Insights.json.
SCHEMA = Path("/work/shared/arm-schemas/schemas/2025-01-01-preview/Microsoft.Insights.json")


def _monitor(**extra):
    def program():
        AccountMonitoring(
            "acct",
            {
                "account_id": ACCOUNT_ID,
                "account_name": "oai-contoso",
                "resource_group_name": "rg-ai",
                "workspace_id": WORKSPACE_ID,
                "action_group_id": ACTION_GROUP_ID,
                "thresholds": THRESHOLDS,
                "tags": {"environment": "test"},
                **extra,
            },
        )

    return register(program)


def _shape(resources) -> list[tuple[str, str]]:
    return sorted((r.type, r.name) for r in resources if r.custom)


def test_without_rollouts_the_component_registers_what_it_did():
    """The dev and prod plans declare no rollout: the diagnostic setting and the three account alerts, as before."""
    before = [
        (DIAGNOSTIC, "acct"),
        (METRIC_ALERT, "acct-latency"),
        (METRIC_ALERT, "acct-server-errors"),
        (METRIC_ALERT, "acct-throttling"),
    ]
    assert _shape(_monitor()) == before
    assert _shape(_monitor(rollouts=[])) == before
    alerts = by_name(of_type(_monitor(rollouts=[]), METRIC_ALERT))
    assert alerts["acct-throttling"].inputs["ruleName"] == "oai-contoso-throttling"
    (criterion,) = alerts["acct-throttling"].inputs["criteria"]["allOf"]
    assert criterion["name"] == "throttling"
    assert criterion["dimensions"] == [{"name": "StatusCode", "operator": "Include", "values": ["429"]}]


def test_each_rollout_adds_three_canary_metric_alerts_and_two_comparisons():
    resources = _monitor(rollouts=[CHAT, EMBED], provisioned=True)
    account_alerts = {"acct-throttling", "acct-server-errors", "acct-latency", "acct-ptu-utilization"}
    canary_alerts = {
        f"acct-{r['alias']}-{r['canary']}-{k}"
        for r in (CHAT, EMBED)
        for k in ("throttling", "server-errors", "latency")
    }
    comparisons = {
        f"acct-{r['alias']}-{r['canary']}-{k}"
        for r in (CHAT, EMBED)
        for k in ("vs-stable-failures", "vs-stable-latency")
    }
    assert {r.name for r in of_type(resources, METRIC_ALERT)} == account_alerts | canary_alerts
    assert {r.name for r in of_type(resources, LOG_ALERT)} == comparisons
    assert len(of_type(resources, DIAGNOSTIC)) == 1
    # Provisioned utilisation is the account's, not a deployment's: no canary copy of it.
    assert not any(n.endswith("ptu-utilization") for n in canary_alerts)


def test_canary_metric_alerts_are_the_accounts_narrowed_to_the_canary():
    """Narrowed by ModelDeploymentName, so they fire even when the stable deployment serves nothing; the account's
    thresholds, scope, windows and action group."""
    alerts = by_name(of_type(_monitor(rollouts=[CHAT]), METRIC_ALERT))
    prefix = "acct-chat-contoso-chat-gpt-5-mini"
    expected = {
        "throttling": ("AzureOpenAIRequests", "Total", 10, [("StatusCode", ["429"])], 2),
        "server-errors": ("AzureOpenAIRequests", "Total", 5, [("StatusCode", ["500", "502", "503", "504"])], 1),
        "latency": ("AzureOpenAITimeToResponse", "Average", 15000, [], 3),
    }
    for key, (metric, aggregation, threshold, dimensions, severity) in expected.items():
        i = alerts[f"{prefix}-{key}"].inputs
        assert i["ruleName"] == f"oai-contoso-chat-contoso-chat-gpt-5-mini-{key}"
        assert i["scopes"] == [ACCOUNT_ID] and i["location"] == "global" and i["severity"] == severity
        assert (i["evaluationFrequency"], i["windowSize"]) == ("PT1M", "PT5M")
        assert i["actions"] == [{"actionGroupId": ACTION_GROUP_ID}]
        assert i["tags"] == {"environment": "test"}
        assert "canary contoso-chat-gpt-5-mini of contoso's alias chat" in i["description"]
        (c,) = i["criteria"]["allOf"]
        assert (c["name"], c["metricName"], c["timeAggregation"], c["threshold"]) == (
            f"canary-{key}",
            metric,
            aggregation,
            threshold,
        )
        assert c["metricNamespace"] == "Microsoft.CognitiveServices/accounts" and c["operator"] == "GreaterThan"
        assert c["dimensions"] == [
            {"name": "ModelDeploymentName", "operator": "Include", "values": ["contoso-chat-gpt-5-mini"]},
            *({"name": d, "operator": "Include", "values": v} for d, v in dimensions),
        ]


def test_comparisons_are_log_search_alerts_on_the_workspace():
    rules = by_name(of_type(_monitor(rollouts=[CHAT]), LOG_ALERT))
    queries = canary_queries(ACCOUNT_ID, CHAT["stable"], CHAT["canary"])
    for key, severity in (("vs-stable-failures", 2), ("vs-stable-latency", 3)):
        i = rules[f"acct-chat-contoso-chat-gpt-5-mini-{key}"].inputs
        assert i["ruleName"] == f"oai-contoso-chat-contoso-chat-gpt-5-mini-{key}"
        assert i["kind"] == "LogAlert" and i["enabled"] is True and i["autoMitigate"] is True
        assert i["scopes"] == [WORKSPACE_ID] and i["resourceGroupName"] == "rg-ai"
        assert (i["severity"], i["evaluationFrequency"], i["windowSize"]) == (severity, "PT5M", "PT15M")
        assert i["actions"] == {"actionGroups": [ACTION_GROUP_ID]}
        assert i["tags"] == {"environment": "test"}
        assert "location" not in i  # azure-native fills it (stack config, else the resource group's)
        (c,) = i["criteria"]["allOf"]
        # The query returns a row only when the canary is worse: any row fires.
        assert (c["timeAggregation"], c["operator"], c["threshold"]) == ("Count", "GreaterThan", 0)
        assert c["failingPeriods"] == {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1}
        assert c["query"] == queries[key]


def test_the_queries_compare_the_two_deployments_of_this_account_by_the_stated_margin():
    q = canary_queries(ACCOUNT_ID, "contoso-chat-gpt-4.1-mini", "contoso-chat-gpt-5-mini")
    assert set(q) == {"vs-stable-failures", "vs-stable-latency"}
    for text in q.values():
        assert text.startswith(
            'let stableDeployment = "contoso-chat-gpt-4.1-mini";\n'
            'let canaryDeployment = "contoso-chat-gpt-5-mini";\n'
            "AzureDiagnostics\n"
            '| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES" and Category == "RequestResponse"\n'
            f'| where _ResourceId =~ "{ACCOUNT_ID}"\n'
            "| extend Deployment = tostring(parse_json(properties_s).modelDeploymentName),"
            " Status = toint(ResultSignature)\n"
            "| where Deployment in (stableDeployment, canaryDeployment)\n"
        )
        assert f"| where StableRequests >= {MIN_REQUESTS} and CanaryRequests >= {MIN_REQUESTS}\n" in text
        assert "ago(" not in text  # the rule's window is the query's time range
    failures, latency = q["vs-stable-failures"], q["vs-stable-latency"]
    assert "countif(Status == 429 or Status >= 500)" in failures
    assert (FAILURE_MARGIN_POINTS, LATENCY_RATIO, MIN_REQUESTS) == (5, 1.5, 20)
    assert failures.endswith("| where CanaryFailedPct > StableFailedPct + 5\n")
    assert "| where Status between (200 .. 299)\n" in latency  # latency of answers, not of fast refusals
    assert "percentile(DurationMs, 95)" in latency
    assert latency.endswith("| where CanaryP95Ms > 1.5 * StableP95Ms\n")


def test_query_strings_are_quoted():
    q = canary_queries('/x"y', 'a\\b"c', "d")
    assert 'let stableDeployment = "a\\\\b\\"c";' in q["vs-stable-failures"]
    assert '| where _ResourceId =~ "/x\\"y"' in q["vs-stable-latency"]


def test_rule_names_are_unique_valid_and_at_most_260_characters():
    long = {"alias": "a" * 64, "team": "t", "stable": "s" * 64, "canary": "c" * 64}
    other = {**long, "canary": "c" * 63 + "d"}

    def program():
        AccountMonitoring(
            "acct",
            {
                "account_id": ACCOUNT_ID,
                "account_name": "o" * 64,
                "resource_group_name": "rg-ai",
                "workspace_id": WORKSPACE_ID,
                "action_group_id": ACTION_GROUP_ID,
                "thresholds": THRESHOLDS,
                "rollouts": [CHAT, EMBED, long, other],
            },
        )

    resources = register(program)
    names = [r.inputs["ruleName"] for r in [*of_type(resources, METRIC_ALERT), *of_type(resources, LOG_ALERT)]]
    assert len(names) == len(set(names)) == 3 + 4 * 5
    assert all(1 <= len(n) <= RULE_NAME_MAX and not n.endswith((".", " ")) for n in names)
    assert not any(set(n) & set("*#&+:<>?@%{}\\/") for n in names)
    # A name over the limit keeps what it watches and a hash of the whole.
    cut = rule_name("o" * 100, "a" * 100, "c" * 100, "vs-stable-latency")
    assert len(cut) == RULE_NAME_MAX and cut.endswith("-vs-stable-latency")
    assert cut != rule_name("o" * 100, "a" * 100, "c" * 99 + "d", "vs-stable-latency")
    assert rule_name("oai-x", "chat", "dep", "latency") == "oai-x-chat-dep-latency"


@pytest.mark.parametrize(
    ("rollout", "error", "message"),
    [
        ({**CHAT, "canary": CHAT["stable"]}, ValueError, "is the stable deployment"),
        ({**CHAT, "alias": "chat/v2"}, ValueError, "Azure refuses the characters /"),
    ],
)
def test_a_rollout_that_cannot_be_watched_is_refused(rollout, error, message):
    with pytest.raises(error, match=message):
        _monitor(rollouts=[rollout])


def test_the_same_rollout_twice_is_refused():
    """Azure names an alert rule once per resource group."""
    with pytest.raises(ValueError, match="declared twice on oai-contoso"):
        _monitor(rollouts=[CHAT, dict(CHAT)])


def test_log_alerts_speak_the_api_version_of_the_sdk_and_its_schema():
    """Every property the rule sends is one the 2025-01-01-preview schema defines, with an allowed value."""
    assert "Uses Azure REST API version 2025-01-01-preview." in inspect.getsource(monitor.ScheduledQueryRule)
    if not SCHEMA.exists():
        pytest.skip("the ARM schema copy is not on this machine")
    schema = json.loads(SCHEMA.read_text())
    defs = schema["definitions"]
    rule = schema["resourceDefinitions"]["scheduledQueryRules"]["properties"]
    (r, *_) = of_type(_monitor(rollouts=[CHAT]), LOG_ALERT)
    top = {"ruleName", "resourceGroupName", "kind", "tags"}  # name and resource group make the ARM ID
    assert set(r.inputs) - top <= set(defs["ScheduledQueryRuleProperties"]["properties"])
    assert r.inputs["kind"] in rule["kind"]["oneOf"][0]["enum"]
    (c,) = r.inputs["criteria"]["allOf"]
    condition = defs["Condition"]["properties"]
    assert set(c) <= set(condition)
    assert c["timeAggregation"] in condition["timeAggregation"]["oneOf"][0]["enum"]
    assert c["operator"] in condition["operator"]["oneOf"][0]["enum"]
    assert set(c["failingPeriods"]) <= set(defs["ConditionFailingPeriods"]["properties"])
    assert set(r.inputs["actions"]) <= set(defs["Actions"]["properties"])
