"""Looking at the chargeback workbook before deploying it (issue #25, item 4): tools/render_workbook.py.

The workbook shape (serializedData ``version`` "Notebook/1.0"; ``items`` of type 1 text with ``content.json``
markdown, 3 query with ``content.query``/``visualization``/``title``, 9 parameters with ``content.parameters``,
12 group with ``content.items``; ``customWidth`` in percent) is that of Microsoft's workbooks: the AI-Gateway
FinOps lab (Azure-Samples/AI-Gateway, labs/finops-framework/workbooks/cost-analysis.json) and the workbook JSON
schema (github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json). Column names are
those of the ``ApiManagementGatewayLlmLog`` table
(learn.microsoft.com/azure/azure-monitor/reference/tables/ApiManagementGatewayLlmLog).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from infra.mocks import RecordedResource
from tools import render_workbook as render

WORKBOOK = {
    "version": "Notebook/1.0",
    "items": [
        {
            "type": 1,
            "name": "text - title",
            "content": {
                "json": "# AI landing zone: usage and chargeback\r\nTokens and cost per **team**, from the"
                " gateway's LLM logs. Prices as of 2026-11-01."
            },
        },
        {
            "type": 9,
            "name": "parameters",
            "content": {
                "version": "KqlParameterItem/1.0",
                "style": "pills",
                "queryType": 0,
                "parameters": [
                    {
                        "id": "0b0e7d0c-0000-4000-8000-000000000001",
                        "version": "KqlParameterItem/1.0",
                        "name": "TimeRange",
                        "type": 4,
                        "isRequired": True,
                        "value": {"durationMs": 2592000000},
                        "typeSettings": {"selectableValues": [{"durationMs": 86400000}, {"durationMs": 2592000000}]},
                    },
                    {
                        "id": "0b0e7d0c-0000-4000-8000-000000000002",
                        "version": "KqlParameterItem/1.0",
                        "name": "Team",
                        "type": 2,
                        "value": ["fraud-detect", "support-bot"],
                    },
                ],
            },
        },
        {
            "type": 3,
            "name": "query - tokens per day",
            "content": {
                "version": "KqlItem/1.0",
                "title": "Tokens per model and day",
                "queryType": 0,
                "timeContextFromParameter": "TimeRange",
                "visualization": "timechart",
                "query": "ApiManagementGatewayLlmLog\n| where DeploymentName != ''\n"
                "| summarize Tokens = sum(TotalTokens) by bin(TimeGenerated, 1d), ModelName",
            },
        },
        {
            "type": 3,
            "name": "query - cost per team",
            "customWidth": "50",
            "content": {
                "version": "KqlItem/1.0",
                "title": "Cost per team this month (USD)",
                "queryType": 0,
                "visualization": "barchart",
                "query": "ApiManagementGatewayLlmLog | where DeploymentName != ''"
                " | extend Team = 'x'"
                " | summarize CostUsd = sum(TotalTokens) * 0.00001 by Team, ModelName",
            },
        },
        {
            "type": 3,
            "name": "query - errors",
            "customWidth": "50",
            "content": {
                "version": "KqlItem/1.0",
                "title": "429 and 5xx per team",
                "queryType": 0,
                "visualization": "table",
                "query": "ApiManagementGatewayLogs | where ResponseCode == 429 or ResponseCode >= 500"
                " | summarize Requests = count() by Team = tostring(ApimSubscriptionId), ResponseCode"
                " | project Team, ResponseCode, Requests",
            },
        },
        {
            "type": 12,
            "name": "group - failover",
            "content": {
                "version": "NotebookGroup/1.0",
                "title": "Backend failovers",
                "items": [
                    {
                        "type": 3,
                        "name": "query - trips",
                        "content": {
                            "version": "KqlItem/1.0",
                            "title": "Circuit breaker trips per backend",
                            "visualization": "piechart",
                            "query": "ApiManagementGatewayLogs | summarize Trips = count() by BackendId",
                        },
                    }
                ],
            },
        },
    ],
    "fallbackResourceIds": [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
        "Microsoft.OperationalInsights/workspaces/law"
    ],
    "$schema": "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
}
QUERY_TITLES = [
    "Tokens per model and day",
    "Cost per team this month (USD)",
    "429 and 5xx per team",
    "Circuit breaker trips per backend",
]


def sections(page: str, kind: str) -> list[str]:
    """Each ``<section class="item ... kind ...">`` up to the next section (groups hold their own)."""
    return re.findall(rf'<section class="item [^"]*\b{kind}\b[^"]*".*?(?=<section|$)', page, re.S)


def test_columns_come_from_the_query_s_last_summarize_and_project():
    """``summarize ... by`` gives the by-columns then the aggregates (``bin(TimeGenerated, 1d)`` keeps its name;
    an unnamed ``count()`` is ``count_``), ``project`` replaces them, ``extend`` adds: Kusto's own naming
    (learn.microsoft.com/kusto/query/summarize-operator, "the default column name is the aggregation function's
    name followed by the column")."""
    llm = WORKBOOK["items"][2]["content"]["query"]
    assert render.columns_of(llm) == ["TimeGenerated", "ModelName", "Tokens"]
    assert render.columns_of(WORKBOOK["items"][4]["content"]["query"]) == ["Team", "ResponseCode", "Requests"]
    assert render.columns_of("T | summarize count(), sum(TotalTokens) by Team") == ["Team", "count_", "sum_TotalTokens"]
    assert render.columns_of("T | project A, B | extend C = A * 2 | project-away A") == ["B", "C"]
    assert render.columns_of("T | where x == 'a|b'") == ["Name", "Value"]  # nothing to follow: generic columns
    assert [render.kind_of(c) for c in ("TimeGenerated", "ModelName", "Tokens", "CostUsd")] == [
        "time",
        "category",
        "number",
        "number",
    ]


def test_sample_rows_are_the_same_on_every_run_and_labelled_by_column():
    query = WORKBOOK["items"][2]["content"]["query"]
    first, again = render.sample(query, "timechart"), render.sample(query, "timechart")
    assert first == again
    assert first.columns == ["TimeGenerated", "ModelName", "Tokens"]
    assert len(first.rows) == 7 * 4  # a week of days x four models
    assert {r[1] for r in first.rows} == {"gpt-4o", "gpt-4o-mini", "o3-mini", "text-embedding-3-large"}
    assert all(isinstance(r[2], int) and r[2] > 0 for r in first.rows)


def test_every_item_is_drawn_in_order_with_sample_data_captions():
    page = render.page(render.load(json.dumps(WORKBOOK)))
    assert page.count('<section class="item') == 7  # six items and the group's one
    names = re.findall(r'data-name="([^"]+)"', page)
    assert names == [
        "text - title",
        "parameters",
        "query - tokens per day",
        "query - cost per team",
        "query - errors",
        "group - failover",
        "query - trips",
    ]
    assert "generated <b>sample data</b>" in page  # the page says so once, above everything
    # text: markdown
    assert "<h1>AI landing zone: usage and chargeback</h1>" in page and "<strong>team</strong>" in page
    # parameters: pills with their values
    assert sections(page, "parameters")[0].count('class="pill"') == 2
    assert "<b>TimeRange:</b>Last 30 days" in page and "<b>Team:</b>fraud-detect, support-bot" in page
    # queries: one titled panel each, captioned, chart or table
    panels = sections(page, "query")
    assert [re.search(r"<h3>(.*?)</h3>", p).group(1) for p in panels] == [t.replace("&", "&amp;") for t in QUERY_TITLES]
    assert all('<span class="caption">sample data</span>' in p for p in panels)
    timechart, bars, errors, pie = panels
    assert timechart.count("<svg") == 1 and timechart.count("<polyline") == 4
    assert bars.count("<svg") == 1 and bars.count("<rect") == 4 * 3 + 3  # 4 teams x 3 models stacked, 3 swatches
    assert "<svg" not in errors and errors.count("<tr>") == 1 + 10  # header and the first ten rows
    assert "<th>Team</th><th>ResponseCode</th><th>Requests</th>" in errors
    assert pie.count("<path") == 3 and "aoai-westus3" in pie  # one slice per backend
    assert 'style="flex: 0 0 calc(50% - 6px)"' in page
    assert "<script" not in page and "http" not in page.split("</style>", 1)[1].replace('xmlns="http', "")


def test_the_stack_mode_reads_the_workbook_resource_and_says_when_there_is_none():
    def resource(type_, inputs):
        return RecordedResource("urn:x", type_, "wb", True, None, inputs, [], False, False, [])

    with pytest.raises(render.NoWorkbook, match="stack 'dev' registers no azure-native:applicationinsights:Workbook"):
        render.from_resources([resource("azure-native:resources:ResourceGroup", {})], "dev")
    found = render.from_resources([resource(render.WORKBOOK_TYPE, {"serializedData": json.dumps(WORKBOOK)})], "dev")
    assert found == WORKBOOK
    with pytest.raises(render.NoWorkbook, match="has no known serializedData"):
        render.from_resources([resource(render.WORKBOOK_TYPE, {})], "dev")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_png_is_written(tmp_path):
    source = tmp_path / "workbook.json"
    source.write_text(json.dumps(WORKBOOK))
    png = tmp_path / "workbook.png"
    assert render.main([str(source), str(png), "--html", str(tmp_path / "workbook.html")]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert (tmp_path / "workbook.html").exists()


def test_the_planned_workbook_renders_every_query_from_its_own_columns(dev):
    """``--stack dev`` reads the workbook the plan registers; every query's columns are followed (none falls back
    to the generic Name/Value), so each panel shows the columns the query really returns."""
    workbook = render.from_resources(dev.resources, "dev")
    queries = [i["content"]["query"] for i in workbook["items"] if i["type"] == render.QUERY]
    assert queries and all(render.columns_of(q) != ["Name", "Value"] for q in queries)
    page = render.page(workbook)
    panels = sections(page, "query")
    assert len(panels) == len(queries)
    assert all('<span class="caption">sample data</span>' in p for p in panels)
