"""The model catalog (``infra/data/model_catalog.yaml``) and the checks it drives.

The catalog is a dated snapshot of public Azure OpenAI facts; the file itself
says where each fact was read and how to refresh it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from infra.config import PROVISIONED_SKUS, ModelRequest
from infra.diagnostics import Diagnostic, convention, did_you_mean, error, excerpt, load_yaml, rule, warning
from infra.specs import Deployment

CATALOG_PATH = Path(__file__).parent / "data" / "model_catalog.yaml"
RETIREMENT_WARNING_DAYS = 90
NO_AUTO_UPGRADE = "NoAutoUpgrade"
DEFAULT_UPGRADE = "OnceCurrentVersionExpired"
DEPRECATED = "Deprecated"

_RETIREMENTS = "https://learn.microsoft.com/azure/foundry/openai/concepts/model-retirements"
_PTU = "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/provisioned-throughput-onboarding"
_AVAILABILITY = "https://learn.microsoft.com/azure/foundry/foundry-models/concepts/models-sold-directly-by-azure"
KNOWN_MODEL = rule(
    "catalog.known-model",
    "error",
    "The model is one the catalog (infra/data/model_catalog.yaml) knows.",
    _AVAILABILITY,
)
RETIRED = rule(
    "catalog.retired",
    "error",
    "The model, and the version asked for, has not retired; the error names what to move to.",
    _RETIREMENTS,
    "https://learn.microsoft.com/azure/foundry/openai/concepts/retired-models",
)
FORMAT = rule(
    "catalog.format",
    "error",
    "A model's format, when given, is its provider's, the one the catalog records.",
    "https://learn.microsoft.com/azure/foundry/foundry-models/how-to/create-model-deployments",
)
KNOWN_VERSION = rule(
    "catalog.known-version",
    "error",
    "The version is one the catalog lists for the model.",
    "https://learn.microsoft.com/azure/foundry/openai/concepts/model-retirement-schedule",
)
RETIRING_SOON = rule(
    "catalog.retiring-soon",
    "warning",
    f"A version that retires within {RETIREMENT_WARNING_DAYS} days is named, with what to do before then.",
    _RETIREMENTS,
)
PROVISIONED_UPGRADE = rule(
    "catalog.provisioned-upgrade",
    "error",
    "A provisioned deployment's versionUpgradeOption is NoAutoUpgrade: only Standard types are auto-upgraded.",
    "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/working-with-models",
    _RETIREMENTS,
)
SKU = rule(
    "catalog.sku",
    "error",
    "The deployment type (sku) is one Azure still offers for that model version.",
    "https://learn.microsoft.com/azure/foundry/foundry-models/concepts/models-sold-directly-by-azure-region-availability",
)
ALREADY_DEPLOYED = rule(
    "catalog.already-deployed",
    "error",
    "alreadyDeployed is set only on a Deprecated version.",
    convention("it states an exception, visibly; on a version that needs none it is a slip"),
)
DEPRECATED_VERSION = rule(
    "catalog.deprecated",
    "error",
    "A Deprecated version, closed to new subscriptions, is asked for only with alreadyDeployed: true.",
    _RETIREMENTS,
)
DEPRECATED_KEPT = rule(
    "catalog.deprecated-kept",
    "warning",
    "A Deprecated version kept because it is already deployed is named, with the versions to move to.",
    _RETIREMENTS,
)
PTU_STEP = rule(
    "catalog.ptu-step",
    "error",
    "Provisioned capacity per region is at least the minimum, in steps of the increment.",
    _PTU,
)
PTU_MAX = rule(
    "catalog.ptu-max",
    "error",
    "A provisioned deployment holds at most the PTUs Azure allows per deployment.",
    "https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits",
)


def upgrade_option(req: ModelRequest) -> str:
    """Provisioned deployments are not auto-upgraded, so they never default to an upgrade that won't happen."""
    if req.version_upgrade_option is not None:
        return req.version_upgrade_option
    return NO_AUTO_UPGRADE if req.sku in PROVISIONED_SKUS else DEFAULT_UPGRADE


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Sizing(_Data):
    minimum: int | None = None
    increment: int | None = None


class VersionInfo(_Data):
    lifecycle: str
    retirement: dt.date | None = None
    retirement_note: str | None = Field(default=None, alias="retirementNote")
    skus: list[str]


class ModelInfo(_Data):
    format: str
    provisioned_managed: Sizing | None = Field(default=None, alias="provisionedManaged")
    replacement: str | None = None
    """What Microsoft names as the replacement once the model's versions retire."""
    versions: dict[str, VersionInfo]

    def retired_on(self, today: dt.date) -> dt.date | None:
        """The day the last version retired, when every version has: the family is gone."""
        dates = []
        for v in self.versions.values():
            if v.lifecycle != "Retired" and (v.retirement is None or v.retirement > today):
                return None
            dates.append(v.retirement)
        return max((d for d in dates if d), default=None)


class Limits(_Data):
    max_standard_deployments_per_account: int = Field(alias="maxStandardDeploymentsPerAccount")
    max_provisioned_units_per_deployment: int = Field(alias="maxProvisionedUnitsPerDeployment")


class Source(_Data):
    title: str
    url: str
    read: str


class TokenPrice(_Data):
    input: float
    output: float


class Prices(_Data):
    """USD list prices: per 1M tokens (GlobalStandard) and per PTU-hour."""

    snapshot_date: dt.date = Field(alias="snapshotDate")
    currency: str
    sources: list[Source]
    hours_per_month: int = Field(alias="hoursPerMonth")
    tokens: dict[str, TokenPrice]
    deployment_type_multipliers: dict[str, float] = Field(alias="deploymentTypeMultipliers")
    ptu_hourly: dict[str, float] = Field(alias="ptuHourly")
    ptu_monthly_reservation: dict[str, float] = Field(alias="ptuMonthlyReservation")

    def on_sku(self, model: str, sku: str) -> tuple[float, float] | None:
        """(input, output) price of 1M tokens of ``model`` on a standard ``sku``; None when either is unpriced."""
        price = self.tokens.get(model)
        multiplier = self.deployment_type_multipliers.get(sku)
        if price is None or multiplier is None:
            return None
        return price.input * multiplier, price.output * multiplier

    def per_million(self, model: str, sku: str, input_share: float) -> float | None:
        """Blended price of 1M tokens of ``model`` on a standard ``sku``, ``input_share`` of them input."""
        priced = self.on_sku(model, sku)
        if priced is None:
            return None
        tokens_in, tokens_out = priced
        if tokens_out == 0:  # embeddings: every token is input
            return tokens_in
        return input_share * tokens_in + (1 - input_share) * tokens_out

    def ptu_monthly(self, sku: str, units: int) -> float | None:
        """Pay-as-you-go cost of ``units`` PTUs for a billing month."""
        hourly = self.ptu_hourly.get(sku)
        return None if hourly is None else hourly * units * self.hours_per_month


class Catalog(_Data):
    snapshot_date: dt.date = Field(alias="snapshotDate")
    sources: list[Source]
    limits: Limits
    provisioned: dict[str, Sizing]
    models: dict[str, ModelInfo]
    prices: Prices

    def sizing(self, model: str, sku: str) -> Sizing:
        if sku == "ProvisionedManaged":
            return self.models[model].provisioned_managed or Sizing()
        return self.provisioned.get(sku, Sizing())


@lru_cache(maxsize=4)
def load(path: Path = CATALOG_PATH) -> Catalog:
    with open(path, encoding="utf-8") as f:
        return Catalog.model_validate(load_yaml(f.read()))


def check_model(req: ModelRequest, path: str, catalog: Catalog, today: dt.date) -> list[Diagnostic]:
    """Validate one requested deployment against the catalog; ``path`` is its YAML path."""
    model = catalog.models.get(req.name)
    if model is None:
        known = [n for n, m in catalog.models.items() if m.retired_on(today) is None]
        near = did_you_mean(req.name, known, "infra/data/model_catalog.yaml")
        return [error(f"{path}.name", f"unknown model {excerpt(req.name)}: {near}", rule=KNOWN_MODEL)]
    family_retired = model.retired_on(today)
    if family_retired is not None and req.version not in model.versions:
        # One error for a model that no longer exists at all, whatever version was asked for.
        why = f"{req.name} retired on {family_retired.isoformat()}{_move_to(model, req, today)}"
        return [error(f"{path}.name", why, rule=RETIRED)]
    if req.format is not None and req.format != model.format:
        why = f"{req.name} is published as {model.format!r}, not {excerpt(req.format)}"
        return [error(f"{path}.format", why, rule=FORMAT)]
    version = model.versions.get(req.version)
    if version is None:
        # Versions are dates that all look alike: the few known ones say more than the closest.
        known = ", ".join(sorted(model.versions))
        why = f"unknown version {excerpt(req.version)} of {req.name}; known versions: {known}"
        return [error(f"{path}.version", why, rule=KNOWN_VERSION)]
    out: list[Diagnostic] = []
    label = f"{req.name} {req.version}"
    retired = version.lifecycle == "Retired" or (version.retirement is not None and version.retirement <= today)
    if retired:
        when = f" on {version.retirement.isoformat()}" if version.retirement else ""
        out.append(error(f"{path}.version", f"{label} retired{when}{_move_to(model, req, today)}", rule=RETIRED))
    else:
        out += _check_lifecycle(req, path, model, version, today)
    if not retired and version.retirement is not None:
        days = (version.retirement - today).days
        if days <= RETIREMENT_WARNING_DAYS:
            # Provisioned deployments are not auto-upgraded: someone has to move them.
            action = (
                "deploy the replacement side by side and move traffic; provisioned deployments are not auto-upgraded"
                " and stop serving at retirement"
                if req.sku in PROVISIONED_SKUS
                else "plan an upgrade"
            )
            out.append(
                warning(
                    f"{path}.version",
                    f"{label} retires on {version.retirement.isoformat()} ({days} days left); {action}",
                    rule=RETIRING_SOON,
                )
            )
    if req.sku in PROVISIONED_SKUS and req.version_upgrade_option not in (None, NO_AUTO_UPGRADE):
        out.append(
            error(
                f"{path}.versionUpgradeOption",
                f"{req.sku} deployments are never auto-upgraded (only Standard types are), so"
                f" {req.version_upgrade_option} would not happen: use NoAutoUpgrade and move to a new version by"
                " deploying it side by side before the retirement date",
                rule=PROVISIONED_UPGRADE,
            )
        )
    if retired:
        return out  # nothing else about a version that no longer serves is worth saying
    if not version.skus:
        why = f"{label} is offered as no deployment type any more{_move_to(model, req, today)}"
        out.append(error(f"{path}.version", why, rule=SKU))
    elif req.sku not in version.skus:
        why = f"{label} cannot be deployed as {req.sku}; allowed: {', '.join(version.skus)}"
        out.append(error(f"{path}.sku", why, rule=SKU))
    return out


def _check_lifecycle(
    req: ModelRequest, path: str, model: ModelInfo, version: VersionInfo, today: dt.date
) -> list[Diagnostic]:
    """Deprecated versions are closed to new customers; ``alreadyDeployed`` states the exception, visibly."""
    label = f"{req.name} {req.version}"
    newer = newer_versions(model, req.version, today)
    hint = f" move to {', '.join(newer)}" if newer else " move to a newer model"
    if version.lifecycle != DEPRECATED:
        if req.already_deployed:
            return [
                error(
                    f"{path}.alreadyDeployed",
                    f"{label} is {version.lifecycle}, not Deprecated: alreadyDeployed is only for Deprecated versions;"
                    " remove it",
                    rule=ALREADY_DEPLOYED,
                )
            ]
        return []
    if not req.already_deployed:
        return [
            error(
                f"{path}.version",
                f"{label} is Deprecated: Azure no longer lets new subscriptions deploy it;{hint}, or set"
                " alreadyDeployed: true if this subscription already runs it",
                rule=DEPRECATED_VERSION,
            )
        ]
    why = f"{label} is Deprecated and kept only because it is already deployed;{hint}"
    return [warning(f"{path}.version", why, rule=DEPRECATED_KEPT)]


def check_capacity(d: Deployment, catalog: Catalog) -> list[Diagnostic]:
    """PTU sizing of one region's deployment: the model's minimum and step for its type, and Azure's maximum.

    Per region, because ``capacityByRegion`` sizes each region's deployment on its own
    (learn.microsoft.com/azure/ai-foundry/openai/how-to/provisioned-throughput-onboarding, sizes per model)."""
    model = catalog.models.get(d.model_name)
    version = model.versions.get(d.model_version) if model else None
    if not d.provisioned or version is None or version.lifecycle == "Retired" or d.sku not in version.skus:
        return []  # check_model says what is wrong with the request itself
    sizing = catalog.sizing(d.model_name, d.sku)
    out, where, got = [], d.capacity_path, d.capacity
    if sizing.minimum is not None and got < sizing.minimum:
        out.append(
            error(where, f"{d.sku} {d.model_name} needs at least {sizing.minimum} PTUs (got {got})", rule=PTU_STEP)
        )
    elif sizing.increment and (got - (sizing.minimum or 0)) % sizing.increment:
        out.append(
            error(
                where,
                f"{d.sku} {d.model_name} is sold in steps of {sizing.increment} PTUs from {sizing.minimum or 0}"
                f" (got {got})",
                rule=PTU_STEP,
            )
        )
    maximum = catalog.limits.max_provisioned_units_per_deployment
    if got > maximum:
        out.append(error(where, f"at most {maximum} PTUs per deployment (got {got})", rule=PTU_MAX))
    return out


def successor(name: str, model: ModelInfo, version: str, today: dt.date) -> tuple[str, str] | None:
    """(model, version) to move to: the latest later version still open, else the replacement Microsoft names
    when the catalog gives it as ``<model> <version>``; None when neither is known."""
    newer = newer_versions(model, version, today)
    if newer:
        return name, newer[-1]
    name, _, named_version = (model.replacement or "").partition(" ")
    return (name, named_version) if named_version and " " not in named_version else None


def _move_to(model: ModelInfo, req: ModelRequest, today: dt.date) -> str:
    """``; move to ...``: a later version still open, else the replacement Microsoft names, else nothing."""
    newer = newer_versions(model, req.version, today)
    if newer:
        return f"; move to {', '.join(newer)}"
    return f"; move to {model.replacement} (Microsoft's named replacement)" if model.replacement else ""


def newer_versions(model: ModelInfo, current: str, today: dt.date) -> list[str]:
    """Later versions a new deployment can still use: not Deprecated, not retired."""
    return sorted(
        v
        for v, info in model.versions.items()
        if v > current
        and info.lifecycle not in (DEPRECATED, "Retired")
        and (info.retirement is None or info.retirement > today)
    )
