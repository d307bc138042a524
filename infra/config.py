"""Typed stack configuration: the ``ai-landing-zone:landingZone`` object.

Strict pydantic models with unknown keys rejected. ``parse`` never raises on
bad input: it returns every problem at once, each with its YAML path and what
is allowed, so a reviewer fixes a config in one pass.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from pydantic.alias_generators import to_camel

from infra.diagnostics import Diagnostic, error, join_path, load_yaml, yaml_path, yaml_problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Where Pulumi.yaml lives; team file paths are relative to it."""

ROOT = "landingZone"
"""The config key inside the project namespace, and the root of every YAML path."""

DeploymentSku = Literal[
    "Standard",
    "GlobalStandard",
    "DataZoneStandard",
    "ProvisionedManaged",
    "GlobalProvisionedManaged",
    "DataZoneProvisionedManaged",
]
PROVISIONED_SKUS = frozenset({"ProvisionedManaged", "GlobalProvisionedManaged", "DataZoneProvisionedManaged"})

VersionUpgradeOption = Literal["OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade"]
Severity = Literal["Low", "Medium", "High"]
DEFAULT_CONTENT_FILTER = "default"
BUILTIN_RAI_POLICY = "Microsoft.DefaultV2"

# pattern -> what a person should be told when a value does not match it
_PATTERNS: dict[str, str] = {}


def _pattern(regex: str, meaning: str) -> Any:
    _PATTERNS[regex] = meaning
    return Field(pattern=regex)


Slug = Annotated[
    str,
    _pattern(
        r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$",
        "a DNS-safe slug: 2-32 lowercase letters, digits and hyphens, starting with a letter, e.g. contoso-chat",
    ),
]
# Account names become the custom subdomain, i.e. a DNS label.
AccountName = Annotated[
    str,
    _pattern(
        r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$",
        "a DNS label: 2-64 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
    ),
]
ResourceGroupName = Annotated[
    str,
    _pattern(
        r"^[-\w._()]{0,89}[-\w_()]$",
        "a resource group name: 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.'",
    ),
]
RegionName = Annotated[
    str, _pattern(r"^[a-z][a-z0-9]{2,30}$", "an Azure region name in lower case without spaces, e.g. swedencentral")
]
ModelName = Annotated[str, _pattern(r"^[a-z0-9][a-z0-9.-]{0,63}$", "a model name as Azure lists it, e.g. gpt-4.1-mini")]
DeploymentName = Annotated[
    str,
    _pattern(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    ),
]
Guid = Annotated[
    str,
    _pattern(
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "an Entra object ID (GUID), e.g. 00000000-0000-0000-0000-000000000000",
    ),
]
Email = Annotated[str, _pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an email address, e.g. ai-team@contoso.com")]
# Segments never start with a dot, so neither "/" nor ".." can leave the project.
_TEAM_FILE_PATTERN = r"^[\w-][\w.-]*(/[\w-][\w.-]*)*\.ya?ml$"
TeamFile = Annotated[
    str,
    _pattern(
        _TEAM_FILE_PATTERN,
        "a .yaml path relative to the project root, without '..', e.g. teams/contoso-chat.yaml",
    ),
]
# ASCII classes: Unicode \w makes these patterns too big for pydantic's regex engine.
_ARM = r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-A-Za-z0-9_.()]{1,90}/providers/"
SubnetId = Annotated[
    str,
    _pattern(
        _ARM + r"Microsoft\.Network/virtualNetworks/[A-Za-z0-9_.-]{2,64}/subnets/[A-Za-z0-9_.-]{1,80}$",
        "a subnet resource ID: /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/"
        "virtualNetworks/<vnet>/subnets/<subnet>",
    ),
]
PrivateDnsZoneId = Annotated[
    str,
    _pattern(
        _ARM + r"Microsoft\.Network/privateDnsZones/[A-Za-z0-9_.-]{1,253}$",
        "a private DNS zone resource ID: /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/"
        "privateDnsZones/<zone>",
    ),
]
PrivateDnsZone = Literal[
    "privatelink.openai.azure.com",
    "privatelink.cognitiveservices.azure.com",
    "privatelink.services.ai.azure.com",
    "privatelink.azure-api.net",
]
GATEWAY_DNS_ZONE = "privatelink.azure-api.net"
"""The zone of API Management's inbound private endpoint (sub-resource ``Gateway``)."""
WorkspaceId = Annotated[
    str,
    _pattern(
        _ARM + r"Microsoft\.OperationalInsights/workspaces/[A-Za-z0-9-]{4,63}$",
        "a Log Analytics workspace resource ID: /subscriptions/<guid>/resourceGroups/<rg>/providers/"
        "Microsoft.OperationalInsights/workspaces/<name>",
    ),
]
DataClassification = Literal["public", "general", "confidential", "highly-confidential"]
Environment = Annotated[str, _pattern(r"^[a-z][a-z0-9]{1,9}$", "2-10 lowercase letters and digits, e.g. dev or prod")]
NamePrefix = Annotated[str, _pattern(r"^[a-z][a-z0-9]{1,11}$", "2-12 lowercase letters and digits, e.g. contoso")]
TagValue = Annotated[str, Field(max_length=256)]


class _Strict(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
    )


class ExistingAccount(_Strict):
    """An account the platform team already runs: models are deployed onto it, the account is never touched."""

    name: AccountName
    resource_group: ResourceGroupName


class Region(_Strict):
    name: RegionName
    """Azure region, lower case without spaces, e.g. ``australiaeast``."""
    role: Literal["primary", "secondary"]
    existing_account: ExistingAccount | None = None
    """Deploy onto this existing account instead of creating one in the region."""
    custom_subdomain: AccountName | None = None
    """Globally unique subdomain; defaults to the account name."""
    weight: int = Field(default=1, ge=1, le=1000)
    """Share of traffic among gateway pool members of the same priority."""


class AccountSettings(_Strict):
    kind: Literal["OpenAI", "AIServices"] = "OpenAI"
    sku: Literal["S0"] = "S0"
    disable_local_auth: bool = True
    """Keyless by default: callers authenticate with Entra ID."""
    trusted_services_bypass: bool = True
    """Let trusted Azure services through the account firewall (networkAcls.bypass: AzureServices)."""


class Vnet(_Strict):
    """A VNet this stack creates in the region."""

    address_space: str
    """IPv4 CIDR, e.g. 10.10.0.0/24; must not overlap another region's."""
    private_endpoint_subnet: str
    """IPv4 CIDR inside the address space, /28 or larger."""
    gateway_subnet: str | None = None
    """IPv4 CIDR inside the address space, /27 or larger, for the AI gateway."""


class RegionNetwork(_Strict):
    """Either a VNet to create, or subnets a connectivity team already runs."""

    vnet: Vnet | None = None
    private_endpoint_subnet_id: SubnetId | None = None
    gateway_subnet_id: SubnetId | None = None


class PrivateDns(_Strict):
    mode: Literal["create", "hub", "policy"] = "create"
    """create: zones here, linked to every VNet; hub: zones given by ID; policy: Azure Policy adds zone groups."""
    zone_ids: dict[PrivateDnsZone, PrivateDnsZoneId] = Field(default_factory=dict)
    """hub mode: zone name -> zone resource ID."""


class Network(_Strict):
    mode: Literal["private", "public"] = "private"
    """private: public network access disabled; public: only allowedIps get through."""
    allowed_ips: list[str] = Field(default_factory=list)
    """public mode: IPv4 addresses or CIDR ranges; empty means nobody."""
    private_endpoints: bool | None = None
    """Defaults to true in private mode; set true in public mode to exercise the private path too."""
    regions: dict[str, RegionNetwork] = Field(default_factory=dict)
    """Per region name: a VNet to create, or existing subnet IDs."""
    private_dns: PrivateDns = Field(default_factory=PrivateDns)
    allow_public_in_prod: bool = False
    public_in_prod_reason: Annotated[str, Field(min_length=10, max_length=500)] | None = None

    @property
    def uses_private_endpoints(self) -> bool:
        return self.mode == "private" if self.private_endpoints is None else self.private_endpoints


class HarmThresholds(_Strict):
    """Lowest severity that is filtered: ``Low`` is the strictest."""

    hate: Severity = "Medium"
    sexual: Severity = "Medium"
    violence: Severity = "Medium"
    self_harm: Severity = "Medium"


class ContentFilter(_Strict):
    name: Slug
    """Also part of the names of the accounts that use it, hence a lowercase slug."""
    base_policy: Literal["Microsoft.DefaultV2", "Microsoft.Default"] = BUILTIN_RAI_POLICY
    mode: Literal["Default", "Deferred", "Blocking", "Asynchronous_filter"] = "Default"
    prompt: HarmThresholds = Field(default_factory=HarmThresholds)
    completion: HarmThresholds = Field(default_factory=HarmThresholds)
    jailbreak: bool = True
    """Prompt Shields for direct attacks, blocking."""
    indirect_attack: bool = False
    protected_material: bool = True
    """Protected material (text and code) on completions, blocking."""


class ModelRequest(_Strict):
    name: ModelName
    version: str = Field(min_length=1, max_length=32)
    sku: DeploymentSku
    capacity: int = Field(ge=1, le=100_000)
    """Standard types: thousands of tokens per minute. Provisioned types: PTUs."""
    deployment_name: DeploymentName | None = None
    """Defaults to ``<team>-<model>``."""
    version_upgrade_option: VersionUpgradeOption | None = None
    """Standard types default to OnceCurrentVersionExpired; provisioned types are never auto-upgraded, so they
    take NoAutoUpgrade and are migrated by hand."""
    already_deployed: bool = False
    """This subscription already runs this (Deprecated) version: Azure keeps Deprecated versions open to the
    subscriptions that deploy them and to no one else."""
    capacity_by_region: dict[str, Annotated[int, Field(ge=1, le=100_000)]] = Field(default_factory=dict)
    """Per-region capacity; other regions use ``capacity``."""
    regions: list[str] | None = None
    """Deploy only in these regions (default: every region). Behind a gateway every pool member needs it."""


class Principal(_Strict):
    """An Entra group or service principal allowed to call the team's models."""

    id: Guid
    """Object ID."""
    type: Literal["Group", "ServicePrincipal", "User"] = "Group"


class Notification(_Strict):
    threshold: float = Field(ge=0, le=1000)
    """Percent of the budget amount, 0 to 1000."""
    type: Literal["Actual", "Forecasted"]
    operator: Literal["GreaterThan", "GreaterThanOrEqualTo"] = "GreaterThanOrEqualTo"


DEFAULT_NOTIFICATIONS = (
    Notification(threshold=50, type="Actual"),
    Notification(threshold=80, type="Actual"),
    Notification(threshold=100, type="Actual"),
    Notification(threshold=100, type="Forecasted"),
)
MAX_NOTIFICATIONS = 5
"""Azure: a budget can have up to five notifications."""

IsoDate = Annotated[str, _pattern(r"^\d{4}-\d{2}-\d{2}$", "a date written YYYY-MM-DD, e.g. 2026-11-01")]


class Budget(_Strict):
    """A monthly cost budget (billing currency) with its alerts."""

    monthly: float = Field(gt=0)
    contacts: list[Email] = Field(default_factory=list)
    """Emailed by every notification, besides the shared action group."""
    notifications: list[Notification] | None = Field(default=None, min_length=1)
    """Defaults to landingZone.budgets.notifications."""
    start_date: IsoDate | None = None
    """The first of a month, at most 12 months ahead. Default: the first of the month of the first deploy."""


class TokenQuota(_Strict):
    """Per-team limits the AI gateway enforces on a shared account."""

    monthly_tokens: int = Field(ge=1)
    tokens_per_minute: int = Field(ge=1)


class Budgets(_Strict):
    environment: Budget | None = None
    """Budget for all the landing zone's resource groups together."""
    notifications: list[Notification] = Field(default_factory=lambda: list(DEFAULT_NOTIFICATIONS), min_length=1)
    """Default notifications: 50/80/100% actual and 100% forecasted."""
    contact_roles: list[Literal["Owner", "Contributor", "Reader"]] = Field(default_factory=lambda: ["Owner"])
    action_group_emails: list[Email] = Field(default_factory=list)
    """Receivers of the shared action group every notification calls; default: every budget's contacts."""
    start_date: IsoDate | None = None
    """Default start date of every budget."""
    input_token_share: float = Field(default=0.75, gt=0, le=1)
    """Share of tokens that are input (prompt), for blended token prices."""
    busy_hours_per_month: int = Field(default=160, ge=1, le=744)
    """Hours a month a team runs at its full requested rate, for the capacity-versus-quota check."""


class Team(_Strict):
    name: Slug
    cost_center: Annotated[str, Field(min_length=1, max_length=64)]
    owners: list[Email] = Field(min_length=1)
    principals: list[Principal] = Field(min_length=1)
    """Who may call the team's models: each gets Cognitive Services OpenAI User on the team's accounts."""
    content_filter: str = DEFAULT_CONTENT_FILTER
    """``default`` (Microsoft.DefaultV2) or the name of an entry in ``contentFilters``."""
    data_classification: DataClassification = "general"
    """Data-handling need: with the content filter, it makes the team's governance profile."""
    isolation: Literal["shared", "dedicated"] = "shared"
    """``dedicated`` always gets its own account(s), whatever its profile."""
    models: list[ModelRequest] = Field(default_factory=list)
    caller_app_ids: list[Guid] = Field(default_factory=list)
    """Entra application (client) IDs of the apps that call through the AI gateway: how it knows the team."""
    subscription_keys: bool = False
    """Also require a gateway subscription key (never exported; read it in the portal)."""
    budget: Budget | None = None
    """Required in prod."""
    token_quota: TokenQuota | None = None
    """Shared accounts only; derived from the budget and catalog prices when absent."""


IsoDuration = Annotated[str, _pattern(r"^PT(\d+H)?(\d+M)?(\d+S)?$", "an ISO 8601 duration such as PT1M or PT30S")]
GatewaySku = Literal["BasicV2", "StandardV2", "Developer", "Basic", "Standard", "Premium", "Consumption", "PremiumV2"]


class CircuitBreaker(_Strict):
    """Trip a backend after ``failureCount`` failures (429 or 5xx) within ``interval``, for ``tripDuration``."""

    failure_count: int = Field(default=3, ge=1, le=10_000)
    interval: IsoDuration = "PT1M"
    trip_duration: IsoDuration = "PT1M"


class GatewayEntra(_Strict):
    tenant_id: Guid
    audiences: list[str] = Field(min_length=1)
    """Accepted token audiences, e.g. the gateway app's ``api://`` URI."""


class Gateway(_Strict):
    enabled: bool = False
    sku: GatewaySku = "StandardV2"
    """StandardV2 creates in minutes and integrates with a VNet; Premium for VNet injection."""
    capacity: int = Field(default=1, ge=1, le=30)
    publisher_email: Email | None = None
    publisher_name: Annotated[str, Field(min_length=1, max_length=100)] = "AI landing zone"
    entra: GatewayEntra | None = None
    circuit_breaker: CircuitBreaker = Field(default_factory=CircuitBreaker)
    private_endpoint: bool | None = None
    """An inbound private endpoint (sub-resource Gateway) in the primary region. Default: on in prod when the
    accounts are private."""
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"
    """Disabled only once the private endpoint exists: Azure refuses it when the service is created, so a new
    stack deploys with Enabled first, then Disabled."""


class AlertThresholds(_Strict):
    """Per account, over 5 minutes; each alert calls the shared action group."""

    throttled_requests: int = Field(default=20, ge=1)
    """Requests answered 429 (AzureOpenAIRequests, StatusCode 429)."""
    server_errors: int = Field(default=5, ge=1)
    """Requests answered 5xx."""
    time_to_response_ms: int = Field(default=15_000, ge=100)
    """Average AzureOpenAITimeToResponse."""
    ptu_utilization_percent: int = Field(default=90, ge=1, le=100)
    """Provisioned-managed Utilization V2, on accounts with provisioned deployments."""


class Monitoring(_Strict):
    enabled: bool = True
    workspace_id: WorkspaceId | None = None
    """An existing Log Analytics workspace; default: one is created."""
    retention_days: int = Field(default=30, ge=30, le=730)
    alerts: AlertThresholds = Field(default_factory=AlertThresholds)


class Guardrails(_Strict):
    policy_effect: Literal["Audit", "Deny"] | None = None
    """Effect of the policy assignments; default Deny in prod, Audit elsewhere."""
    protect: bool | None = None
    """Accounts can't be deleted by mistake: Pulumi protect and a denyAction policy on deleting them (no lock:
    its children would inherit it and block removing a model); default: prod only."""


class Quota(_Strict):
    """The subscription's quota for one model and deployment type in one region (capacity units)."""

    region: str
    model: ModelName
    sku: DeploymentSku
    capacity: int = Field(ge=1)


class ResourceGroup(_Strict):
    name: ResourceGroupName | None = None
    """Defaults to ``rg-<namePrefix>-<environment>``."""


class LandingZone(_Strict):
    environment: Environment
    name_prefix: NamePrefix
    """Short, organisation-specific: account names are globally unique DNS labels."""
    tenancy: Literal["shared", "distributed"] = "shared"
    """shared: one account per region per governance profile; distributed: accounts per team."""
    regions: list[Region] = Field(min_length=1)
    resource_group: ResourceGroup = Field(default_factory=ResourceGroup)
    account: AccountSettings = Field(default_factory=AccountSettings)
    network: Network = Field(default_factory=Network)
    budgets: Budgets = Field(default_factory=Budgets)
    gateway: Gateway = Field(default_factory=Gateway)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    guardrails: Guardrails = Field(default_factory=Guardrails)
    quotas: list[Quota] = Field(default_factory=list)
    """Subscription quota per (region, model, deployment type): the plan checks the stack's total against it."""
    content_filters: list[ContentFilter] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    team_files: list[TeamFile] = Field(default_factory=list)
    """One team per file, relative to the project root, e.g. ``teams/contoso-chat.yaml`` (CODEOWNERS per file)."""
    allow_topology_drift: bool = False
    """Silence the warning when this stack's tenancy or teams differ from the repo's other stacks."""
    topology_drift_reason: Annotated[str, Field(min_length=10, max_length=500)] | None = None
    tags: dict[str, TagValue] = Field(default_factory=dict)

    # Where each team came from, for error paths: ``landingZone.teams[0]`` or ``teams/x.yaml:``.
    _team_paths: list[str] = PrivateAttr(default_factory=list)

    def team_path(self, index: int) -> str:
        return self._team_paths[index] if self._team_paths else f"{ROOT}.teams[{index}]"


# ---------------------------------------------------------------- errors


def _allowed_keys(loc: tuple, root: Any) -> list[str] | None:
    """The keys allowed at the model that owns ``loc[:-1]`` (for 'unknown key' hints)."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return None
        model = _model_in(field.annotation)
        if model is None:
            return None
    return sorted(f.alias for f in model.model_fields.values())


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
}


def _message(err: dict, root: Any) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(tuple(err["loc"]), root)
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"unknown key{hint}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']} (got {value!r})"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        op = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound} (got {value!r})"
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not allowed: must be {_PATTERNS.get(ctx['pattern'], 'a match for ' + ctx['pattern'])}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "string_too_short":
        return f"needs at least {ctx.get('min_length')} character(s)"
    if kind in ("too_long", "string_too_long"):
        return f"allows at most {ctx.get('max_length')} item(s) or character(s)"
    if kind in _TYPE_NAMES:
        got = type(value).__name__
        if kind == "string_type" and isinstance(value, (dt.date, int, float)):
            return f'must be {_TYPE_NAMES[kind]}; YAML read {value} as a {got}: quote it, e.g. "{value}"'
        return f"must be {_TYPE_NAMES[kind]} (got {got} {value!r})"
    return err["msg"]


def _to_diagnostics(exc: ValidationError, prefix: str, root: Any) -> list[Diagnostic]:
    return [
        error(join_path(prefix, yaml_path(e["loc"])) if e["loc"] else prefix, _message(e, root)) for e in exc.errors()
    ]


# ---------------------------------------------------------------- team files


def _load_team_files(raw: Any, base_dir: Path) -> tuple[list[tuple[Team, str]], list[Diagnostic]]:
    """Teams from ``teamFiles``; errors name the file and the YAML path inside it."""
    files = raw.get("teamFiles") if isinstance(raw, dict) else None
    if not isinstance(files, list):
        return [], []
    teams, diags = [], []
    for i, rel in enumerate(files):
        if not isinstance(rel, str) or not re.match(_TEAM_FILE_PATTERN, rel):
            continue  # the landingZone model reports the path itself
        path = base_dir / rel
        if not path.is_file():
            diags.append(error(f"{ROOT}.teamFiles[{i}]", f"file {rel} not found (paths are relative to {base_dir})"))
            continue
        try:
            doc = load_yaml(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            diags.append(error(rel, yaml_problem(exc)))
            continue
        prefix = f"{rel}:"
        try:
            teams.append((Team.model_validate(doc), prefix))
        except ValidationError as exc:
            diags += _to_diagnostics(exc, prefix, Team)
    return teams, diags


# ---------------------------------------------------------------- cross-field checks


def _cidr(value: str, path: str, out: list[Diagnostic]) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        net = None
    if not isinstance(net, ipaddress.IPv4Network):
        hint = "is not an IPv4 address or CIDR range with no host bits set, e.g. 10.10.0.0/24"
        out.append(error(path, f"{value!r} {hint}"))
        return None
    return net


# Azure reserves 5 addresses per subnet; private endpoints need room to grow, the gateway more.
_MIN_SUBNET = {"privateEndpointSubnet": 28, "gatewaySubnet": 27}


def network_checks(lz: LandingZone) -> list[Diagnostic]:
    net, base, out = lz.network, f"{ROOT}.network", []
    for i, ip in enumerate(net.allowed_ips):
        _cidr(ip, f"{base}.allowedIps[{i}]", out)
    if net.mode == "private" and net.allowed_ips:
        out.append(error(f"{base}.allowedIps", "only applies in mode: public; a private account takes none"))
    if lz.environment == "prod" and net.mode == "public" and not net.allow_public_in_prod:
        out.append(
            error(
                f"{base}.mode",
                "prod must be private: use mode: private, or set allowPublicInProd: true with a publicInProdReason",
            )
        )
    if lz.environment == "prod" and net.mode == "public" and net.allow_public_in_prod and net.public_in_prod_reason:
        out.append(Diagnostic("warning", f"{base}.mode", f"public in prod, allowed: {net.public_in_prod_reason}"))
    if net.allow_public_in_prod and not net.public_in_prod_reason:
        out.append(error(f"{base}.publicInProdReason", "is required when allowPublicInProd is true: say why"))

    stack_regions = [r.name for r in lz.regions]
    for name in net.regions:
        if name not in stack_regions:
            out.append(error(f"{base}.regions.{name}", f"is not a region of this stack ({', '.join(stack_regions)})"))
    if net.uses_private_endpoints:
        for name in stack_regions:
            if name not in net.regions:
                out.append(
                    error(
                        f"{base}.regions",
                        f"missing {name}: private endpoints need a vnet to create or a privateEndpointSubnetId there",
                    )
                )
    spaces: list[tuple[str, ipaddress.IPv4Network]] = []
    for name, region in net.regions.items():
        path = f"{base}.regions.{name}"
        if (region.vnet is None) == (region.private_endpoint_subnet_id is None):
            out.append(error(path, "give exactly one of vnet (to create) or privateEndpointSubnetId (existing)"))
        if region.vnet is not None:
            if region.gateway_subnet_id:
                out.append(error(f"{path}.gatewaySubnetId", "with vnet, set vnet.gatewaySubnet instead"))
            space = _cidr(region.vnet.address_space, f"{path}.vnet.addressSpace", out)
            if space is not None:
                spaces.append((path, space))
                out += _subnet_checks(region.vnet, space, f"{path}.vnet")
    for (path_a, a), (path_b, b) in itertools.combinations(spaces, 2):
        if a.overlaps(b):
            msg = f"{b} overlaps {a} of {path_a}: regions need distinct ranges"
            out.append(error(f"{path_b}.vnet.addressSpace", msg))

    dns = net.private_dns
    if dns.mode != "hub" and dns.zone_ids:
        out.append(error(f"{base}.privateDns.zoneIds", "only used with mode: hub"))
    if dns.mode == "hub" and net.uses_private_endpoints:
        for zone in required_zones(lz.account.kind):
            if zone not in dns.zone_ids:
                out.append(error(f"{base}.privateDns.zoneIds", f"missing {zone}: hub mode needs the ID of every zone"))
    for zone, zone_id in dns.zone_ids.items():
        if zone_id.rsplit("/", 1)[-1].lower() != zone:
            out.append(error(f"{base}.privateDns.zoneIds.{zone}", f"points at zone {zone_id.rsplit('/', 1)[-1]!r}"))
    return out


# Which tiers reach a VNet (learn.microsoft.com/azure/api-management/api-management-features and
# virtual-network-concepts): outbound VNet integration is Standard v2 (and Premium v2); VNet injection is
# Developer and Premium (classic) and Premium v2; Basic, Standard, Basic v2 and Consumption have neither.
# Circuit breakers on backends are not supported in Consumption (learn.microsoft.com/azure/api-management/backends).
GATEWAY_NETWORK = {
    "StandardV2": "integration",
    "Developer": "injection",
    "Premium": "injection",
    "BasicV2": "none",
    "Basic": "none",
    "Standard": "none",
}
MAX_POOL_MEMBERS = 30


def gateway_checks(lz: LandingZone) -> list[Diagnostic]:
    gw, base, out = lz.gateway, f"{ROOT}.gateway", []
    if not gw.enabled:
        return out
    if gw.sku == "Consumption":
        out.append(
            error(f"{base}.sku", "Consumption has no backend circuit breakers, which failover needs: use StandardV2")
        )
    elif gw.sku == "PremiumV2":
        out.append(
            error(f"{base}.sku", "PremiumV2 is not in azure-native's API Management API (2024-05-01): use Premium")
        )
    elif gw.sku == "Developer" and lz.environment == "prod":
        out.append(error(f"{base}.sku", "Developer has no SLA: use StandardV2 or Premium in prod"))
    for key, value in (("entra", gw.entra), ("publisherEmail", gw.publisher_email)):
        if value is None:
            out.append(error(f"{base}.{key}", "is required when the gateway is enabled"))
    mode = GATEWAY_NETWORK.get(gw.sku)
    if mode is None:
        return out
    if not lz.network.uses_private_endpoints:
        # Public accounts: the gateway stays public too and calls their public endpoints.
        out.append(
            Diagnostic(
                "warning",
                f"{ROOT}.network.allowedIps",
                "the gateway calls the accounts' public endpoints: add its outbound IP addresses to allowedIps,"
                " or give the accounts private endpoints (privateEndpoints: true)",
            )
        )
    elif mode == "none":
        out.append(
            error(
                f"{base}.sku",
                f"{gw.sku} cannot join a VNet, so it cannot reach private accounts: use StandardV2 or Premium",
            )
        )
    else:
        primary = next((r.name for r in lz.regions if r.role == "primary"), None)
        region = lz.network.regions.get(primary or "")
        has_subnet = region is not None and (
            (region.vnet is not None and region.vnet.gateway_subnet) or region.gateway_subnet_id
        )
        if not has_subnet:
            out.append(
                error(
                    f"{ROOT}.network.regions.{primary}",
                    "the gateway needs a subnet in the primary region: set vnet.gatewaySubnet or gatewaySubnetId",
                )
            )
    if len(lz.regions) > MAX_POOL_MEMBERS:
        out.append(
            error(f"{ROOT}.regions", f"a backend pool holds at most {MAX_POOL_MEMBERS} members; got {len(lz.regions)}")
        )
    return out


def _region_refs(lz: LandingZone) -> list[Diagnostic]:
    names, out = {r.name for r in lz.regions}, []
    for t, team in enumerate(lz.teams):
        for m, model in enumerate(team.models):
            path = join_path(lz.team_path(t), f"models[{m}]")
            for key, values in (("capacityByRegion", list(model.capacity_by_region)), ("regions", model.regions or [])):
                for value in values:
                    if value not in names:
                        out.append(
                            error(
                                f"{path}.{key}", f"{value!r} is not a region of this stack ({', '.join(sorted(names))})"
                            )
                        )
    return out


def budget_checks(lz: LandingZone, today: dt.date | None = None) -> list[Diagnostic]:
    """Notifications and start dates; a missing budget in prod is the catalog-free part of the cost checks."""
    out: list[Diagnostic] = []
    base = f"{ROOT}.budgets"
    budgets: list[tuple[str, Budget | None]] = [(f"{base}.environment", lz.budgets.environment)]
    budgets += [(join_path(lz.team_path(i), "budget"), t.budget) for i, t in enumerate(lz.teams)]
    out += _notification_checks(lz.budgets.notifications, f"{base}.notifications")
    out += _start_date_checks(lz.budgets.start_date, f"{base}.startDate", today)
    for path, budget in budgets:
        if budget is None:
            if lz.environment == "prod":
                what = "the environment" if path.endswith("environment") else "every team"
                out.append(error(path, f"is required in prod: {what} needs a monthly budget with alerts"))
            continue
        if budget.notifications is not None:
            out += _notification_checks(budget.notifications, f"{path}.notifications")
        out += _start_date_checks(budget.start_date, f"{path}.startDate", today)
    return out


def _notification_checks(notifications: list[Notification], path: str) -> list[Diagnostic]:
    out = []
    kinds = {n.type for n in notifications}
    for kind in ("Actual", "Forecasted"):
        if kind not in kinds:
            out.append(error(path, f"needs at least one {kind} notification: alert on actual and forecasted spend"))
    if len(notifications) > MAX_NOTIFICATIONS:
        out.append(error(path, f"has {len(notifications)} notifications; Azure allows {MAX_NOTIFICATIONS} per budget"))
    seen = set()
    for i, n in enumerate(notifications):
        key = (n.type, n.operator, n.threshold)
        if key in seen:
            out.append(error(f"{path}[{i}]", f"duplicate {n.type} notification at {n.threshold:g}%"))
        seen.add(key)
    return out


def _start_date_checks(value: str | None, path: str, today: dt.date | None) -> list[Diagnostic]:
    if value is None:
        return []
    try:
        start = dt.date.fromisoformat(value)
    except ValueError:
        return [error(path, f"{value!r} is not a calendar date")]
    if start.day != 1:
        return [error(path, f"{value} must be the first of a month, e.g. {start.replace(day=1).isoformat()}")]
    today = today or dt.date.today()
    limit = (today.replace(day=1) + dt.timedelta(days=366)).replace(day=1)
    if start > limit:
        return [error(path, f"{value} is more than 12 months ahead; Azure accepts up to {limit.isoformat()}")]
    return []


def _subnet_checks(vnet: Vnet, space: ipaddress.IPv4Network, path: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    subnets = []
    for key, value in (("privateEndpointSubnet", vnet.private_endpoint_subnet), ("gatewaySubnet", vnet.gateway_subnet)):
        if value is None:
            continue
        subnet = _cidr(value, f"{path}.{key}", out)
        if subnet is None:
            continue
        if not subnet.subnet_of(space):
            out.append(error(f"{path}.{key}", f"{subnet} is outside the address space {space}"))
        elif subnet.prefixlen > _MIN_SUBNET[key]:
            out.append(error(f"{path}.{key}", f"{subnet} is too small: use /{_MIN_SUBNET[key]} or larger"))
        subnets.append((key, subnet))
    if len(subnets) == 2 and subnets[0][1].overlaps(subnets[1][1]):
        out.append(error(f"{path}.gatewaySubnet", f"{subnets[1][1]} overlaps privateEndpointSubnet {subnets[0][1]}"))
    return out


def required_zones(kind: str) -> tuple[str, ...]:
    """Private DNS zones an account's endpoint registers in (AIServices adds the Foundry zone)."""
    zones = ("privatelink.openai.azure.com", "privatelink.cognitiveservices.azure.com")
    return (*zones, "privatelink.services.ai.azure.com") if kind == "AIServices" else zones


def _semantic_checks(lz: LandingZone, today: dt.date | None) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    primaries = [i for i, r in enumerate(lz.regions) if r.role == "primary"]
    if len(primaries) != 1:
        out.append(error(f"{ROOT}.regions", f"needs exactly one region with role: primary (found {len(primaries)})"))
    out += _duplicates([r.name for r in lz.regions], [f"{ROOT}.regions[{i}]" for i in range(len(lz.regions))], "name")
    out += _duplicates([t.name for t in lz.teams], [lz.team_path(i) for i in range(len(lz.teams))], "name")
    filter_paths = [f"{ROOT}.contentFilters[{i}]" for i in range(len(lz.content_filters))]
    out += _duplicates([f.name for f in lz.content_filters], filter_paths, "name")
    out += network_checks(lz)
    out += budget_checks(lz, today)
    out += gateway_checks(lz)
    out += _region_refs(lz)
    names = {r.name for r in lz.regions}
    for i, q in enumerate(lz.quotas):
        if q.region not in names:
            out.append(error(f"{ROOT}.quotas[{i}].region", f"{q.region!r} is not a region of this stack"))
    keys = [(q.region, q.model, q.sku) for q in lz.quotas]
    out += _duplicates([" ".join(k) for k in keys], [f"{ROOT}.quotas[{i}]" for i in range(len(keys))], "region")
    filters = {f.name for f in lz.content_filters}
    if DEFAULT_CONTENT_FILTER in filters:
        i = next(i for i, f in enumerate(lz.content_filters) if f.name == DEFAULT_CONTENT_FILTER)
        out.append(
            error(f"{ROOT}.contentFilters[{i}].name", "'default' means the built-in Microsoft.DefaultV2: pick another")
        )
    for i, team in enumerate(lz.teams):
        if team.content_filter != DEFAULT_CONTENT_FILTER and team.content_filter not in filters:
            choices = ", ".join([DEFAULT_CONTENT_FILTER, *sorted(filters)])
            out.append(
                error(
                    join_path(lz.team_path(i), "contentFilter"),
                    f"unknown content filter {team.content_filter!r}; use one of: {choices}"
                    " (or add it under landingZone.contentFilters)",
                )
            )
    if lz.allow_topology_drift and not lz.topology_drift_reason:
        out.append(
            error(
                f"{ROOT}.topologyDriftReason",
                "is required when allowTopologyDrift is true: say why this stack's topology differs from the others",
            )
        )
    return out


def _duplicates(names: list[str], paths: list[str], key: str) -> list[Diagnostic]:
    seen: dict[str, str] = {}
    out = []
    for name, path in zip(names, paths, strict=True):
        if name in seen:
            out.append(error(join_path(path, key), f"duplicate {key} {name!r} (first at {seen[name]})"))
        else:
            seen[name] = path
    return out


def parse(
    raw: Any, base_dir: Path = PROJECT_ROOT, today: dt.date | None = None
) -> tuple[LandingZone | None, list[Diagnostic]]:
    """Validate the raw ``landingZone`` object and the team files it names.

    Returns the model (None when its shape is wrong) and every diagnostic; a
    model with cross-field errors is still returned so later checks can run.
    """
    if raw is None:
        return None, [error(ROOT, "is required: set ai-landing-zone:landingZone in the stack's config")]
    diags: list[Diagnostic] = []
    try:
        lz: LandingZone | None = LandingZone.model_validate(raw)
    except ValidationError as exc:
        lz, diags = None, _to_diagnostics(exc, ROOT, LandingZone)
    file_teams, file_diags = _load_team_files(raw, base_dir)
    diags += file_diags
    if lz is None:
        return None, diags
    if file_teams:
        inline = [f"{ROOT}.teams[{i}]" for i in range(len(lz.teams))]
        lz = lz.model_copy(update={"teams": [*lz.teams, *(t for t, _ in file_teams)]})
        lz._team_paths = [*inline, *(p for _, p in file_teams)]
    return lz, diags + _semantic_checks(lz, today)


def stack_file_schema() -> dict:
    """JSON Schema of a whole ``Pulumi.<stack>.yaml``, with ``landingZone`` fully typed."""
    lz = LandingZone.model_json_schema(by_alias=True)
    defs = lz.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Pulumi.<stack>.yaml for ai-landing-zone",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": {
                    f"ai-landing-zone:{ROOT}": lz,
                    "azure-native:location": {"type": "string"},
                },
                "required": [f"ai-landing-zone:{ROOT}"],
            },
        },
        "required": ["config"],
        "$defs": defs,
    }


def team_file_schema() -> dict:
    """JSON Schema of a team file (``teamFiles``): one team."""
    schema = Team.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ai-landing-zone team file"
    return schema
