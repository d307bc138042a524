"""The value types of the stack config: patterns with what to tell a person, closed sets, constants.

Every pattern carries its meaning, so an error says what is allowed rather than quoting a regex.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from infra.diagnostics import convention, rule

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
"""Where Pulumi.yaml lives; team file paths are relative to it."""

TEAM_FILES_DIR_ENV = "AI_LANDING_ZONE_TEAM_FILES_DIR"


def team_files_dir() -> Path:
    """Where ``teamFiles`` paths start, for the plan and for the program under the engine alike.

    The engine hands the program config values, never the stack file's path (``--config-file`` included),
    so the program can only know the project root; the plan follows the same rule rather than the stack
    file's folder. ``AI_LANDING_ZONE_TEAM_FILES_DIR`` moves it for both, e.g. to plan a copy elsewhere."""
    return Path(os.environ.get(TEAM_FILES_DIR_ENV) or PROJECT_ROOT)


ROOT = "landingZone"
"""The config key inside the project namespace, and the root of every YAML path."""

GatewaySku = Literal["BasicV2", "StandardV2", "Developer", "Basic", "Standard", "Premium", "Consumption", "PremiumV2"]
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
ModelName = Annotated[
    str,
    _pattern(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        "a model name as Azure lists it, e.g. gpt-4.1-mini or Llama-4-Maverick-17B-128E-Instruct-FP8",
    ),
]
ModelFormat = Literal["OpenAI", "Microsoft", "Meta", "Mistral AI", "DeepSeek", "xAI", "Cohere"]
"""A deployment's ``properties.model.format``: the provider offering the model ("The property format indicates
the provider offering the model", learn.microsoft.com/azure/foundry/foundry-models/how-to/create-model-deployments)."""
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
SubscriptionId = Annotated[
    str,
    _pattern(
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "an Azure subscription ID (a GUID), e.g. 00000000-0000-0000-0000-000000000000",
    ),
]
# Printable ASCII only: a control character in an address is a paste accident, and Azure refuses it.
Email = Annotated[
    str,
    Field(max_length=254),
    _pattern(
        r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$",
        "an email address, e.g. ai-team@contoso.com",
    ),
]
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
# Azure's tag limits (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources, Limitations):
# names up to 512 characters without < > % & \ ? /, values up to 256; names starting microsoft, azure or
# windows are Azure's own.
TagName = Annotated[
    str,
    _pattern(
        r"^[^<>%&\\?/\x00-\x1f]{1,512}$",
        "a tag name: 1-512 characters, none of < > % & \\ ? / or control characters",
    ),
]
TagValue = Annotated[str, Field(max_length=256), _pattern(r"^[^\x00-\x1f]*$", "a tag value without control characters")]

NO_SECRETS = (
    "is stored as a secret, but the landing zone's config holds none by design (access is keyless, keys are"
    " never exported): store it in plain text, and keep secrets out of it"
)
"""Why ``landingZone`` refuses ``secure:`` values, in the plan and under the engine alike: a secret read with
``get_object`` would land in resource inputs and state unencrypted."""
SECRETS_REFUSED = rule(
    "config.no-secrets",
    "error",
    "landingZone holds no secret (secure:) value at any depth, in the plan and under pulumi up alike.",
    convention(
        "access is keyless and no key is exported, so nothing in it is secret; a secret read with get_object"
        " would land in resource inputs and state unencrypted"
    ),
)
