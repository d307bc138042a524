"""Typed stack configuration: the ``ai-landing-zone:landingZone`` object.

Strict pydantic models with unknown keys rejected. ``parse`` never raises on
bad input: it returns every problem at once, each with its YAML path and what
is allowed, so a reviewer fixes a config in one pass.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
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
    version_upgrade_option: VersionUpgradeOption = "OnceCurrentVersionExpired"


class Principal(_Strict):
    """An Entra group or service principal allowed to call the team's models."""

    id: Guid
    """Object ID."""
    type: Literal["Group", "ServicePrincipal", "User"] = "Group"


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
    out += _duplicates([r.name for r in lz.regions], [f"{ROOT}.regions[{i}]" for i in range(len(lz.regions))], "name")
    out += _duplicates([t.name for t in lz.teams], [lz.team_path(i) for i in range(len(lz.teams))], "name")
    filter_paths = [f"{ROOT}.contentFilters[{i}]" for i in range(len(lz.content_filters))]
    out += _duplicates([f.name for f in lz.content_filters], filter_paths, "name")
    for i, rule in enumerate(lz.account.network_acls.ip_rules):
        if not _check_ip_rule(rule):
            out.append(
                error(
                    f"{ROOT}.account.networkAcls.ipRules[{i}]",
                    f"{rule!r} is not an IPv4 address or CIDR range with no host bits set, e.g. 203.0.113.0/24",
                )
            )
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


def parse(raw: Any, base_dir: Path = PROJECT_ROOT) -> tuple[LandingZone | None, list[Diagnostic]]:
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
    return lz, diags + _semantic_checks(lz)


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
