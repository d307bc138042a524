"""Typed stack configuration: the ``ai-landing-zone:landingZone`` object.

Strict pydantic models with unknown keys rejected. ``parse`` never raises on
bad input: it returns every problem at once, each with its YAML path and what
is allowed, so a reviewer fixes a config in one pass.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from infra.diagnostics import Diagnostic, error, yaml_path

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
PolicyName = Annotated[
    str,
    _pattern(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", "1-64 letters, digits, '_' or '-', starting with a letter or digit"),
]
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


class NetworkAcls(_Strict):
    default_action: Literal["Allow", "Deny"] = "Deny"
    ip_rules: list[str] = Field(default_factory=list)
    """IPv4 addresses or CIDR ranges allowed through the account firewall."""
    bypass: Literal["None", "AzureServices"] = "AzureServices"


class AccountSettings(_Strict):
    kind: Literal["OpenAI", "AIServices"] = "OpenAI"
    sku: Literal["S0"] = "S0"
    disable_local_auth: bool = True
    """Keyless by default: callers authenticate with Entra ID."""
    public_network_access: Literal["Enabled", "Disabled"] = "Disabled"
    network_acls: NetworkAcls = Field(default_factory=NetworkAcls)


class HarmThresholds(_Strict):
    """Lowest severity that is filtered: ``Low`` is the strictest."""

    hate: Severity = "Medium"
    sexual: Severity = "Medium"
    violence: Severity = "Medium"
    self_harm: Severity = "Medium"


class ContentFilter(_Strict):
    name: PolicyName
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
    version_upgrade_option: VersionUpgradeOption = "OnceCurrentVersionExpired"


class Team(_Strict):
    name: Slug
    content_filter: str = DEFAULT_CONTENT_FILTER
    """``default`` (Microsoft.DefaultV2) or the name of an entry in ``contentFilters``."""
    models: list[ModelRequest] = Field(default_factory=list)


class ResourceGroup(_Strict):
    name: ResourceGroupName | None = None
    """Defaults to ``rg-<namePrefix>-<environment>``."""


class LandingZone(_Strict):
    environment: Environment
    name_prefix: NamePrefix
    """Short, organisation-specific: account names are globally unique DNS labels."""
    tenancy: Literal["shared"] = "shared"
    regions: list[Region] = Field(min_length=1)
    resource_group: ResourceGroup = Field(default_factory=ResourceGroup)
    account: AccountSettings = Field(default_factory=AccountSettings)
    content_filters: list[ContentFilter] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    tags: dict[str, TagValue] = Field(default_factory=dict)


# ---------------------------------------------------------------- errors


def _allowed_keys(loc: tuple) -> list[str] | None:
    """The keys allowed at the model that owns ``loc[:-1]`` (for 'unknown key' hints)."""
    model: Any = LandingZone
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


def _message(err: dict) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(tuple(err["loc"]))
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
    if kind in ("too_short", "string_too_short"):
        return f"needs at least {ctx.get('min_length')} item(s) or character(s)"
    if kind in ("too_long", "string_too_long"):
        return f"allows at most {ctx.get('max_length')} item(s) or character(s)"
    if kind in _TYPE_NAMES:
        got = type(value).__name__
        if kind == "string_type" and isinstance(value, (dt.date, int, float)):
            return f'must be {_TYPE_NAMES[kind]}; YAML read {value} as a {got}: quote it, e.g. "{value}"'
        return f"must be {_TYPE_NAMES[kind]} (got {got} {value!r})"
    return err["msg"]


def _to_diagnostics(exc: ValidationError) -> list[Diagnostic]:
    return [error(yaml_path((ROOT, *e["loc"])), _message(e)) for e in exc.errors()]


# ---------------------------------------------------------------- cross-field checks


def _check_ip_rule(value: str) -> bool:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return net.version == 4


def _semantic_checks(lz: LandingZone) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    primaries = [i for i, r in enumerate(lz.regions) if r.role == "primary"]
    if len(primaries) != 1:
        out.append(error(f"{ROOT}.regions", f"needs exactly one region with role: primary (found {len(primaries)})"))
    out += _duplicates([r.name for r in lz.regions], f"{ROOT}.regions", "name")
    out += _duplicates([t.name for t in lz.teams], f"{ROOT}.teams", "name")
    out += _duplicates([f.name for f in lz.content_filters], f"{ROOT}.contentFilters", "name")
    for i, rule in enumerate(lz.account.network_acls.ip_rules):
        if not _check_ip_rule(rule):
            out.append(
                error(
                    f"{ROOT}.account.networkAcls.ipRules[{i}]",
                    f"{rule!r} is not an IPv4 address or CIDR range with no host bits set, e.g. 203.0.113.0/24",
                )
            )
    filters = {f.name for f in lz.content_filters}
    for i, team in enumerate(lz.teams):
        if team.content_filter != DEFAULT_CONTENT_FILTER and team.content_filter not in filters:
            choices = ", ".join([DEFAULT_CONTENT_FILTER, *sorted(filters)])
            out.append(
                error(
                    f"{ROOT}.teams[{i}].contentFilter",
                    f"unknown content filter {team.content_filter!r}; use one of: {choices}"
                    " (or add it under landingZone.contentFilters)",
                )
            )
    return out


def _duplicates(names: list[str], path: str, key: str) -> list[Diagnostic]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        if name in seen:
            out.append(error(f"{path}[{i}].{key}", f"duplicate {key} {name!r} (first at {path}[{seen[name]}])"))
        else:
            seen[name] = i
    return out


def parse(raw: Any) -> tuple[LandingZone | None, list[Diagnostic]]:
    """Validate the raw ``landingZone`` object.

    Returns the model (None when its shape is wrong) and every diagnostic; a
    model with cross-field errors is still returned so later checks can run.
    """
    if raw is None:
        return None, [error(ROOT, "is required: set ai-landing-zone:landingZone in the stack's config")]
    try:
        lz = LandingZone.model_validate(raw)
    except ValidationError as exc:
        return None, _to_diagnostics(exc)
    return lz, _semantic_checks(lz)


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
