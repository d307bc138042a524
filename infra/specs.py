"""The decisions, as frozen data: what each slice decides and the program declares.

Specs hold no config and no Pulumi. Every slice (``infra.network``, ``infra.tenancy``, ``infra.gateway``,
``infra.costs``, ``infra.operations``) builds its own and reads the others', so they live here, below all of
them: no slice imports another's module for a type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from infra.config import BUILTIN_RAI_POLICY, PROVISIONED_SKUS, ContentFilter, Notification


@dataclass(frozen=True)
class ProjectSpec:
    """A team's Foundry project on one account."""

    name: str
    team: str
    endpoint: str
    """``https://<subdomain>.services.ai.azure.com/api/projects/<project>``, decided before deployment."""
    gateway_audience: str | None = None
    """The audience its gateway connection asks Entra ID for, when there is a gateway."""


@dataclass(frozen=True)
class Deployment:
    """A model deployment on one account in one region: the one shape every rule, quota, cost, lifecycle check,
    output, plan view and component reads (``infra.deployments`` resolves each team's request into it)."""

    name: str
    """Azure deployment name: identical in every region so that gateway failover keeps the path."""
    team: str
    account: str
    """Key of the account (``AccountSpec.key``) that holds it."""
    region: str
    model_format: str
    model_name: str
    model_version: str
    sku: str
    capacity: int
    """This region's: ``capacityByRegion`` where it names the region, else ``capacity``."""
    version_upgrade_option: str
    content_filter: str | None
    """Name of a custom filter created on the account, or None for the built-in policy."""
    path: str
    """YAML path of the request that asked for it."""
    capacity_path: str
    """YAML path of the value its capacity came from (``capacity`` or ``capacityByRegion.<region>``)."""
    explicit_name: bool = False
    already_deployed: bool = False
    """Deployed under Azure's existing-customer exception for a Deprecated version."""
    adopt: bool = False
    """Already runs on an existing account: imported, not created."""
    spillover: str | None = None
    """Provisioned: the standard deployment on this account that takes what this one would throttle."""
    import_id: str | None = None
    """The Azure ID the first ``pulumi up`` imports (on an existing account)."""

    @property
    def provisioned(self) -> bool:
        return self.sku in PROVISIONED_SKUS

    @property
    def rai_policy_name(self) -> str:
        return self.content_filter or BUILTIN_RAI_POLICY


@dataclass(frozen=True)
class PrincipalAccess:
    """One role assignment: Cognitive Services OpenAI User for a principal on an account."""

    principal_id: str
    principal_type: str
    teams: tuple[str, ...]


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    cidr: str
    delegation: str | None = None
    security_rules: tuple[dict, ...] = ()


@dataclass(frozen=True)
class VnetSpec:
    region: str
    name: str
    address_space: str
    subnets: tuple[SubnetSpec, ...]
    """The private endpoint subnet first."""


@dataclass(frozen=True)
class NetworkSpec:
    mode: str
    public_network_access: str
    allowed_ips: tuple[str, ...]
    bypass: str
    private_endpoints: bool
    dns_mode: str
    zones: tuple[str, ...]
    """Private DNS zones the stack's endpoints need."""
    hub_zone_ids: dict[str, str]
    vnets: tuple[VnetSpec, ...]
    """VNets to create."""
    existing_subnets: dict[str, str]
    """region -> private endpoint subnet ID supplied by a connectivity team."""
    existing_gateway_subnets: dict[str, str] = field(default_factory=dict)
    """region -> gateway subnet ID supplied by a connectivity team."""

    @property
    def existing_vnet_ids(self) -> tuple[str, ...]:
        return tuple(sorted({sid.split("/subnets/")[0] for sid in self.existing_subnets.values()}))


@dataclass(frozen=True)
class ResourceGroupSpec:
    key: str
    name: str
    location: str
    team: str | None
    tags: dict[str, str]
    subscription: str | None = None
    """The subscription it is made in; None: the stack's own (the default provider's)."""


def platform_group_key(subscription: str | None) -> str:
    """The key of the platform's resource group in a subscription (None: the stack's own), which holds the
    platform's resources there: shared accounts, the action group."""
    return f"platform-{subscription}" if subscription else "platform"


@dataclass(frozen=True)
class AccountSpec:
    key: str
    """Stable logical name; also the prefix of every child's logical name."""
    name: str
    region: str
    role: str
    kind: str
    sku: str
    custom_subdomain: str
    resource_group: str
    """Key of a ``ResourceGroupSpec``, or the name of the existing account's resource group."""
    existing: bool
    group: str
    """Account group: ``shared-<filter>-<classification>`` or ``team-<team>``."""
    tenancy: Literal["shared", "dedicated"]
    deployments: tuple[Deployment, ...]
    content_filters: tuple[ContentFilter, ...]
    teams: tuple[str, ...]
    access: tuple[PrincipalAccess, ...]
    tags: dict[str, str]
    reason: str
    """Why these teams' deployments landed on this account, shown in the plan."""
    dns_zones: tuple[str, ...] = ()
    private_endpoint: bool = False
    private_endpoint_name: str = ""
    projects: tuple[ProjectSpec, ...] = ()
    """Foundry projects, one per team, on an account with project management."""
    subscription: str | None = None
    """The subscription it is placed in (``infra.subscriptions``); None: the stack's own (the default provider's),
    where an existing account is too."""

    @property
    def provisioned(self) -> bool:
        """Holds provisioned (PTU) deployments: its monitoring watches their utilization."""
        return any(d.provisioned for d in self.deployments)


@dataclass(frozen=True)
class TeamPlacement:
    name: str
    cost_center: str
    owners: tuple[str, ...]
    group: str
    tenancy: Literal["shared", "dedicated"]
    shared_with: tuple[str, ...]
    accounts: tuple[str, ...]
    """Keys of the accounts that hold the team's deployments (one per region)."""
    reason: str


@dataclass(frozen=True)
class PoolMember:
    account: str
    """Account key; its backend is named after it."""
    region: str
    priority: int
    """1 for the primary region, 2 for every secondary: a lower priority gets traffic only when every member of
    the higher ones is tripped."""
    weight: int
    """The member's share of its priority group's traffic (the primary's, alone in its group, is 1)."""
    subscription: str | None = None
    """The account's (None: the stack's own): the gateway's role assignment on it is made there."""


@dataclass(frozen=True)
class AliasTargetSpec:
    deployment: str
    weight: int
    model: str
    version: str
    sku: str


@dataclass(frozen=True)
class AliasSpec:
    """A team's stable name, resolved at the gateway to one of its deployments by weight (``infra.aliases``)."""

    team: str
    name: str
    targets: tuple[AliasTargetSpec, ...]
    path: str
    """YAML path of the alias."""

    @property
    def in_rollout(self) -> bool:
        """More than one deployment behind the name: a canary, or a blue-green standby at weight 0."""
        return len(self.targets) > 1

    @property
    def stable(self) -> AliasTargetSpec:
        """The target with most of the traffic (the first listed on a tie): what a canary is compared with."""
        return max(self.targets, key=lambda t: t.weight)

    @property
    def canaries(self) -> tuple[AliasTargetSpec, ...]:
        return tuple(t for t in self.targets if t.weight > 0 and t is not self.stable)

    def args(self) -> dict:
        """As the gateway policy takes it (``AliasArgs``)."""
        return {"name": self.name, "targets": [{"deployment": t.deployment, "weight": t.weight} for t in self.targets]}


@dataclass(frozen=True)
class TeamRoute:
    team: str
    caller_app_ids: tuple[str, ...]
    subscription_key: bool
    tokens_per_minute: int | None
    monthly_tokens: int | None
    aliases: tuple[AliasSpec, ...] = ()


@dataclass(frozen=True)
class GatewayApi:
    group: str
    """The account group behind this API; its pool and path are named after it."""
    pool: str
    path: str
    members: tuple[PoolMember, ...]
    teams: tuple[TeamRoute, ...]

    def team_args(self) -> list[dict]:
        """Its teams as ``OpenAiGatewayApi`` takes them (``GatewayTeamArgs``): what the program declares, and
        what the plan renders to measure the policy."""
        return [
            {
                "team": t.team,
                "caller_app_ids": list(t.caller_app_ids),
                "subscription_key": t.subscription_key,
                **({"tokens_per_minute": t.tokens_per_minute} if t.tokens_per_minute else {}),
                **({"monthly_tokens": t.monthly_tokens} if t.monthly_tokens else {}),
                **({"aliases": [a.args() for a in t.aliases]} if t.aliases else {}),
            }
            for t in self.teams
        ]


@dataclass(frozen=True)
class GatewaySpec:
    name: str
    sku: str
    capacity: int
    region: str
    network: str
    """integration (outbound VNet, public endpoint), injection (Internal VNet mode), or none (public, calling
    public account endpoints)."""
    tenant_id: str
    audiences: tuple[str, ...]
    publisher_email: str
    publisher_name: str
    failure_count: int
    interval: str
    trip_duration: str
    apis: tuple[GatewayApi, ...]
    private_endpoint: bool = False
    """An inbound private endpoint (sub-resource Gateway) in the gateway's region."""
    public_network_access: str = "Enabled"
    private_endpoint_name: str = ""
    llm_messages: bool = False
    """Each API's LLM logs hold prompt and completion bodies too (token counts are always logged)."""
    llm_max_size_in_bytes: int = 32_768
    """Bytes of a prompt or completion logged, at most, when ``llm_messages``."""

    @property
    def virtual_network_type(self) -> str:
        """API Management's virtualNetworkType: v2 integration is outbound only (the endpoint stays public);
        classic injection goes Internal."""
        return {"integration": "External", "injection": "Internal"}.get(self.network, "None")


@dataclass(frozen=True)
class QuotaUse:
    region: str
    model: str
    sku: str
    total: int
    quota: int | None
    contributors: tuple[str, ...]
    """``account/deployment: capacity`` for each deployment that counts."""
    subscription: str | None = None
    """Whose quota: Azure counts it per subscription (None: the stack's own, not stated)."""


@dataclass(frozen=True)
class GuardrailsSpec:
    effect: str
    protect: bool
    """Pulumi protect on accounts and a denyAction policy on deleting them; never a lock, which their
    deployments and content filters would inherit."""
    approved: dict[str, tuple[str, ...]]
    approved_definition: str = ""
    """Name of the allowed-models policy definition."""
    no_delete_definition: str | None = None
    """Name of the deny-delete policy definition, where accounts are protected."""


@dataclass(frozen=True)
class BudgetSpec:
    key: str
    """``environment`` or the team name; also the logical name."""
    name: str
    team: str | None
    amount: float
    start_date: str
    """ISO date, the first of a month."""
    notifications: tuple[Notification, ...]
    contacts: tuple[str, ...]
    scope: Literal["subscription", "resourceGroup"]
    resource_group: str | None
    """Key of the scope's resource group (resourceGroup scope)."""
    resource_group_names: tuple[str, ...] = ()
    """subscription scope: only these resource groups count."""
    account_keys: tuple[str, ...] = ()
    """Only these accounts count (a dedicated team inside the platform resource group)."""
    why: str = ""
    contact_roles: tuple[str, ...] = ()
    subscription: str | None = None
    """The subscription it is made in (a budget sees one); None: the stack's own."""


@dataclass(frozen=True)
class TeamCost:
    team: str
    budget: float | None
    notifications: str
    shared: bool
    monthly_tokens: int | None
    tokens_per_minute: int | None
    quota_source: Literal["explicit", "derived", "none"]
    price_per_million: float | None
    """Capacity-weighted blended list price of the team's standard deployments."""
    requested_tpm: int
    committed_monthly: float
    """Pay-as-you-go PTU cost of the team's provisioned deployments in all regions, per month."""


@dataclass(frozen=True)
class AlertsSpec:
    """The action group every budget and metric alert calls."""

    name: str
    short_name: str
    emails: tuple[str, ...]


@dataclass(frozen=True)
class MonitoringSpec:
    """Log Analytics (created here, or an existing one) and, with a gateway, Application Insights."""

    workspace_name: str
    existing_workspace_id: str | None
    retention_days: int
    app_insights_name: str | None
    thresholds: dict[str, int]
    """Per-account metric alert thresholds (``monitoring.alerts``)."""
