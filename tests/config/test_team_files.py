"""Per-team files: app teams own them through CODEOWNERS; their errors name the file and the path in it."""

from __future__ import annotations

from pathlib import Path

import yaml

from infra.config import PROJECT_ROOT, parse
from infra.parity import drift
from tests.conftest import errors_of
from tests.helpers import MODELS, cli, minimal_landing_zone, stack_landing_zone, team, write_stack


def _write_team(tmp_path, rel: str, body) -> str:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body if isinstance(body, str) else yaml.safe_dump(body, sort_keys=False))
    return rel


def _errors(raw, base) -> dict[str, str]:
    return errors_of(raw, base_dir=base)


def test_team_files_join_inline_teams_in_order(tmp_path):
    rel = _write_team(tmp_path, "teams/team-b.yaml", team("team-b"))
    lz, diags = parse(minimal_landing_zone(teamFiles=[rel]), tmp_path)
    assert diags == []
    assert [t.name for t in lz.teams] == ["team-a", "team-b"]
    assert lz.team_path(0) == "landingZone.teams[0]"
    assert lz.team_path(1) == "teams/team-b.yaml:"


def test_missing_team_file(tmp_path):
    errs = _errors(minimal_landing_zone(teamFiles=["teams/nope.yaml"]), tmp_path)
    assert errs == {
        "landingZone.teamFiles[0]": f"file teams/nope.yaml not found (paths are relative to {tmp_path}; "
        "the project root, or AI_LANDING_ZONE_TEAM_FILES_DIR when set)"
    }


def test_team_file_paths_cannot_leave_the_project(tmp_path):
    errs = _errors(minimal_landing_zone(teamFiles=["../secrets.yaml", "/etc/team.yaml"]), tmp_path)
    assert "without '..'" in errs["landingZone.teamFiles[0]"]
    assert "landingZone.teamFiles[1]" in errs


def test_duplicate_team_name_across_files(tmp_path):
    rel = _write_team(tmp_path, "teams/team-a.yaml", team("team-a"))
    errs = _errors(minimal_landing_zone(teamFiles=[rel]), tmp_path)
    assert errs == {"teams/team-a.yaml: name": "duplicate name 'team-a' (first at landingZone.teams[0])"}


def test_team_with_no_principals(tmp_path):
    rel = _write_team(tmp_path, "teams/team-b.yaml", team("team-b", principals=[]))
    assert _errors(minimal_landing_zone(teamFiles=[rel]), tmp_path) == {
        "teams/team-b.yaml: principals": "needs at least 1 item(s)"
    }


def test_unknown_profile_in_a_team_file(tmp_path):
    rel = _write_team(tmp_path, "teams/team-b.yaml", team("team-b", contentFilter="nope"))
    errs = _errors(minimal_landing_zone(teamFiles=[rel]), tmp_path)
    assert errs["teams/team-b.yaml: contentFilter"].startswith("unknown content filter 'nope': allowed: default")


def test_bad_field_and_unknown_key_in_a_team_file(tmp_path):
    body = team("team-b", dataClassification="secret")
    body["models"][0]["capacity"] = 0
    body["owner"] = 5
    rel = _write_team(tmp_path, "teams/team-b.yaml", body)
    errs = _errors(minimal_landing_zone(teamFiles=[rel]), tmp_path)
    assert errs["teams/team-b.yaml: models[0].capacity"] == "must be >= 1 (got 0)"
    assert errs["teams/team-b.yaml: dataClassification"].startswith("must be one of 'public', 'general'")
    assert errs["teams/team-b.yaml: owner"] == "unknown key; did you mean owners?"


def test_invalid_yaml_in_a_team_file(tmp_path):
    rel = _write_team(tmp_path, "teams/team-b.yaml", "name: team-b\nmodels: [\n")
    errs = _errors(minimal_landing_zone(teamFiles=[rel]), tmp_path)
    assert errs["teams/team-b.yaml"].startswith("is not valid YAML at line 3")


def test_catalog_errors_point_into_the_team_file(tmp_path):
    body = team("team-b")
    body["models"][0]["version"] = "2099-01-01"
    rel = _write_team(tmp_path, "teams/team-b.yaml", body)
    stack = write_stack(tmp_path, minimal_landing_zone(teamFiles=[rel]))
    result = cli(
        "plan", "--stack", "test", "--config-file", str(stack), "--date", "2026-11-21", team_files_dir=tmp_path
    )
    assert result.returncode == 1
    assert "error: teams/team-b.yaml: models[0].version: unknown version '2099-01-01'" in result.stdout
    assert "Traceback" not in result.stderr


def test_bad_team_files_exit_1_through_the_cli(tmp_path):
    rels = [
        _write_team(tmp_path, "teams/dup.yaml", team("team-a")),
        _write_team(tmp_path, "teams/nobody.yaml", team("team-c", principals=[])),
        _write_team(tmp_path, "teams/profile.yaml", team("team-d", contentFilter="nope")),
        "teams/missing.yaml",
    ]
    stack = write_stack(tmp_path, minimal_landing_zone(teamFiles=rels))
    result = cli("plan", "--stack", "test", "--config-file", str(stack), team_files_dir=tmp_path)
    assert result.returncode == 1
    for expected in (
        "teams/dup.yaml: name: duplicate name 'team-a'",
        "teams/nobody.yaml: principals: needs at least 1 item(s)",
        "teams/profile.yaml: contentFilter: unknown content filter 'nope'",
        "landingZone.teamFiles[3]: file teams/missing.yaml not found",
    ):
        assert expected in result.stdout
    assert "Traceback" not in result.stderr


def test_the_repo_stacks_use_team_files_and_are_in_parity():
    for stack in ("dev", "prod"):
        doc = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())
        for rel in doc["config"]["ai-landing-zone:landingZone"]["teamFiles"]:
            assert (PROJECT_ROOT / rel).is_file()
    dev, _ = parse(stack_landing_zone("dev"))
    prod, _ = parse(stack_landing_zone("prod"))
    assert drift(dev, {"prod": prod}) == []


def test_topology_drift_warns_and_can_be_allowed_with_a_reason():
    base, _ = parse(minimal_landing_zone())
    other, _ = parse(minimal_landing_zone(teams=[team("team-a", isolation="dedicated")]))
    (d,) = drift(base, {"prod": other})
    assert d.severity == "warning" and d.path == "landingZone"
    assert "team team-a: contentFilter=default, dataClassification=general, isolation=shared here," in d.message
    assert "isolation=dedicated in prod" in d.message
    allowed, diags = parse(minimal_landing_zone(allowTopologyDrift=True, topologyDriftReason="prod isolates team-a"))
    assert diags == []
    (d,) = drift(allowed, {"prod": other})
    assert d.severity == "info" and "allowed: prod isolates team-a" in d.message
    assert list(errors_of(minimal_landing_zone(allowTopologyDrift=True))) == ["landingZone.topologyDriftReason"]


def test_model_version_drift_between_stacks_is_reported():
    base, _ = parse(minimal_landing_zone())
    newer = minimal_landing_zone()
    newer["teams"][0]["models"][0].update(name="gpt-4.1")
    other, _ = parse(newer)
    (d,) = drift(base, {"prod": other})
    assert "team team-a models: ['gpt-4.1-mini 2025-04-14'] here, ['gpt-4.1 2025-04-14'] in prod" in d.message


def _write_team_file(tmp_path: Path, rel: str, body: dict) -> str:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return rel


def test_semantic_errors_in_a_team_file_point_into_the_file(tmp_path):
    """Bug: region and content-filter checks hard-coded ``landingZone.teams[i]`` for teams from files."""
    body = team(
        "team-b",
        "00000000-0000-0000-0000-00000000000b",
        contentFilter="nope",
        models=[
            {**MODELS[0], "capacityByRegion": {"nowhere": 5}},
            {**MODELS[1], "regions": ["elsewhere"]},
        ],
    )
    rel = _write_team_file(tmp_path, "teams/x.yaml", body)
    errs = errors_of(minimal_landing_zone(teamFiles=[rel]), base_dir=tmp_path)
    assert "'nowhere' is not a region" in errs["teams/x.yaml: models[0].capacityByRegion"]
    assert "'elsewhere' is not a region" in errs["teams/x.yaml: models[1].regions"]
    assert errs["teams/x.yaml: contentFilter"].startswith("unknown content filter 'nope'")
    assert not [p for p in errs if p.startswith("landingZone.teams")], errs


def test_catalog_errors_in_a_team_file_point_into_the_file(tmp_path):
    """Bug: catalog checks hard-coded ``landingZone.teams[i]`` for teams from files."""
    ptu = {"name": "gpt-4.1-mini", "version": "2025-04-14", "sku": "GlobalProvisionedManaged", "capacity": 17}
    body = team("team-b", "00000000-0000-0000-0000-00000000000b", models=[{**MODELS[0], "version": "2099-01-01"}, ptu])
    rel = _write_team_file(tmp_path, "teams/x.yaml", body)
    errs = errors_of(minimal_landing_zone(teamFiles=[rel]), base_dir=tmp_path)
    assert errs["teams/x.yaml: models[0].version"].startswith("unknown version '2099-01-01'")
    assert "steps of 5" in errs["teams/x.yaml: models[1].capacity"]
    assert not [p for p in errs if p.startswith("landingZone.teams")], errs
