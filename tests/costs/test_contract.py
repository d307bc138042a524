"""The plan contract's ``costs``: one source for the text view, the PR comment and outside tools."""

from __future__ import annotations

import json

from infra import render
from infra.catalog import load as load_catalog
from infra.plan import to_json
from infra.review import cost_facts


def test_the_contract_carries_costs_with_currency_price_date_and_per_team_figures(prod):
    costs = json.loads(to_json(prod))["costs"]
    prices = load_catalog().prices
    assert costs["currency"] == prices.currency == "USD"
    assert costs["priceDate"] == prices.snapshot_date.isoformat()
    assert costs["priceSources"] and all(s.startswith("https://") for s in costs["priceSources"])
    assert costs["environment"]["budget"] == 45000
    assert set(costs["teams"]) == {"claims-assist", "contoso-chat", "fraud-detect", "hr-copilot"}
    fraud = costs["teams"]["fraud-detect"]
    # 15 DataZoneProvisionedManaged PTUs in each of two regions
    assert fraud["committedPtuPerMonth"] == round(2 * prices.ptu_monthly("DataZoneProvisionedManaged", 15), 2)
    assert fraud["tokenQuota"] is None and fraud["sharedAccount"] is False
    chat = costs["teams"]["contoso-chat"]
    assert (chat["budget"], chat["tpmLimit"], chat["quotaSource"]) == (6000, 300000, "derived")
    assert chat["tokenQuota"] == prod.outputs["teams"]["contoso-chat"]["tokenQuota"]["monthlyTokens"]


def test_text_and_pr_comment_read_the_contracts_costs(prod):
    costs = json.loads(to_json(prod))["costs"]
    committed = costs["teams"]["fraud-detect"]["committedPtuPerMonth"]
    assert f"committed PTU {committed:,.0f} USD/month" in render.text(prod)
    facts = cost_facts(json.loads(to_json(prod)))
    assert facts["fraud-detect: committed PTU (USD/month)"] == committed
    assert facts["contoso-chat: gateway quota, tokens/month"] == costs["teams"]["contoso-chat"]["tokenQuota"]
    assert facts["budget environment"] == costs["environment"]["budget"]
