"""The component plugin, reached over gRPC the way the engine reaches it from another language.

The harness does what the engine does for a source-based Python component plugin: it starts ``python`` on
``components/`` with the engine's address as the argument (pulumi-language-python's RunPlugin), reads the
port the plugin prints on stdout (pulumi/provider/server.py ``main``), and calls the ResourceProvider service
with the SDK's generated stubs: GetPluginInfo, GetSchema, Configure, Construct. A fake engine and a fake
resource monitor, also over gRPC, answer the plugin and record every registration. Inputs are encoded as the
engine encodes them: a ``google.protobuf.Struct`` (every number a float), secrets and output values in
Pulumi's wire signatures (pulumi/runtime/rpc.py).
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import threading
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)
from pulumi.runtime.settings import _LEGACY_FEATURE_MAPPING

from infra.plan import PROJECT_ROOT

PROJECT, STACK = "consumer", "dev"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
ACCOUNT_URN = f"urn:pulumi:{STACK}::{PROJECT}::azure-native:cognitiveservices:Account::acct"
POOL_URN = f"urn:pulumi:{STACK}::{PROJECT}::azure-native:apimanagement:Backend::pool"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
APP = "00000000-0000-0000-0000-0000000000a1"


# --- what the engine puts on the wire -------------------------------------------------------------------------


def secret(value: Any) -> dict:
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def output(value: Any = None, *, known: bool = True, secret: bool = False, deps: tuple[str, ...] = ()) -> dict:
    """An output value, as a TypeScript or Go SDK sends an ``Output<T>`` it was given."""
    wire = {rpc._special_sig_key: rpc._special_output_value_sig, "secret": secret, "dependencies": list(deps)}
    if known:
        wire["value"] = value
    return wire


def struct(values: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def plain_value(value: Any) -> Any:
    """Registered inputs with the secret wrapper made visible: ``("secret", value)``."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return ("secret", plain_value(value["value"]))
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    return value


# --- a fake engine and resource monitor ------------------------------------------------------------------------


def _is_secret(value: struct_pb2.Value) -> bool:
    sig = value.struct_value.fields.get(rpc._special_sig_key)
    return sig is not None and sig.string_value == rpc._special_secret_sig


@dataclass
class Registration:
    type: str
    name: str
    parent: str
    inputs: dict
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    urn: str
    options: dict[str, Any] = field(default_factory=dict)
    """The resource options that reach the engine, such as ``protect`` and ``importId``."""


REGISTRATION_OPTIONS = ("protect", "importId", "ignoreChanges", "additionalSecretOutputs", "retainOnDelete")


@dataclass
class FakeEngine(engine_pb2_grpc.EngineServicer, resource_pb2_grpc.ResourceMonitorServicer):
    registrations: list[Registration] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    plugin_stderr: list[str] = field(default_factory=list)
    """What the plugin printed on stderr, read as it comes: a full pipe would block the plugin."""
    types: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # Engine
    def Log(self, request, context):
        self.logs.append(f"{engine_pb2.LogSeverity.Name(request.severity)}: {request.message}")
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):
        return engine_pb2.GetRootResourceResponse(urn=STACK_URN)

    def SetRootResource(self, request, context):
        return engine_pb2.SetRootResourceResponse()

    # ResourceMonitor: what a current engine says it supports (GetDeploymentInfo), and the older probe.
    FEATURES = ("secrets", "resourceReferences", "outputValues", "deletedWith", "aliasSpecs")

    def GetDeploymentInfo(self, request, context):
        return resource_pb2.DeploymentInfo(supportedFeatures=[_LEGACY_FEATURE_MAPPING[f] for f in self.FEATURES])

    def SupportsFeature(self, request, context):
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in self.FEATURES)

    def RegisterResource(self, request, context):
        parent_type = self.types.get(request.parent, "")
        qualified = f"{parent_type}${request.type}" if parent_type else request.type
        urn = f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{request.name}"
        with self.lock:
            self.types[urn] = qualified
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    inputs=json_format.MessageToDict(request.object),
                    dependencies=list(request.dependencies),
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    urn=urn,
                    options={k: v for k, v in json_format.MessageToDict(request).items() if k in REGISTRATION_OPTIONS},
                )
            )
        # A preview: no ID yet, inputs echoed back, as azure-native answers before anything exists. Nested objects
        # and lists are left out whole (unknown): azure-native marks their output-only fields
        # (identity.principalId) unknown, where an echoed object would make them a known None (as infra/mocks.py's
        # first preview).
        echoed = {
            k: v
            for k, v in request.object.fields.items()
            if _is_secret(v) or not (v.HasField("struct_value") or v.HasField("list_value"))
        }
        return resource_pb2.RegisterResourceResponse(urn=urn, id="", object=struct_pb2.Struct(fields=echoed))

    def RegisterResourceOutputs(self, request, context):
        return empty_pb2.Empty()

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]


@pytest.fixture(scope="module")
def plugin():
    """The plugin as the engine starts it, with a fake engine and monitor on one gRPC server."""
    with running_plugin() as running:
        yield running


@contextlib.contextmanager
def running_plugin():
    """``(stub, fake engine, engine address)`` while the plugin runs: the ``plugin`` fixture, and a schema read
    when tests are collected."""
    fake = FakeEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    engine_pb2_grpc.add_EngineServicer_to_server(fake, server)
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    engine = f"127.0.0.1:{port}"
    components = PROJECT_ROOT / "components"
    process = subprocess.Popen(
        [sys.executable, str(components), engine],
        cwd=components,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert first_line.strip().isdigit(), (first_line, process.stderr.read() if process.poll() is not None else "")
        threading.Thread(target=lambda: fake.plugin_stderr.extend(process.stderr), daemon=True).start()
        channel = grpc.insecure_channel(f"127.0.0.1:{first_line.strip()}")
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        yield stub, fake, engine
    finally:
        process.kill()
        process.wait()
        server.stop(None)


def construct(stub, engine: str, type_: str, name: str, inputs: dict, deps: dict[str, list[str]] | None = None):
    request = provider_pb2.ConstructRequest(
        project=PROJECT,
        stack=STACK,
        organization="contoso",
        dryRun=True,
        parallel=4,
        monitorEndpoint=engine,
        type=f"ai-landing-zone:index:{type_}",
        name=name,
        parent=STACK_URN,
        inputs=struct(inputs),
    )
    for key, urns in (deps or {}).items():
        request.inputDependencies[key].urns.extend(urns)
    return stub.Construct(request, timeout=60)


# --- the tests ---------------------------------------------------------------------------------------------------


def test_the_plugin_answers_as_the_engine_expects(plugin):
    stub, _, _ = plugin
    assert stub.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == "0.1.0"
    configured = stub.Configure(provider_pb2.ConfigureRequest(acceptSecrets=True, acceptResources=True), timeout=30)
    assert configured.acceptSecrets and configured.acceptResources and configured.acceptOutputs
    schema = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60).schema)
    assert schema["name"] == "ai-landing-zone" and schema["version"] == "0.1.0"
    resources = schema["resources"]
    deployments = resources["ai-landing-zone:index:ModelDeployments"]
    assert deployments["isComponent"] is True
    assert set(deployments["requiredInputs"]) == {"accountName", "resourceGroupName", "deployments"}
    item = deployments["inputProperties"]["deployments"]["items"]["$ref"].removeprefix("#/types/")
    spec = schema["types"][item]["properties"]
    assert spec["capacity"]["type"] == "integer" and spec["name"]["type"] == "string"
    names = deployments["properties"]["names"]
    assert names["type"] == "array" and names["items"]["type"] == "string"
    api = resources["ai-landing-zone:index:OpenAiGatewayApi"]["inputProperties"]
    assert api["poolSize"]["type"] == "integer" and api["failureCount"]["type"] == "integer"
    assert api["audiences"]["type"] == "array" and api["audiences"]["items"]["type"] == "string"
    budget = resources["ai-landing-zone:index:TeamBudget"]["inputProperties"]
    assert budget["amount"]["type"] == "number" and budget["startDate"]["type"] == "string"
    assert len(resources) == 16


def test_model_deployments_over_grpc_ints_lists_outputs_and_secrets(plugin):
    stub, fake, engine = plugin
    response = construct(
        stub,
        engine,
        "ModelDeployments",
        "acct",
        {
            # A TypeScript consumer passing its account's name: an Output with the account as a dependency.
            "accountName": output("oai-x", deps=(ACCOUNT_URN,)),
            "resourceGroupName": secret("rg-ai"),
            "deployments": [
                {
                    "name": "team-a-gpt",
                    "modelName": "gpt-4.1-mini",
                    "modelVersion": "2025-04-14",
                    "skuName": "GlobalStandard",
                    "capacity": 10,  # on the wire: 10.0
                },
                {
                    "name": "team-a-embed",
                    "modelName": "text-embedding-3-small",
                    "modelVersion": "1",
                    "skuName": "GlobalStandard",
                    "capacity": 20,
                },
            ],
        },
        deps={"accountName": [ACCOUNT_URN]},
    )
    component = next(r for r in fake.registrations if r.name == "acct" and r.type.endswith("ModelDeployments"))
    assert response.urn == component.urn and component.parent == STACK_URN
    first, second = [r for r in fake.of_type("azure-native:cognitiveservices:Deployment") if r.parent == component.urn]
    assert (first.name, second.name) == ("acct-team-a-gpt", "acct-team-a-embed")
    assert first.inputs["deploymentName"] == "team-a-gpt"
    assert [first.inputs["sku"]["capacity"], second.inputs["sku"]["capacity"]] == [10, 20]
    assert first.inputs["accountName"] == "oai-x" and ACCOUNT_URN in first.property_dependencies["accountName"]
    assert plain_value(first.inputs["resourceGroupName"]) == ("secret", "rg-ai")  # still secret in state
    assert first.urn in second.dependencies  # one deployment at a time per account, across the wire too
    state = json_format.MessageToDict(response.state)
    assert state["names"] == ["team-a-gpt", "team-a-embed"]


def test_a_name_sent_as_an_output_is_refused_with_the_reason(plugin):
    stub, _, engine = plugin
    with pytest.raises(grpc.RpcError) as err:
        construct(
            stub,
            engine,
            "ModelDeployments",
            "acct-bad",
            {
                "accountName": "oai-x",
                "resourceGroupName": "rg",
                "deployments": [
                    {
                        "name": output("team-a-gpt", deps=(ACCOUNT_URN,)),
                        "modelName": "gpt-4.1-mini",
                        "modelVersion": "2025-04-14",
                        "skuName": "GlobalStandard",
                        "capacity": 10,
                    }
                ],
            },
        )
    # It names the deployment resource: refused before anything registers (components/_inputs.py).
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "deployments[0].name: must be known at preview" in err.value.details()


def test_gateway_api_over_grpc_renders_whole_numbers_and_waits_for_its_pool(plugin):
    stub, fake, engine = plugin
    construct(
        stub,
        engine,
        "OpenAiGatewayApi",
        "api",
        {
            "serviceName": "apim-x",
            "resourceGroupName": "rg",
            "apiId": "openai-shared",
            "path": "openai/shared",
            "poolName": output("pool-shared", deps=(POOL_URN,)),
            "poolSize": 2,
            "primaryBackend": "oai-x-swedencentral",
            "failureCount": 3,
            "tenantId": TENANT,
            "audiences": ["api://contoso-ai-gateway"],
            "teams": [
                {"team": "team-a", "callerAppIds": [APP], "tokensPerMinute": 1000, "monthlyTokens": 5_000_000_000}
            ],
        },
        deps={"poolName": [POOL_URN]},
    )
    (policy,) = [r for r in fake.of_type("azure-native:apimanagement:ApiPolicy") if "api" in r.parent]
    xml = policy.inputs["value"]
    assert 'tokens-per-minute="1000"' in xml and 'token-quota="5000000000"' in xml
    assert re.search(r'<retry [^>]*count="3"', xml) and "pool-shared" in xml
    assert '.0"' not in xml
    # The policy names the pool's backend, which API Management checks exists: it waits for the pool.
    assert POOL_URN in policy.dependencies and POOL_URN in policy.property_dependencies["value"]


def test_team_budget_over_grpc_keeps_secrets_takes_an_output_date_and_refuses_an_output_key(plugin):
    stub, fake, engine = plugin
    inputs = {
        "budgetName": "budget-team-a",
        "scope": "/subscriptions/00000000-0000-0000-0000-000000000000",
        "amount": 500,
        "startDate": "2026-12-01",
        "notifications": [
            {"threshold": 50, "thresholdType": "Actual"},
            {"threshold": 100, "thresholdType": "Forecasted"},
        ],
        "contactEmails": secret(["team-a@contoso.com"]),
    }
    construct(stub, engine, "TeamBudget", "team-a", inputs)
    (budget,) = [r for r in fake.of_type("azure-native:consumption:Budget") if r.name == "team-a"]
    assert budget.inputs["timePeriod"]["startDate"] == "2026-12-01T00:00:00Z"
    notifications = budget.inputs["notifications"]
    assert sorted(notifications) == [
        "actual_GreaterThanOrEqualTo_50_Percent",
        "forecasted_GreaterThanOrEqualTo_100_Percent",
    ]
    for n in notifications.values():
        assert plain_value(n["contactEmails"]) == ("secret", ["team-a@contoso.com"])
    # The start date only flows into the budget's time period: an Output reaches it as one.
    construct(stub, engine, "TeamBudget", "team-b", {**inputs, "startDate": output("2027-01-01", deps=(ACCOUNT_URN,))})
    (later,) = [r for r in fake.of_type("azure-native:consumption:Budget") if r.name == "team-b"]
    assert later.inputs["timePeriod"]["startDate"] == "2027-01-01T00:00:00Z"
    assert ACCOUNT_URN in later.property_dependencies["timePeriod"]
    # A notification's type is part of its key in the budget's notifications map: it must be known at preview.
    late_key = [{"threshold": 50, "thresholdType": output("Actual")}]
    with pytest.raises(grpc.RpcError) as err:
        construct(stub, engine, "TeamBudget", "team-c", {**inputs, "notifications": late_key})
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "notifications[0].thresholdType: must be known at preview" in err.value.details()
