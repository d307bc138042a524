"""``budgets.platformPrices`` and ``budgets.logsGbPerMonth``: the config behind ``infra.platform_costs``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from infra.config.strict import Strict
from infra.config.types import GatewaySku

Price = Annotated[float, Field(ge=0)]
"""A list price in USD: zero (free) or more."""


class PlatformPrices(Strict):
    """Overrides of ``infra/data/platform_prices.yaml`` (USD), e.g. a negotiated or another region's price."""

    api_management: dict[GatewaySku, Price] = Field(default_factory=dict)
    """Per unit-month, by gateway SKU."""
    private_endpoint_hour: Price | None = None
    private_dns_zone_month: Price | None = None
    log_analytics_gb: Price | None = None
    """Analytics Logs ingestion, per GB."""


class LogsGbPerMonth(Strict):
    """The assumption behind the Log Analytics estimate: what each diagnostic setting sends a month."""

    per_account: Annotated[float, Field(ge=0)] = 1.0
    """GB a month from each account's diagnostic setting (allLogs and audit, plus metrics)."""
    per_gateway: Annotated[float, Field(ge=0)] = 5.0
    """GB a month from the gateway's diagnostic setting (gateway and LLM logs)."""
