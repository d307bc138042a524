"""The pydantic models of ``landingZone`` and of a team file: shape and per-field rules only.

Rules between values live in their concern's slice (``infra.network``, ``infra.gateway``, ``infra.costs``,
``infra.operations``, ``infra.tenancy``) and run from ``infra.rules``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PrivateAttr

from infra.config.platform_prices import LogsGbPerMonth, PlatformPrices
from infra.config.strict import Strict as _Strict
from infra.config.types import (
    BUILTIN_RAI_POLICY,
    DEFAULT_CONTENT_FILTER,
    ROOT,
    AccountName,
    DataClassification,
    DeploymentName,
    DeploymentSku,
    Email,
    Environment,
    GatewaySku,
    Guid,
    ModelFormat,
    ModelName,
    NamePrefix,
    PrivateDnsZone,
    PrivateDnsZoneId,
    RegionName,
    ResourceGroupName,
    Severity,
    Slug,
    SubnetId,
    SubscriptionId,
    TagName,
    TagValue,
    TeamFile,
    VersionUpgradeOption,
    WorkspaceId,
    _pattern,
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
    weight: int = Field(default=1, ge=1, le=100)
    """Secondaries only: their share of the gateway pool's fallback traffic. The primary has priority 1 alone and
    the secondaries share priority 2, split by weight (API Management takes 0 to 100 per pool member)."""


class AccountSettings(_Strict):
    kind: Literal["OpenAI", "AIServices"] = "OpenAI"
    allow_project_management: bool = False
    """AIServices only: the account is a Foundry resource with a Foundry project per team on it."""
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
    format: ModelFormat | None = None
    """The model's publisher as Azure names it (OpenAI, Microsoft, Meta, Mistral AI, DeepSeek, xAI, Cohere);
    the catalog's by default. Every format but OpenAI needs account.kind: AIServices."""
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
    spillover_deployment_name: DeploymentName | None = None
    """Provisioned only: the standard deployment on the same account that takes the requests this one would
    throttle (Azure OpenAI spillover). It must process data where this one does: Global to Global, Data Zone to
    Data Zone."""
    adopt: bool = False
    """This deployment already runs on the region's existing account (made by Bicep, the portal or a script):
    the first ``pulumi up`` imports it instead of failing with "already exists". Remove it once that has run."""
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

    # llm-token-limit's types (Azure/azure-api-management-policy-toolkit, TokenLimitConfig): token-quota is a
    # long, tokens-per-minute an int.
    monthly_tokens: int = Field(ge=1, le=2**63 - 1)
    tokens_per_minute: int = Field(ge=1, le=2**31 - 1)


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
    platform_prices: PlatformPrices = Field(default_factory=PlatformPrices)
    """Overrides of the platform's list prices (API Management, private endpoints, DNS zones, log ingestion)."""
    logs_gb_per_month: LogsGbPerMonth = Field(default_factory=LogsGbPerMonth)


class AliasTarget(_Strict):
    deployment: DeploymentName
    """One of the team's deployments (its ``deploymentName``, or ``<team>-<model>``)."""
    weight: int = Field(ge=0, le=100)
    """Percent of the alias's calls; 0 keeps the deployment deployed with no traffic (blue-green)."""


class Alias(_Strict):
    """A stable name the team's apps call; the gateway sends each call to one of ``to`` by weight."""

    name: DeploymentName
    to: list[AliasTarget] = Field(min_length=1, max_length=10)


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
    aliases: list[Alias] = Field(default_factory=list)
    """Stable names apps call through the gateway, each sent to one or more of the team's deployments by weight:
    a canary or blue-green rollout of a new model version."""


IsoDuration = Annotated[str, _pattern(r"^PT(\d+H)?(\d+M)?(\d+S)?$", "an ISO 8601 duration such as PT1M or PT30S")]


class CircuitBreaker(_Strict):
    """Trip a backend after ``failureCount`` failures (429 or 5xx) within ``interval``, for ``tripDuration``."""

    failure_count: int = Field(default=3, ge=1, le=10_000)
    interval: IsoDuration = "PT1M"
    trip_duration: IsoDuration = "PT1M"


class GatewayEntra(_Strict):
    tenant_id: Guid
    audiences: list[str] = Field(min_length=1)
    """Accepted token audiences, e.g. the gateway app's ``api://`` URI."""


class LlmLogs(_Strict):
    """The gateway's language-model logs (table ApiManagementGatewayLlmLog): token counts and the model of every
    request always; prompt and completion bodies only with ``messages`` (off by default: they hold what users typed).
    learn.microsoft.com/azure/api-management/api-management-howto-llm-logs"""

    messages: bool = False
    """Also log each request's prompt and each response's completion, up to ``maxSizeInBytes`` each."""
    max_size_in_bytes: int = Field(default=32_768, ge=1, le=262_144)
    """Bytes of a prompt or completion logged, at most: 1 to 262144, default 32 KB (LLMMessageDiagnosticSettings,
    Microsoft.ApiManagement 2024-10-01-preview ARM schema)."""


class Gateway(_Strict):
    enabled: bool = False
    sku: GatewaySku = "StandardV2"
    """StandardV2 creates in minutes and integrates with a VNet; Premium for VNet injection."""
    capacity: int = Field(default=1, ge=1, le=30)
    publisher_email: Annotated[Email, Field(max_length=100)] | None = None
    """API Management's publisherEmail: at most 100 characters (ARM schema, ApiManagementServiceProperties)."""
    publisher_name: Annotated[str, Field(min_length=1, max_length=100)] = "AI landing zone"
    entra: GatewayEntra | None = None
    circuit_breaker: CircuitBreaker = Field(default_factory=CircuitBreaker)
    private_endpoint: bool | None = None
    """An inbound private endpoint (sub-resource Gateway) in the primary region. Default: on in prod when the
    accounts are private."""
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"
    """Disabled only once the private endpoint exists: Azure refuses it when the service is created, so a new
    stack deploys with Enabled first, then Disabled."""
    llm_logs: LlmLogs = Field(default_factory=LlmLogs)


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
    subscription: SubscriptionId | None = None
    """The subscription this quota is of; default: each of ``placement.subscriptions`` (Azure grants the same
    default quota to every subscription)."""


class Placement(_Strict):
    max_deployments_per_account: int = Field(default=28, ge=1, le=32)
    """Deployments per shared account, at most; a governance profile spreads over as many accounts as its teams
    need. Azure allows 32 per account (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits, "Max Standard
    deployments per resource"; learn.microsoft.com/azure/foundry/foundry-models/quotas-limits, "Max deployments
    per resource"): the default leaves headroom for a team's next model."""
    subscriptions: list[SubscriptionId] = Field(default_factory=list)
    """Where accounts may be placed, in order of preference; default: the stack's own ``azure-native:subscriptionId``.
    Azure caps the accounts of a kind per region per subscription (30 OpenAI, 100 AIServices), so a landing zone of
    many accounts spreads them over subscriptions; ``placement/<stack>.yaml`` records which account is where."""


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
    placement: Placement = Field(default_factory=Placement)
    quotas: list[Quota] = Field(default_factory=list)
    """Subscription quota per (region, model, deployment type): the plan checks the stack's total against it."""
    content_filters: list[ContentFilter] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    team_files: list[TeamFile] = Field(default_factory=list)
    """One team per file, relative to the project root, e.g. ``teams/contoso-chat.yaml`` (CODEOWNERS per file)."""
    allow_topology_drift: bool = False
    """Silence the warning when this stack's tenancy or teams differ from the repo's other stacks."""
    topology_drift_reason: Annotated[str, Field(min_length=10, max_length=500)] | None = None
    promotes_from: Environment | None = None
    """The stack whose deployments this one's are promoted from (e.g. ``dev`` in prod): an alias here sends traffic
    only to a model version the same team runs there."""
    allow_promotion_drift: bool = False
    """Let aliases send traffic to versions the promotesFrom stack does not run; needs a promotionDriftReason."""
    promotion_drift_reason: Annotated[str, Field(min_length=10, max_length=500)] | None = None
    tags: dict[TagName, TagValue] = Field(default_factory=dict)
    """Added to every resource with the landing zone's own (``tenancy.checks`` counts them against Azure's 50)."""

    # Where each team came from, for error paths: ``landingZone.teams[0]`` or ``teams/x.yaml:``.
    _team_paths: list[str] = PrivateAttr(default_factory=list)

    def team_path(self, index: int) -> str:
        return self._team_paths[index] if self._team_paths else f"{ROOT}.teams[{index}]"

    @property
    def primary_region(self) -> str:
        """The region with role primary. ``tenancy.checks`` makes sure there is exactly one before anything is
        decided; on a config that has none this is the first region, never an exception."""
        return next((r.name for r in self.regions if r.role == "primary"), self.regions[0].name)
