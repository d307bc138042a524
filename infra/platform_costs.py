"""The landing zone's own run cost: what the stack creates besides model tokens, priced from list prices.

Prices come from ``infra/data/platform_prices.yaml`` (each row dated and sourced), or from
``budgets.platformPrices`` where the config overrides them. Quantities come from the decided topology, the
same specs the program declares from:

- API Management: the gateway's SKU x its units (``gateway.capacity``); Consumption is billed per call, 0 here;
- private endpoints: one per account the stack creates with one, and the gateway's inbound one, x 730 hours;
- private DNS zones: the zones the stack creates (``privateDns.mode: create``), never a hub's;
- Log Analytics ingestion: an assumption, ``budgets.logsGbPerMonth`` per account and per gateway diagnostic
  setting, stated in the output;
- PTU commitments: the teams' committed PTU cost (``infra.costs``, from the model catalog's prices).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from infra.catalog import Prices
from infra.diagnostics import load_yaml

if TYPE_CHECKING:
    from infra.topology import Topology

PRICES_PATH = Path(__file__).parent / "data" / "platform_prices.yaml"
OVERRIDE = "landingZone.budgets.platformPrices"


class PriceRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    price: float = Field(ge=0)
    unit: str
    meter: str
    date: str
    source: str


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    currency: str
    hours_per_month: int = Field(alias="hoursPerMonth")
    api_management: dict[str, PriceRow] = Field(alias="apiManagement")
    private_endpoint: PriceRow = Field(alias="privateEndpoint")
    private_dns_zone: PriceRow = Field(alias="privateDnsZone")
    log_analytics_ingestion: PriceRow = Field(alias="logAnalyticsIngestion")


@lru_cache(maxsize=2)
def load(path: Path = PRICES_PATH) -> PriceTable:
    return PriceTable.model_validate(load_yaml(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Line:
    key: str
    """Stable name the PR comment pairs base and head lines by."""
    label: str
    """What a reviewer reads: ``gateway``, ``private endpoints``..."""
    detail: str
    """What is bought: a SKU, or empty."""
    quantity: float
    unit: str
    unit_price: float | None
    """None: no list price known (the line counts 0 in the total)."""
    source: str
    date: str

    @property
    def monthly(self) -> float:
        return (self.unit_price or 0.0) * self.quantity

    def contract(self) -> dict:
        return {
            "key": self.key,
            "item": self.label,
            "detail": self.detail,
            "quantity": self.quantity,
            "unit": self.unit,
            "unitPrice": self.unit_price,
            "monthly": round(self.monthly, 2),
            "source": self.source,
            "date": self.date,
        }


def _priced(row: PriceRow, override: float | None, path: str, factor: float = 1.0) -> tuple[float, str, str]:
    """A unit price, its source and date: the config's where it overrides the table."""
    if override is not None:
        return override * factor, f"config: {path}", "config"
    return row.price * factor, row.source, row.date


def lines(topology: Topology, ptu_prices: Prices, table: PriceTable | None = None) -> tuple[Line, ...]:
    """Every priced item the topology holds, in a fixed order; items with quantity 0 are left out."""
    table = table or load()
    lz, network, accounts, gateway = topology.config, topology.network, topology.accounts, topology.gateway
    over = lz.budgets.platform_prices
    hours = table.hours_per_month
    out: list[Line] = []
    if gateway is not None:
        row = table.api_management.get(gateway.sku)
        override = over.api_management.get(gateway.sku)
        if row is None and override is None:
            price, source, date = None, f"no list price for {gateway.sku}: set {OVERRIDE}.apiManagement", ""
        elif row is None:
            price, source, date = override, f"config: {OVERRIDE}.apiManagement.{gateway.sku}", "config"
        else:
            price, source, date = _priced(row, override, f"{OVERRIDE}.apiManagement.{gateway.sku}")
        out.append(Line("apiManagement", "gateway", gateway.sku, gateway.capacity, "unit-month", price, source, date))
    created = [a for a in accounts if not a.existing]
    endpoints = sum(a.private_endpoint for a in created) + bool(gateway and gateway.private_endpoint)
    if endpoints:
        # Billed by the hour: the month's price is the hourly one x 730.
        price, source, date = _priced(
            table.private_endpoint, over.private_endpoint_hour, f"{OVERRIDE}.privateEndpointHour", hours
        )
        out.append(Line("privateEndpoints", "private endpoints", "", endpoints, "endpoint-month", price, source, date))
    # The stack creates zones only in create mode and only when an account has an endpoint (declare.network).
    zones = len(network.zones) if network.dns_mode == "create" and any(a.private_endpoint for a in accounts) else 0
    if zones:
        price, source, date = _priced(
            table.private_dns_zone, over.private_dns_zone_month, f"{OVERRIDE}.privateDnsZoneMonth"
        )
        out.append(Line("privateDnsZones", "private DNS zones", "", zones, "zone-month", price, source, date))
    if topology.monitored:
        logs = lz.budgets.logs_gb_per_month
        gb = len(created) * logs.per_account + (logs.per_gateway if gateway is not None else 0.0)
        if gb:
            price, source, date = _priced(
                table.log_analytics_ingestion, over.log_analytics_gb, f"{OVERRIDE}.logAnalyticsGb"
            )
            out.append(Line("logAnalytics", "Log Analytics ingestion", "", gb, "GB-month", price, source, date))
    committed = sum(c.committed_monthly for c in topology.costs)
    if committed:
        source = ptu_prices.sources[0].url if ptu_prices.sources else "infra/data/model_catalog.yaml"
        date = ptu_prices.snapshot_date.isoformat()
        out.append(Line("ptu", "PTU commitments", "", 1, "month", committed, source, date))
    return tuple(out)


def assumption(topology: Topology) -> str:
    logs = topology.config.budgets.logs_gb_per_month
    created = sum(not a.existing for a in topology.accounts)
    text = f"Log Analytics: {logs.per_account:g} GB/month per account ({created})"
    if topology.gateway is not None:
        text += f" and {logs.per_gateway:g} GB/month for the gateway"
    return text + " (budgets.logsGbPerMonth), no free allowance; private endpoint data and DNS queries not counted"


def contract(topology: Topology, ptu_prices: Prices, table: PriceTable | None = None) -> dict:
    """``costs.platform`` of the plan contract: lines, total and the assumption behind the log estimate."""
    table = table or load()
    items = lines(topology, ptu_prices, table)
    return {
        "currency": table.currency,
        "hoursPerMonth": table.hours_per_month,
        "lines": [i.contract() for i in items],
        "total": round(sum(i.monthly for i in items), 2),
        "assumption": assumption(topology),
    }


def describe(line: dict) -> str:
    """One line as a reviewer reads it: ``gateway StandardV2 x1``, ``6 private endpoints``, ``... 9 GB``."""
    if line["detail"]:
        return f"{line['item']} {line['detail']} x{line['quantity']:g}"
    if line["unit"] == "GB-month":
        return f"{line['item']} {line['quantity']:g} GB"
    return line["item"] if line["key"] == "ptu" else f"{line['quantity']:g} {line['item']}"


def summary(platform: dict) -> str:
    """The text view's line: ``Platform: ~N USD/month (gateway StandardV2 x1 700, ...)``."""
    parts = ", ".join(f"{describe(line)} {line['monthly']:,.0f}" for line in platform["lines"])
    return f"Platform: ~{platform['total']:,.0f} {platform['currency']}/month ({parts})"
