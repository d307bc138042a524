"""Team files (``teamFiles``): one team per file, so CODEOWNERS can give each team its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.config.errors import to_diagnostics
from infra.config.models import Team
from infra.config.types import _TEAM_FILE_PATTERN, ROOT, TEAM_FILES_DIR_ENV
from infra.diagnostics import OUTSIDE_PROJECT, Diagnostic, convention, error, outside_of, read_config_file, rule

WHERE = f"the project root, or {TEAM_FILES_DIR_ENV} when set"
TEAM_FILE_FOUND = rule(
    "config.team-file-found",
    "error",
    f"Every file teamFiles names exists, relative to {WHERE}.",
    convention("a team the stack names but cannot find would be left out of the plan in silence"),
)


def load_team_files(raw: Any, base_dir: Path) -> tuple[list[tuple[Team, str]], list[Diagnostic]]:
    """Teams from ``teamFiles``; errors name the file and the YAML path inside it."""
    files = raw.get("teamFiles") if isinstance(raw, dict) else None
    if not isinstance(files, list):
        return [], []
    teams, diags = [], []
    for i, rel in enumerate(files):
        if not isinstance(rel, str) or not re.match(_TEAM_FILE_PATTERN, rel):
            continue  # the landingZone model reports the path itself
        path = base_dir / rel
        outside = outside_of(base_dir, path)
        if outside:
            diags.append(error(f"{ROOT}.teamFiles[{i}]", f"file {rel} {outside}", rule=OUTSIDE_PROJECT))
            continue
        if not path.is_file():
            why = f"file {rel} not found (paths are relative to {base_dir}; {WHERE})"
            diags.append(error(f"{ROOT}.teamFiles[{i}]", why, rule=TEAM_FILE_FOUND))
            continue
        doc, problems = read_config_file(path, rel)
        if problems:
            diags += problems
            continue
        prefix = f"{rel}:"
        try:
            teams.append((Team.model_validate(doc), prefix))
        except ValidationError as exc:
            diags += to_diagnostics(exc, prefix, Team)
    return teams, diags
