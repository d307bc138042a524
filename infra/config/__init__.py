"""Typed stack configuration: the ``ai-landing-zone:landingZone`` object, and the team files it names.

Strict pydantic models with unknown keys rejected. ``parse`` checks the shape and never raises on bad input:
it returns every problem at once, each with its YAML path and what is allowed. The rules between values
belong to their concern's slice and run from ``infra.rules``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.config.errors import to_diagnostics
from infra.config.models import (
    DEFAULT_NOTIFICATIONS,
    MAX_NOTIFICATIONS,
    Budget,
    ContentFilter,
    LandingZone,
    ModelRequest,
    Notification,
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
]


def parse(raw: Any, base_dir: Path | None = None) -> tuple[LandingZone | None, list[Diagnostic]]:
    """Validate the shape of the raw ``landingZone`` object and of the team files it names.

    Returns the model (None when its shape is wrong, or a team file's is) and every diagnostic.
    Team files are read from ``base_dir``, by default ``team_files_dir()``.
    """
    if raw is None:
        return None, [error(ROOT, "is required: set ai-landing-zone:landingZone in the stack's config")]
    diags: list[Diagnostic] = []
    try:
        lz: LandingZone | None = LandingZone.model_validate(raw)
    except ValidationError as exc:
        lz, diags = None, to_diagnostics(exc, ROOT, LandingZone)
    file_teams, file_diags = load_team_files(raw, base_dir or team_files_dir())
    diags += file_diags
    if lz is None:
        return None, diags
    if file_teams:
        inline = [f"{ROOT}.teams[{i}]" for i in range(len(lz.teams))]
        lz = lz.model_copy(update={"teams": [*lz.teams, *(t for t, _ in file_teams)]})
        lz._team_paths = [*inline, *(p for _, p in file_teams)]
    return lz, diags


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
