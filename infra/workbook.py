"""The chargeback workbook of an environment: what each team used, what it cost, and how the gateway served it.

Its ``serializedData`` (``Notebook/1.0``, the shape of the Azure Monitor workbook samples) is built here from the
decided topology; ``infra.declare.workbook`` declares it. Every query runs against the Log Analytics workspace:
- ``AppMetrics``: the gateway's ``llm-emit-token-metric`` (names "Prompt Tokens", "Completion Tokens", "Total
  Tokens"; the policy's dimensions Team, Model, Alias, Deployment are keys of ``Properties``);
- ``ApiManagementGatewayLogs``: one row per gateway request (``ResponseCode``, ``BackendResponseCode``, ``Url``,
  ``BackendUrl``).
What the topology knows and the logs do not (prices, quotas, budgets, which backend is a pool's first choice)
ships inside the queries as ``datatable`` literals, so the workbook needs nothing but the workspace.
"""

from __future__ import annotations

import uuid

from components.account_monitoring import _kql_string as kql_string
from infra import catalog as catalog_mod
from infra.topology import Topology

WORKBOOK_NAMESPACE = uuid.UUID("6c1f0b9e-5a52-4d0e-9a1e-7f0f3c2b8a11")
"""uuid5 namespace of workbook names: a workbook's name must be a UUID, and a fixed one makes its ID and portal
URL known at plan time."""

TIME_RANGE = "TimeRange"
"""The workbook's time range parameter; queries take it through ``timeContextFromParameter``, never as a
``{TimeRange}`` placeholder in their text (which Kusto's analyzer rejects as a client parameter)."""

_TOKENS = '"Prompt Tokens", "Completion Tokens", "Total Tokens"'
_DAY_MS, _MONTH_MS = 86_400_000, 2_592_000_000


def workbook_name(topology: Topology) -> str:
    """The workbook's resource name: a UUID derived from the environment and its platform resource group."""
    platform = next(rg.name for rg in topology.resource_groups if rg.key == "platform")
    return str(uuid.uuid5(WORKBOOK_NAMESPACE, f"{platform}/chargeback"))


def display_name(topology: Topology) -> str:
    return f"AI landing zone chargeback ({topology.environment})"


def _deployments_table(topology: Topology, catalog: catalog_mod.Catalog) -> str:
    """Each deployment (and alias) name -> its team, catalog model and list price per 1M tokens on its SKU.

    Deployment names are the same in every region and carry the team's name, so one row per name. A provisioned
    deployment is billed by the hour, not by the token: its prices are 0 here (its PTUs are in the plan's costs)."""
    rows: dict[str, tuple[str, str, float, float]] = {}
    for d in (d for a in topology.accounts for d in a.deployments):
        tokens_in, tokens_out = catalog.prices.on_sku(d.model_name, d.sku) or (0.0, 0.0)
        rows.setdefault(d.name, (d.team, d.model_name, tokens_in, tokens_out))
    for alias in topology.aliases:
        rows.setdefault(alias.name, (alias.team, "", 0.0, 0.0))
    body = "".join(
        f"    {kql_string(name)}, {kql_string(team)}, {kql_string(model)}, real({i:.6g}), real({o:.6g}),\n"
        for name, (team, model, i, o) in sorted(rows.items())
    )
    return (
        "let deployments = datatable(Deployment:string, Team:string, Model:string,"
        " InputPerMillion:real, OutputPerMillion:real) [\n" + body + "];\n"
    )


def _teams_table(topology: Topology) -> str:
    """Each team -> its monthly token quota and monthly budget (USD), from the plan's costs."""
    body = "".join(
        f"    {kql_string(c.team)}, "
        + (f"long({c.monthly_tokens})" if c.monthly_tokens is not None else "long(null)")
        + ", "
        + (f"real({c.budget:g})" if c.budget is not None else "real(null)")
        + ",\n"
        for c in sorted(topology.costs, key=lambda c: c.team)
    )
    return "let teams = datatable(Team:string, MonthlyTokens:long, BudgetUSD:real) [\n" + body + "];\n"


def _members_table(topology: Topology) -> str:
    """Each pool member's account subdomain -> its pool and priority (1: the primary region)."""
    subdomains = {a.key: a.custom_subdomain for a in topology.accounts}
    body = "".join(
        f"    {kql_string(subdomains[m.account])}, {kql_string(api.pool)}, {kql_string(m.account)}, {m.priority},\n"
        for api in topology.gateway.apis
        for m in api.members
    )
    return "let members = datatable(Subdomain:string, Pool:string, Backend:string, Priority:int) [\n" + body + "];\n"


_TOKEN_ROWS = (
    "AppMetrics\n"
    f"| where Name in ({_TOKENS})\n"
    "| extend Team = tostring(Properties.Team), Deployment = tostring(Properties.Deployment)\n"
    '| summarize Prompt = sumif(Sum, Name == "Prompt Tokens"), Completion = sumif(Sum, Name == "Completion Tokens"),'
    ' Total = sumif(Sum, Name == "Total Tokens")'
)
# Deployment from the request path (/openai/deployments/{name}/...); the v1 API names its model in the body only.
_GATEWAY_ROWS = (
    "ApiManagementGatewayLogs\n"
    '| extend Deployment = extract(@"/deployments/([^/?]+)", 1, Url)\n'
    "| join kind=leftouter (deployments | project Deployment, Team) on Deployment\n"
)


def queries(topology: Topology, catalog: catalog_mod.Catalog | None = None) -> dict[str, str]:
    """The KQL of every workbook query, by id: what the workbook ships and what the tests analyze."""
    catalog = catalog or catalog_mod.load()
    deployments = _deployments_table(topology, catalog)
    return {
        "tokens": deployments
        + _TOKEN_ROWS
        + " by Day = bin(TimeGenerated, 1d), Team, Deployment\n"
        + "| join kind=leftouter (deployments | project Deployment, Model) on Deployment\n"
        + "| project Day, Team, Model = iff(isempty(Model), Deployment, Model), Prompt, Completion, Total\n"
        + "| order by Day desc, Team asc, Model asc\n",
        "cost": deployments
        + _TOKEN_ROWS
        + " by Month = startofmonth(TimeGenerated), Team, Deployment\n"
        + "| join kind=leftouter deployments on Deployment\n"
        + "| extend CostUSD = (Prompt * InputPerMillion + Completion * OutputPerMillion) / 1e6\n"
        + "| summarize CostUSD = round(sum(CostUSD), 2), Tokens = sum(Total) by Month, Team\n"
        + "| order by Month desc, CostUSD desc\n",
        "quota": deployments
        + _teams_table(topology)
        + _TOKEN_ROWS.replace("AppMetrics\n", "AppMetrics\n| where TimeGenerated >= startofmonth(now())\n")
        + " by Team, Deployment\n"
        + "| join kind=leftouter deployments on Deployment\n"
        + "| summarize Tokens = sum(Total),"
        " CostUSD = sum((Prompt * InputPerMillion + Completion * OutputPerMillion) / 1e6) by Team\n"
        + "| join kind=rightouter teams on Team\n"
        + "| project Team = Team1, Tokens = coalesce(Tokens, 0.0), MonthlyTokens,"
        " QuotaUsedPct = round(100.0 * Tokens / MonthlyTokens, 1), CostUSD = round(coalesce(CostUSD, 0.0), 2),"
        " BudgetUSD, BudgetUsedPct = round(100.0 * CostUSD / BudgetUSD, 1)\n"
        "| order by Team asc\n",
        "errors": deployments
        + _GATEWAY_ROWS
        + "| where ResponseCode == 429 or ResponseCode >= 500 or BackendResponseCode == 429"
        " or BackendResponseCode >= 500\n"
        + "| summarize Throttled = countif(ResponseCode == 429), ServerErrors = countif(ResponseCode >= 500),"
        " BackendThrottled = countif(BackendResponseCode == 429),"
        " BackendErrors = countif(BackendResponseCode >= 500) by Team, Deployment, BackendId\n"
        + "| order by Throttled + ServerErrors desc\n",
        "failovers": _members_table(topology)
        + "ApiManagementGatewayLogs\n"
        + "| where isnotempty(BackendUrl)\n"
        + '| extend Subdomain = extract(@"^https://([^./]+)\\.", 1, BackendUrl)\n'
        + "| join kind=inner members on Subdomain\n"
        + "| summarize Calls = count(), FailedOver = countif(Priority > 1),"
        " BackendThrottled = countif(BackendResponseCode == 429) by Hour = bin(TimeGenerated, 1h), Pool\n"
        + "| extend FailedOverPct = round(100.0 * FailedOver / Calls, 1)\n"
        + "| order by Hour desc, Pool asc\n",
        "aliases": "AppMetrics\n"
        + '| where Name == "Total Tokens"\n'
        + "| extend Alias = tostring(Properties.Alias), Deployment = tostring(Properties.Deployment)\n"
        + "| where isnotempty(Alias)\n"
        + "| summarize Tokens = sum(Sum), Requests = sum(ItemCount)"
        " by Day = bin(TimeGenerated, 1d), Alias, Deployment\n" + "| order by Day desc, Alias asc, Deployment asc\n",
    }


# id -> (title, visualization, what it shows): the workbook's sections, in order.
_SECTIONS = {
    "tokens": ("Tokens per team, model and day", "table", "From the gateway's token metric (`AppMetrics`)."),
    "cost": (
        "Cost per team per month (USD)",
        "barchart",
        "Prompt and completion tokens times the catalog's list price of each deployment's model and SKU."
        " Provisioned deployments are billed per PTU-hour and count 0 here.",
    ),
    "quota": (
        "Quota and budget use this month, per team",
        "table",
        "Tokens against each team's monthly token quota; token cost against its monthly budget.",
    ),
    "errors": (
        "429 and 5xx per team and deployment",
        "table",
        "From the gateway's request log (`ApiManagementGatewayLogs`): what callers got (`ResponseCode`) and what"
        " the backends answered (`BackendResponseCode`).",
    ),
    "failovers": (
        "Backend failovers",
        "timechart",
        "Calls served by a pool member of priority 2 or lower: the circuit breaker had tripped every priority-1"
        " member. Read from the backend URL each call went to.",
    ),
    "aliases": ("Split per alias", "table", "Tokens and requests of each alias's targets."),
}


def serialized_data(topology: Topology, workspace_id: str, catalog: catalog_mod.Catalog | None = None) -> dict:
    """The workbook's ``serializedData`` for the workspace ``workspace_id``; the resource takes it ``json.dumps``-ed."""
    catalog = catalog or catalog_mod.load()
    texts = queries(topology, catalog)
    prices = catalog.prices
    items: list[dict] = [
        _text(
            "title",
            f"# {display_name(topology)}\n"
            f"Token use, cost, quota and gateway health of every team of `{topology.environment}`.\n\n"
            f"Prices: {prices.currency} list prices per 1M tokens from the model catalog, dated"
            f" **{prices.snapshot_date.isoformat()}** ({prices.sources[0].url}). Estimates, not invoices.",
        ),
        {
            "type": 9,
            "content": {
                "version": "KqlParameterItem/1.0",
                "parameters": [
                    {
                        "id": str(uuid.uuid5(WORKBOOK_NAMESPACE, TIME_RANGE)),
                        "version": "KqlParameterItem/1.0",
                        "name": TIME_RANGE,
                        "type": 4,
                        "isRequired": True,
                        "value": {"durationMs": _MONTH_MS},
                        "typeSettings": {
                            "selectableValues": [{"durationMs": ms} for ms in (_DAY_MS, 7 * _DAY_MS, _MONTH_MS)]
                        },
                    }
                ],
                "style": "pills",
                "queryType": 0,
            },
            "name": "parameters",
        },
    ]
    for key, (title, visualization, note) in _SECTIONS.items():
        items.append(_text(key, f"## {title}\n{note}"))
        content = {
            "version": "KqlItem/1.0",
            "query": texts[key],
            "size": 0,
            "queryType": 0,
            "resourceType": "microsoft.operationalinsights/workspaces",
            "crossComponentResources": [workspace_id],
            "visualization": visualization,
        }
        # This month's quota and budget: the query keeps only this month; the range just has to reach back to it.
        if key == "quota":
            content["timeContext"] = {"durationMs": _MONTH_MS + 2 * _DAY_MS}
        else:
            content["timeContextFromParameter"] = TIME_RANGE
        items.append({"type": 3, "content": content, "name": f"query - {key}"})
    return {
        "version": "Notebook/1.0",
        "items": items,
        "fallbackResourceIds": [workspace_id],
        "$schema": "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
    }


def _text(key: str, markdown: str) -> dict:
    return {"type": 1, "content": {"json": markdown}, "name": f"text - {key}"}
