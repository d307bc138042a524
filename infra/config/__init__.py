"""Typed stack configuration: the ``ai-landing-zone:landingZone`` object, and the team files it names.

Strict pydantic models with unknown keys rejected. ``parse`` checks the shape and never raises on bad input:
it returns every problem at once, each with its YAML path and what is allowed. The rules between values
belong to their concern's slice and run from ``infra.rules``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from infra.config.errors import REQUIRED, to_diagnostics
from infra.config.models import (
    DEFAULT_NOTIFICATIONS,
    MAX_NOTIFICATIONS,
    Budget,
    ContentFilter,
    LandingZone,
    ModelRequest,
    Notification,
    Region,
    Team,
    Vnet,
)
from infra.config.team_files import load_team_files
from infra.config.types import (
    BUILTIN_RAI_POLICY,
    DEFAULT_CONTENT_FILTER,
    GATEWAY_DNS_ZONE,
    NO_SECRETS,
    PROJECT_ROOT,
    PROVISIONED_SKUS,
    ROOT,
    SECRETS_REFUSED,
    TEAM_FILES_DIR_ENV,
    DeploymentSku,
    team_files_dir,
)
from infra.diagnostics import Diagnostic, error

__all__ = [
    "BUILTIN_RAI_POLICY",
    "DEFAULT_CONTENT_FILTER",
    "DEFAULT_NOTIFICATIONS",
    "GATEWAY_DNS_ZONE",
    "MAX_NOTIFICATIONS",
    "NO_SECRETS",
    "PROJECT_ROOT",
    "PROVISIONED_SKUS",
    "ROOT",
    "SECRETS_REFUSED",
    "TEAM_FILES_DIR_ENV",
    "Budget",
    "DeploymentSku",
    "ContentFilter",
    "LandingZone",
    "ModelRequest",
    "Notification",
    "Team",
    "Vnet",
    "parse",
    "stack_file_schema",
    "team_file_schema",
    "team_files_dir",
    "well_shaped",
]


def parse(raw: Any, base_dir: Path | None = None) -> tuple[LandingZone | None, list[Diagnostic]]:
    """Validate the shape of the raw ``landingZone`` object and of the team files it names.

    Returns the model (None when its shape is wrong, or a team file's is) and every diagnostic.
    Team files are read from ``base_dir``, by default ``team_files_dir()``.
    """
    if raw is None:
        return None, [error(ROOT, "is required: set ai-landing-zone:landingZone in the stack's config", rule=REQUIRED)]
    diags: list[Diagnostic] = []
    try:
        lz: LandingZone | None = LandingZone.model_validate(raw)
    except ValidationError as exc:
        lz, diags = None, to_diagnostics(exc, ROOT, LandingZone)
    file_teams, file_diags = load_team_files(raw, base_dir or team_files_dir())
    diags += file_diags
    if lz is None:
        return None, diags
    return _with_team_files(lz, file_teams), diags


def _with_team_files(lz: LandingZone, file_teams: list[tuple[Team, str]]) -> LandingZone:
    if not file_teams:
        return lz
    inline = [f"{ROOT}.teams[{i}]" for i in range(len(lz.teams))]
    lz = lz.model_copy(update={"teams": [*lz.teams, *(t for t, _ in file_teams)]})
    lz._team_paths = [*inline, *(p for _, p in file_teams)]
    return lz


def well_shaped(
    raw: Any, base_dir: Path | None = None
) -> tuple[LandingZone | None, list[tuple[Team, str]], list[Region] | None]:
    """What of a config with shape errors still holds, so that its other errors can be said at once.

    Returns the stack with only its well-shaped teams (None when the stack's own shape is wrong), every
    well-shaped team with its path, and the stack's regions where they are well shaped. A shape error in one
    team must not hide another team's errors, nor the stack's; its diagnostics were already given by ``parse``."""
    if not isinstance(raw, dict):
        return None, [], None
    inline = raw.get("teams") if isinstance(raw.get("teams"), list) else []
    teams: list[tuple[Team, str]] = []
    for i, item in enumerate(inline):
        with contextlib.suppress(ValidationError):
            teams.append((Team.model_validate(item), f"{ROOT}.teams[{i}]"))
    file_teams, _ = load_team_files(raw, base_dir or team_files_dir())
    teams += file_teams
    try:
        stack = LandingZone.model_validate({**raw, "teams": []})
    except ValidationError:
        try:
            regions = TypeAdapter(list[Region]).validate_python(raw.get("regions"), strict=True)
        except ValidationError:
            regions = None
        return None, teams, regions
    lz = stack.model_copy(update={"teams": [t for t, _ in teams]})
    lz._team_paths = [p for _, p in teams]
    return lz, teams, list(lz.regions)


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
