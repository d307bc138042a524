"""Reuse by other stacks: the installable package, the component plugin, and an example consumer."""

from __future__ import annotations

import json
import runpy
import shutil
import subprocess
import sys
import zipfile

import pulumi
import pytest
import yaml
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

import components
from infra import mocks
from infra.config import PROJECT_ROOT
from infra.plan import _resolve, make_plan
from tests.helpers import PLAN_DATE, of_type

EXAMPLE = PROJECT_ROOT / "examples" / "app-consumer"


def _public_components() -> set[type]:
    return {
        v
        for n in components.__all__
        if isinstance(v := getattr(components, n), type) and issubclass(v, pulumi.ComponentResource)
    }


def test_components_build_as_an_installable_package(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(PROJECT_ROOT / "components", src / "components", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ai_landing_zone-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"components/{m}.py" for m in ("__init__", "openai_account", "model_deployments", "keyless_access")} <= set(
        names
    )
    assert not any(n.startswith(("infra/", "tests/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: pulumi-azure-native" in metadata

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import components, sys; print(components.__file__); print(components.ModelDeployments)",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.startswith(str(target))


def test_component_plugin_hosts_every_public_component():
    plugin = yaml.safe_load((PROJECT_ROOT / "components" / "PulumiPlugin.yaml").read_text())
    assert plugin["runtime"]["name"] == "python"
    entry = runpy.run_path(str(PROJECT_ROOT / "components" / "__main__.py"), run_name="not_main")
    assert set(entry["COMPONENTS"]) == _public_components()
    reqs = (PROJECT_ROOT / "components" / "requirements.txt").read_text()
    assert "pulumi-azure-native==" in reqs and "pulumi==" in reqs


@pytest.fixture(scope="module")
def prod_outputs() -> dict:
    return make_plan("prod", PLAN_DATE).outputs  # its own: the consumer runs change the runtime


def _run_consumer(outputs: dict, team: str = "contoso-chat", model: str = "gpt-4.1-mini"):
    monitor = mocks.install("contoso-chat-app", "dev", {"contoso/ai-landing-zone/prod": outputs})
    pulumi.runtime.set_all_config(
        {
            "contoso-chat-app:landingZoneStack": "contoso/ai-landing-zone/prod",
            "contoso-chat-app:team": team,
            "contoso-chat-app:model": model,
        }
    )
    _sync_await(run_pulumi_func(lambda: runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__")))
    return monitor.recorded, _sync_await(_resolve(settings.get_root_resource().outputs))


def test_example_consumer_wires_its_app_to_the_team_endpoint(prod_outputs):
    resources, outputs = _run_consumer(prod_outputs)
    (app,) = of_type(resources, "azure-native:web:WebApp")
    settings_ = {s["name"]: s["value"] for s in app.inputs["siteConfig"]["appSettings"]}
    assert settings_ == {
        # behind the gateway: the pool fails over between regions
        "AZURE_OPENAI_ENDPOINT": "https://apim-contoso-prod.azure-api.net/shared-default-general",
        "AZURE_OPENAI_DEPLOYMENT": "contoso-chat-gpt-4.1-mini",
    }
    assert app.inputs["identity"] == {"type": "SystemAssigned"}
    assert not any("key" in k.lower() for k in settings_)
    assert outputs["openAiDeployment"] == "contoso-chat-gpt-4.1-mini"
    assert outputs["appUrl"] == "https://app.azurewebsites.net"
    assert len(outputs["appPrincipalId"]) == 36
    json.dumps(outputs)


@pytest.mark.parametrize(
    ("team", "model", "message"),
    [
        ("nobody", "gpt-4.1-mini", "team 'nobody' is not in the landing zone"),
        ("contoso-chat", "gpt-5", "team 'contoso-chat' has no deployment of 'gpt-5'"),
    ],
)
def test_example_consumer_fails_clearly(prod_outputs, team, model, message):
    with pytest.raises(pulumi.RunError, match=message):
        _run_consumer(prod_outputs, team, model)
