"""Inputs as other languages send them over the component plugin: numbers as floats, Outputs anywhere.

protobuf's Struct has no integer type, so a TypeScript, Go, C# or YAML consumer's ``1000`` reaches the Python
component as ``1000.0``. Integer inputs are coerced at the boundary; names and keys must be plain strings.
Over gRPC, as the engine starts the plugin: ``tests/components/test_plugin_grpc.py``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pulumi
import pytest

from components import ModelDeployments, OpenAiGatewayApi
from components._inputs import plain, whole
from components.gateway_policy import render_api_policy
from tests.helpers import DEPLOYMENT, of_type, register

TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
APP = "00000000-0000-0000-0000-0000000000a1"


def test_whole_numbers_from_floats_and_clear_errors_otherwise():
    assert whole(1000.0, "x") == 1000 and isinstance(whole(1000.0, "x"), int)
    assert whole(7, "x") == 7
    with pytest.raises(ValueError, match="x: expected a whole number, got 1000.5"):
        whole(1000.5, "x")
    with pytest.raises(TypeError, match="x: expected a whole number"):
        whole(True, "x")


def test_policy_xml_never_says_a_float():
    routing = {"pool": "pool-x", "pool_size": 2.0, "primary_backend": "x-1", "failure_count": 3.0}
    teams = [{"team": "a", "caller_app_ids": [APP], "tokens_per_minute": 1000.0, "monthly_tokens": 5e9}]
    xml = render_api_policy(TENANT, ["api://x"], routing, teams)
    doc = ET.fromstring(xml)
    limit = next(doc.iter("llm-token-limit"))
    assert limit.get("tokens-per-minute") == "1000" and limit.get("token-quota") == "5000000000"
    assert doc.find("backend/retry").get("count") == "3"
    assert not re.search(r'="\d+\.0"', xml)


def test_components_take_float_integers_and_refuse_output_names():
    def program():
        ModelDeployments(
            "acct",
            {
                "account_name": "oai-x",
                "resource_group_name": "rg",
                "deployments": [
                    {
                        "name": "a-gpt",
                        "model_name": "gpt-4.1-mini",
                        "model_version": "2025-04-14",
                        "sku_name": "GlobalStandard",
                        "capacity": 10.0,
                    }
                ],
            },
        )
        OpenAiGatewayApi(
            "grp",
            {
                "service_name": "apim",
                "resource_group_name": "rg",
                "api_id": "grp",
                "path": "grp/openai",
                "pool_name": "pool-grp",
                "pool_size": 2.0,
                "primary_backend": "grp-1",
                "failure_count": 1.0,
                "tenant_id": TENANT,
                "audiences": ["api://x"],
                "teams": [{"team": "a", "caller_app_ids": [APP], "tokens_per_minute": 500.0}],
            },
        )

    resources = register(program)
    (deployment,) = of_type(resources, DEPLOYMENT)
    # Registered numbers travel as protobuf floats anyway; what must not is text built from them.
    assert deployment.inputs["sku"]["capacity"] == 10 and deployment.name == "acct-a-gpt"
    (policy,) = of_type(resources, "azure-native:apimanagement:ApiPolicy")
    assert 'tokens-per-minute="500"' in policy.inputs["value"] and 'count="1"' in policy.inputs["value"]

    def with_output_name():
        ModelDeployments(
            "acct",
            {
                "account_name": "oai-x",
                "resource_group_name": "rg",
                "deployments": [
                    {
                        "name": pulumi.Output.from_input("a-gpt"),
                        "model_name": "gpt-4.1-mini",
                        "model_version": "2025-04-14",
                        "sku_name": "GlobalStandard",
                        "capacity": 10,
                    }
                ],
            },
        )

    with pytest.raises(pulumi.InputPropertyError) as refused:
        register(with_output_name)
    assert refused.value.property_path == "deployments[0].name"
    assert refused.value.reason.startswith("must be known at preview: it names")
    with pytest.raises(TypeError, match="budget_name: must be a plain string"):
        plain(pulumi.Output.from_input("b"), "budget_name")
