"""The chargeback workbook (issue #25, items 2 and 3): one per environment, and every KQL query the project ships
analyzed by Microsoft's own Kusto language service (``tools/kql-check``, ``@kusto/language-service-next``).

Sources:
- ``Microsoft.Insights/workbooks``: kind "Only valid value is shared", name "must be an UUID", ``location``
  required (learn.microsoft.com/azure/templates/microsoft.insights/workbooks); category "workbook" is the gallery
  it shows under and ``sourceId`` the resource it belongs to (learn.microsoft.com/azure/azure-monitor/visualize/
  resource-manager-workbooks). ``serializedData`` is ``Notebook/1.0`` with items of type 1 (text), 9 (parameters)
  and 3 (query; ``queryType`` 0 = logs, ``timeContextFromParameter``), as in Azure-Samples/AI-Gateway
  labs/finops-framework/workbooks/cost-analysis.json.
- A resource's portal URL is ``https://portal.azure.com/#@<tenant>/resource<ARM ID>``, ``/workbook`` opening the
  workbook view (AI-Gateway labs/ghcp-byok-foundry/ghcp-byok-foundry.ipynb: ``f"https://portal.azure.com/
  #@{tenant_id}/resource{finops_workbook_id}"``).
- Table schemas, column names and types (Azure Monitor tables reference):
  ``AppMetrics``: learn.microsoft.com/azure/azure-monitor/reference/tables/appmetrics (``Name`` string, ``Sum``
  real, ``ItemCount`` int, ``Properties`` dynamic "Application-defined properties", ...);
  ``ApiManagementGatewayLogs``: learn.microsoft.com/azure/azure-monitor/reference/tables/apimanagementgatewaylogs
  (``ResponseCode`` int, ``BackendResponseCode`` int, ``BackendId`` string, ``BackendUrl`` string, ``Url`` string,
  ...); ``ApiManagementGatewayLlmLog``: learn.microsoft.com/azure/azure-monitor/reference/tables/
  apimanagementgatewayllmlog; ``AzureDiagnostics``: learn.microsoft.com/azure/azure-monitor/reference/tables/
  azurediagnostics (its fixed columns; "If a resource log includes a column that doesn't already exist in the
  AzureDiagnostics table, that column is added the first time that data is collected": Azure OpenAI's
  ``properties_s``, a string, per learn.microsoft.com/azure/ai-foundry/openai/how-to/monitor-openai).
- The token metric: ``llm-emit-token-metric`` sends "Total Tokens, Prompt Tokens, and Completion Tokens" to
  Application Insights, its dimensions as custom properties (learn.microsoft.com/azure/api-management/
  llm-emit-token-metric-policy); with a workspace-based component they land in ``AppMetrics``.
- Kusto's analyzer: ``Kusto.Language.KustoCode.ParseAndAnalyze`` and ``GetDiagnostics`` (npm
  ``@kusto/language-service-next`` 12.4.1, ``Kusto.Language.Bridge.d.ts``); KS142 "does not refer to any known
  column, table, variable or function".
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid

import pytest

from components.account_monitoring import canary_queries
from infra import azure_types, workbook
from infra.catalog import load
from infra.plan import PROJECT_ROOT
from tests.helpers import of_type

KQL_CHECK = PROJECT_ROOT / "tools" / "kql-check"
WORKBOOK = azure_types.WORKBOOK.token

_APP_METRICS = {
    "AppRoleInstance": "string", "AppRoleName": "string", "AppVersion": "string", "_BilledSize": "real",
    "ClientBrowser": "string", "ClientCity": "string", "ClientCountryOrRegion": "string", "ClientIP": "string",
    "ClientModel": "string", "ClientOS": "string", "ClientStateOrProvince": "string", "ClientType": "string",
    "IKey": "string", "_IsBillable": "string", "ItemCount": "int", "Max": "real", "Min": "real", "Name": "string",
    "OperationId": "string", "OperationName": "string", "ParentId": "string", "Properties": "dynamic",
    "ResourceGUID": "string", "_ResourceId": "string", "SDKVersion": "string", "SessionId": "string",
    "SourceSystem": "string", "_SubscriptionId": "string", "Sum": "real", "SyntheticSource": "string",
    "TenantId": "string", "TimeGenerated": "datetime", "Type": "string", "UserAccountId": "string",
    "UserAuthenticatedId": "string", "UserId": "string",
}  # fmt: skip
_GATEWAY_LOGS = {
    "ApiId": "string", "ApimSubscriptionId": "string", "ApiRevision": "string", "BackendId": "string",
    "BackendMethod": "string", "BackendProtocol": "string", "BackendRequestBody": "string",
    "BackendRequestHeaders": "dynamic", "BackendResponseBody": "string", "BackendResponseCode": "int",
    "BackendResponseHeaders": "dynamic", "BackendTime": "long", "BackendUrl": "string", "_BilledSize": "real",
    "Cache": "string", "CacheTime": "long", "CallerIpAddress": "string", "Category": "string",
    "ClientProtocol": "string", "ClientTime": "long", "ClientTlsVersion": "string", "CorrelationId": "string",
    "Errors": "dynamic", "_IsBillable": "string", "IsMasterTrace": "bool", "IsRequestSuccess": "bool",
    "IsTraceAllowed": "bool", "IsTraceExpired": "bool", "IsTraceRequested": "bool", "LastErrorElapsed": "long",
    "LastErrorMessage": "string", "LastErrorReason": "string", "LastErrorScope": "string",
    "LastErrorSection": "string", "LastErrorSource": "string", "Method": "string", "OperationId": "string",
    "OperationName": "string", "ProductId": "string", "Region": "string", "RequestBody": "string",
    "RequestHeaders": "dynamic", "RequestSize": "int", "_ResourceId": "string", "ResponseBody": "string",
    "ResponseCode": "int", "ResponseHeaders": "dynamic", "ResponseSize": "int", "SourceSystem": "string",
    "_SubscriptionId": "string", "TenantId": "string", "TimeGenerated": "datetime", "TotalTime": "long",
    "TraceRecords": "dynamic", "Type": "string", "Url": "string", "UserId": "string",
}  # fmt: skip
_LLM_LOG = {
    "ApiVersion": "string", "_BilledSize": "real", "CompletionTokens": "int", "CorrelationId": "string",
    "DeploymentName": "string", "_IsBillable": "string", "IsStreamCompletion": "bool", "ModelName": "string",
    "OperationName": "string", "PromptTokens": "int", "Region": "string", "RequestId": "string",
    "RequestMessages": "dynamic", "_ResourceId": "string", "ResponseMessages": "dynamic", "SequenceNumber": "int",
    "SourceSystem": "string", "_SubscriptionId": "string", "TenantId": "string", "TimeGenerated": "datetime",
    "TotalTokens": "int", "Type": "string",
}  # fmt: skip
_AZURE_DIAGNOSTICS = {
    "TimeGenerated": "datetime", "ResourceProvider": "string", "Category": "string", "_ResourceId": "string",
    "OperationName": "string", "ResultSignature": "string", "DurationMs": "long", "properties_s": "string",
}  # fmt: skip
WORKSPACE_TABLES = {
    "AppMetrics": _APP_METRICS,
    "ApiManagementGatewayLogs": _GATEWAY_LOGS,
    "ApiManagementGatewayLlmLog": _LLM_LOG,
}


def analyze(tables: dict[str, dict[str, str]], queries: dict[str, str]) -> dict[str, list[dict]]:
    """Each query's Error diagnostics from Kusto's analyzer (warnings and suggestions do not count)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is missing: the Kusto analyzer runs under Node (CI installs it)")
    if not (KQL_CHECK / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install tools/kql-check (npm ci --prefix tools/kql-check)")
        pytest.skip("tools/kql-check is not installed: npm ci --prefix tools/kql-check")
    run = subprocess.run(
        [node, str(KQL_CHECK / "analyze.mjs")],
        input=json.dumps({"tables": tables, "queries": queries}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr
    found = json.loads(run.stdout)
    assert set(found) == set(queries)
    return {key: [d for d in diags if d["severity"] == "Error"] for key, diags in found.items()}


def _workbook(plan):
    [book] = of_type(plan.resources, WORKBOOK)
    return book, json.loads(book.inputs["serializedData"])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_environment_plans_one_shared_workbook_on_its_workspace(plans, stack):
    plan = plans[stack]
    book, data = _workbook(plan)
    [workspace] = of_type(plan.resources, azure_types.WORKSPACE.token)
    platform = next(rg.name for rg in plan.topology.resource_groups if rg.key == "platform")
    assert {k: v for k, v in book.inputs.items() if k not in ("serializedData", "tags")} == {
        "resourceName": str(uuid.uuid5(workbook.WORKBOOK_NAMESPACE, f"{platform}/chargeback")),
        "resourceGroupName": platform,
        "location": "swedencentral",
        "kind": "shared",
        "category": "workbook",
        "displayName": f"AI landing zone chargeback ({stack})",
        "sourceId": workspace.outputs["id"],
        "version": "Notebook/1.0",
    }
    assert data["version"] == "Notebook/1.0" and data["fallbackResourceIds"] == [workspace.outputs["id"]]
    queries = [i["content"] for i in data["items"] if i["type"] == 3]
    assert {q["query"] for q in queries} == set(workbook.queries(plan.topology).values())
    assert len(queries) == 6
    for q in queries:
        assert q["queryType"] == 0 and q["resourceType"] == "microsoft.operationalinsights/workspaces"
        assert q["crossComponentResources"] == [workspace.outputs["id"]]
        # The time range comes from the item, never a {placeholder} in the text that Kusto could not analyze.
        assert ("timeContextFromParameter" in q) != ("timeContext" in q) and "{" not in q["query"]
    [parameters] = [i for i in data["items"] if i["type"] == 9]
    assert [p["name"] for p in parameters["content"]["parameters"]] == [workbook.TIME_RANGE]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_workbook_url_is_a_stack_output(plans, stack):
    plan = plans[stack]
    book, _ = _workbook(plan)
    out = plan.outputs["workbook"]
    assert out["name"] == book.inputs["resourceName"]
    assert out["url"] == f"https://portal.azure.com/#@/resource{book.outputs['id']}/workbook"
    assert re.fullmatch(
        r"https://portal\.azure\.com/#@/resource/subscriptions/[0-9a-f-]{36}/resourceGroups/rg-contoso-"
        + stack
        + r"/providers/Microsoft\.Insights/workbooks/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/workbook",
        out["url"],
    )


def test_prices_quotas_and_pools_ship_inside_the_queries(prod):
    """The catalog's list price times the SKU's multiplier, its date in the title; each team's quota and budget;
    each pool member's subdomain and priority."""
    prices = load().prices
    q = workbook.queries(prod.topology)
    mini, mult = prices.tokens["gpt-4.1-mini"], prices.deployment_type_multipliers["DataZoneStandard"]
    assert mult == 1.1 and (mini.input, mini.output) == (0.4, 1.6)
    row = '"hr-copilot-gpt-4.1-mini", "hr-copilot", "gpt-4.1-mini", real(0.44), real(1.76),'
    assert row in q["cost"] and row in q["tokens"] and row in q["quota"]
    # PTUs are billed by the hour, not the token.
    assert '"fraud-detect-gpt-4.1", "fraud-detect", "gpt-4.1", real(0), real(0),' in q["cost"]
    assert '"contoso-chat", long(11523687580), real(6000),' in q["quota"]
    assert '"fraud-detect", long(null), real(25000),' in q["quota"]
    assert (
        '"oai-contoso-prod-fraud-detect-francecentral", "pool-team-fraud-detect", "team-fraud-detect-francecentral", 2,'
        in q["failovers"]
    )
    _, data = _workbook(prod)
    assert f"dated **{prices.snapshot_date.isoformat()}**" in data["items"][0]["content"]["json"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_workbook_query_passes_the_kusto_analyzer(plans, stack):
    queries = workbook.queries(plans[stack].topology)
    assert analyze(WORKSPACE_TABLES, queries) == {key: [] for key in queries}


def test_a_misspelt_column_fails_the_analyzer(dev):
    queries = workbook.queries(dev.topology)
    broken = {"errors": queries["errors"].replace("ResponseCode", "ResponseCod", 1)}
    [diag] = analyze(WORKSPACE_TABLES, broken)["errors"]
    assert diag["code"] == "KS142" and "'ResponseCod'" in diag["message"]
    wrong_table = {"tokens": queries["tokens"].replace("AppMetrics", "AppMetric")}
    assert [d["code"] for d in analyze(WORKSPACE_TABLES, wrong_table)["tokens"]] == ["KS204"]


def test_the_canary_alert_queries_pass_the_kusto_analyzer():
    account = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai-x"
    queries = canary_queries(account, "chat-gpt-4.1-mini", 'chat-"gpt-5"')
    assert len(queries) == 2
    assert analyze({"AzureDiagnostics": _AZURE_DIAGNOSTICS}, queries) == {key: [] for key in queries}
    typo = {k: q.replace("ResultSignature", "ResultSignatur") for k, q in queries.items()}
    assert all(d and d[0]["code"] == "KS142" for d in analyze({"AzureDiagnostics": _AZURE_DIAGNOSTICS}, typo).values())
