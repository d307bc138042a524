"""The landing zone's own run cost (``infra.platform_costs``), priced from ``infra/data/platform_prices.yaml``.

List prices (USD, pay as you go), with the table's own source and date for each row:
- API Management, per unit-month: Developer 48.03 and Premium 2,795.17 (eastus; infracost's
  api_management_test.golden, "API management (developer) 1 units $48.03", "(premium) 4 units $11,180.68"),
  Standard v2 0.9589/hour and Basic v2 0.2055/hour (Azure Retail Prices API, meters "Standard v2 Unit" and
  "Basic v2 Unit", read 2026-10-06); Consumption is billed per call, not per unit
  (https://azure.microsoft.com/pricing/details/api-management/).
- Private endpoint: 0.01/hour, meter "Standard Private Endpoint", Global (Azure Retail Prices API, read
  2026-09-17; infracost private_endpoint_test.golden "Private endpoint 730 hour $7.30").
- Private DNS zone: 0.50/zone-month, first 25 zones (infracost private_dns_zone_test.golden "Hosted zone 1 months
  $0.50").
- Log Analytics, Analytics Logs ingestion: 2.30/GB in East US (Azure Retail Prices API, verified 2026-08-09);
  billed per GB ingested (https://learn.microsoft.com/azure/azure-monitor/logs/cost-logs).
Monthly = hourly x 730, the Azure pricing calculator's and infracost's convention.
"""

from __future__ import annotations

import json

import pytest
import yaml

from infra import platform_costs, render, review
from infra.catalog import load as load_catalog
from infra.plan import make_plan, to_json
from infra.topology import decide
from tests.conftest import errors_of
from tests.helpers import PLAN_DATE, prod_copy, stack_landing_zone, team_files_in

TABLE = platform_costs.load()
HOURS = TABLE.hours_per_month
ENDPOINT = TABLE.private_endpoint.price * HOURS
ZONE = TABLE.private_dns_zone.price
GB = TABLE.log_analytics_ingestion.price


def _lines(plan) -> dict[str, dict]:
    return {line["key"]: line for line in plan.costs["platform"]["lines"]}


def test_dev_platform_cost_is_the_table_times_what_dev_creates(dev):
    """dev: a StandardV2 gateway (1 unit), 3 accounts each with a private endpoint (the gateway has none outside
    prod), the 2 zones of OpenAI accounts created here (privateDns.mode: create), and the log assumption's
    defaults: 1 GB/month per account, 5 GB/month for the gateway."""
    platform = dev.costs["platform"]
    lines = _lines(dev)
    assert lines["apiManagement"]["detail"] == "StandardV2"
    assert lines["apiManagement"]["monthly"] == TABLE.api_management["StandardV2"].price
    assert lines["privateEndpoints"]["quantity"] == 3
    assert lines["privateEndpoints"]["monthly"] == round(3 * ENDPOINT, 2)
    assert lines["privateDnsZones"]["quantity"] == 2
    assert lines["privateDnsZones"]["monthly"] == round(2 * ZONE, 2)
    assert lines["logAnalytics"]["quantity"] == 3 * 1 + 5
    assert lines["logAnalytics"]["monthly"] == round(8 * GB, 2)
    assert "ptu" not in lines  # dev has no provisioned deployment
    expected = TABLE.api_management["StandardV2"].price + 3 * ENDPOINT + 2 * ZONE + 8 * GB
    assert platform["total"] == round(expected, 2)
    assert "1 GB/month per account (3) and 5 GB/month for the gateway" in platform["assumption"]
    for line in platform["lines"]:
        assert line["source"].startswith("https://") and line["date"][:2] == "20"
    text = render.text(dev)
    assert f"Platform: ~{expected:,.0f} USD/month (gateway StandardV2 x1 700, 3 private endpoints 22," in text


def test_prod_platform_cost_counts_the_gateway_endpoint_no_hub_zone_and_the_ptu_commitments(prod):
    """prod: 6 accounts with private endpoints plus the gateway's inbound one (7), no zone of its own (the hub
    owns them: privateDns.mode: hub), 6 x 1 + 5 GB of logs, and the teams' committed PTU from the catalog."""
    lines = _lines(prod)
    assert lines["privateEndpoints"]["quantity"] == 7
    assert "privateDnsZones" not in lines
    assert lines["logAnalytics"]["quantity"] == 6 * 1 + 5
    committed = sum(t["committedPtuPerMonth"] for t in prod.costs["teams"].values())
    assert committed > 0 and lines["ptu"]["monthly"] == round(committed, 2)
    assert lines["ptu"]["date"] == load_catalog().prices.snapshot_date.isoformat()
    expected = TABLE.api_management["StandardV2"].price + 7 * ENDPOINT + 11 * GB + committed
    assert prod.costs["platform"]["total"] == round(expected, 2)
    assert json.loads(to_json(prod))["costs"]["platform"] == prod.costs["platform"]


def test_consumption_is_priced_per_call_so_zero_per_unit():
    """Consumption is billed per call (https://azure.microsoft.com/pricing/details/api-management/), so the table
    says so and prices its unit at 0."""
    row = TABLE.api_management["Consumption"]
    assert row.price == 0 and "per call" in row.unit
    assert {"Developer", "BasicV2", "StandardV2", "Premium"} <= set(TABLE.api_management)


def _gateway_sku_change(tmp_path, sku: str):
    config = prod_copy(tmp_path)
    doc = yaml.safe_load(config.read_text())
    doc["config"]["ai-landing-zone:landingZone"]["gateway"]["sku"] = sku
    config.write_text(yaml.safe_dump(doc))
    with team_files_in(config.parent):
        plan = make_plan("prod", PLAN_DATE, config)
    assert plan.ok, plan.diagnostics
    return plan, json.loads(to_json(plan))


def test_the_pr_comment_shows_the_platform_delta_of_a_gateway_sku_change(prod, tmp_path):
    """gateway.sku StandardV2 → Premium: the unit price difference from the table, and, since classic Premium
    gets no inbound private endpoint here, one endpoint less."""
    head_plan, head = _gateway_sku_change(tmp_path, "Premium")
    base = json.loads(to_json(prod))
    comment = review.comment(head_plan, head, base)
    delta = TABLE.api_management["Premium"].price - TABLE.api_management["StandardV2"].price
    assert f"- gateway StandardV2 → Premium: {delta:+,.0f} USD/month\n" in comment
    assert f"- private endpoints 7 → 6: {-ENDPOINT:+,.0f} USD/month\n" in comment
    total = head["costs"]["platform"]["total"] - base["costs"]["platform"]["total"]
    assert round(total, 2) == round(delta - ENDPOINT, 2)
    before, after = base["costs"]["platform"]["total"], head["costs"]["platform"]["total"]
    assert f"- platform total: {before:,.0f} → {after:,.0f} USD/month ({total:+,.0f})\n" in comment
    # A base from before costs.platform existed: no delta, nothing invented.
    del base["costs"]["platform"]
    assert review.platform_changes(base, head) == []
    assert "Platform cost change" not in review.comment(head_plan, head, base)


def _decided(**budgets):
    lz = stack_landing_zone("dev")
    lz["budgets"].update(budgets)
    topology, diags = decide(lz, PLAN_DATE)
    assert topology is not None, diags
    return platform_costs.contract(topology, load_catalog().prices)


def test_overrides_and_the_log_assumption_change_the_numbers():
    """``budgets.platformPrices`` replaces a list price (e.g. a negotiated one) and says so in the line's source;
    ``budgets.logsGbPerMonth`` is the stated assumption behind the ingestion estimate."""
    platform = _decided(
        platformPrices={"apiManagement": {"StandardV2": 650}, "privateEndpointHour": 0.02, "logAnalyticsGb": 3},
        logsGbPerMonth={"perAccount": 2, "perGateway": 10.5},
    )
    lines = {line["key"]: line for line in platform["lines"]}
    assert lines["apiManagement"]["monthly"] == 650
    assert lines["apiManagement"]["source"] == "config: landingZone.budgets.platformPrices.apiManagement.StandardV2"
    assert lines["privateEndpoints"]["monthly"] == round(3 * 0.02 * HOURS, 2)
    assert lines["privateDnsZones"]["monthly"] == round(2 * ZONE, 2)  # not overridden: the table's
    assert lines["logAnalytics"]["quantity"] == 3 * 2 + 10.5
    assert lines["logAnalytics"]["monthly"] == round(16.5 * 3, 2)
    assert platform["total"] == round(650 + 3 * 0.02 * HOURS + 2 * ZONE + 16.5 * 3, 2)
    assert "2 GB/month per account (3) and 10.5 GB/month for the gateway" in platform["assumption"]


@pytest.mark.parametrize(
    ("budgets", "path", "message"),
    [
        (
            {"platformPrices": {"privateEndpointHour": -0.01}},
            "platformPrices.privateEndpointHour",
            "must be >= 0.0 (got -0.01)",
        ),
        (
            {"platformPrices": {"apiManagement": {"Premium": -5}}},
            "platformPrices.apiManagement.Premium",
            "must be >= 0.0 (got -5)",
        ),
        ({"platformPrices": {"apiManagement": {"Gold": 1}}}, "platformPrices.apiManagement.Gold", "(got 'Gold')"),
        (
            {"platformPrices": {"privateDnsZoneMonth": "cheap"}},
            "platformPrices.privateDnsZoneMonth",
            "must be a number",
        ),
        ({"platformPrices": {"logAnalyticsGb": True}}, "platformPrices.logAnalyticsGb", "must be a number"),
        (
            {"platformPrices": {"privateEndpoint": 1}},
            "platformPrices.privateEndpoint",
            "did you mean privateEndpointHour?",
        ),
        ({"logsGbPerMonth": {"perAccount": -1}}, "logsGbPerMonth.perAccount", "must be >= 0.0 (got -1)"),
    ],
)
def test_bad_overrides_are_errors_at_their_yaml_paths(budgets, path, message):
    """A negative price, an unknown SKU or key, or a price that is not a number: an error at its YAML path."""
    lz = stack_landing_zone("dev")
    lz["budgets"].update(budgets)
    errors = errors_of(lz)
    assert message in errors[f"landingZone.budgets.{path}"], errors
