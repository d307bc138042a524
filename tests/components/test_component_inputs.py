"""Each component's inputs at the boundary (``components/_inputs.py``), in process and over the component plugin.

Every component subclasses ``LandingZoneComponent``: before its own code runs, its ``args`` are read against the
TypedDict its ``__init__`` annotates, with the predicates of Pulumi's schema analyzer. ``pulumi.Input[T]`` passes
an Output through untouched; any other field must be known at preview, and an Output there is refused with
``pulumi.InputPropertyError`` naming the property as the schema does; ``int`` fields take whole floats.

Sources:
- protobuf's ``Struct`` has no integer type: every number is a ``double`` (google/protobuf/struct.proto, ``Value``),
  so another language's ``1000`` reaches Python as ``1000.0``.
- ``InputPropertyError(property_path, reason)``: pulumi/errors.py; pulumi/provider/server.py ``Construct`` answers
  it (and ``InputPropertiesError``) with gRPC INVALID_ARGUMENT and the path in an ``InputPropertiesError`` detail
  (proto/pulumi/errors.proto) of the ``grpc-status-details-bin`` trailer.
- A plain schema property is one "that must be known at preview": the analyzer marks a field ``plain`` unless it is
  annotated ``pulumi.Input[T]`` or ``pulumi.Output[T]`` (pulumi/provider/experimental/analyzer.py,
  ``analyze_property``).
- "Calling __str__ on an Output[T] is not supported": pulumi/output.py ``Output.__str__``, the text a name built
  with an f-string from an Output becomes.
"""

from __future__ import annotations

import json
from typing import NotRequired, TypedDict

import grpc
import pulumi
import pytest
from pulumi.output import UNKNOWN
from pulumi.runtime.proto import errors_pb2, provider_pb2, status_pb2

from components import FoundryProject, Guardrails, KeylessAccess, TeamBudget
from components._inputs import LandingZoneComponent, at_the_boundary
from components.network import NetworkArgs
from tests.components import test_plugin_grpc as harness
from tests.components.test_plugin_grpc import TENANT, construct, output, plain_value
from tests.helpers import of_type, register

plugin = harness.plugin
"""The plugin as the engine starts it, with a fake engine and monitor (one per module)."""

UPSTREAM = "urn:pulumi:dev::consumer::azure-native:resources:ResourceGroup::upstream"
"""The consumer's resource that the Outputs sent here come from."""
APP = "00000000-0000-0000-0000-0000000000a1"
ACCOUNT_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
    "/providers/Microsoft.CognitiveServices/accounts/oai-x"
)


# --- a component written after the mechanism, with no code of its own for its inputs ----------------------------


class ProbeItemArgs(TypedDict):
    label: str
    weight: int


class ProbeArgs(TypedDict):
    name: str
    size: int
    share: float
    target: pulumi.Input[str]
    counts: NotRequired[pulumi.Input[list[pulumi.Input[int]]]]
    items: list[ProbeItemArgs]
    labels: NotRequired[dict[str, pulumi.Input[str]]]


class Probe(LandingZoneComponent):
    """Keeps the args its ``__init__`` was given."""

    def __init__(self, name: str, args: ProbeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("test:index:Probe", name, None, opts)
        self.seen = args


def probe_args(**overrides) -> dict:
    return {
        "name": "p",
        "size": 1000.0,
        "share": 0.5,
        "target": "t",
        "items": [{"label": "a", "weight": 3.0}, {"label": "b", "weight": 4}],
        **overrides,
    }


def probe(args: dict) -> dict:
    seen = {}

    def program():
        seen.update(Probe("probe", args).seen)

    register(program)
    return seen


def refused(fn) -> pulumi.InputPropertyError:
    with pytest.raises(pulumi.InputPropertyError) as err:
        register(fn)
    return err.value


def test_a_new_component_coerces_whole_numbers_by_subclassing_alone():
    args = probe_args()
    seen = probe(args)
    assert seen["size"] == 1000 and type(seen["size"]) is int
    assert [(i["weight"], type(i["weight"])) for i in seen["items"]] == [(3, int), (4, int)]
    assert seen["share"] == 0.5 and type(seen["share"]) is float  # a float field stays a float
    assert args["size"] == 1000.0 and type(args["size"]) is float  # the caller's dict is not changed
    assert type(probe(probe_args(share=2))["share"]) is int  # nor is an int made a float


@pytest.mark.parametrize(
    ("overrides", "path", "reason"),
    [
        ({"size": 1000.5}, "size", "expected a whole number, got 1000.5"),
        ({"size": "10"}, "size", "expected a whole number, got str '10'"),
        ({"size": True}, "size", "expected a whole number, got bool True"),
        ({"items": [{"label": "a", "weight": 1}, {"label": "b", "weight": 2.5}]}, "items[1].weight", "got 2.5"),
        ({"counts": [1, 2.5]}, "counts[1]", "expected a whole number, got 2.5"),  # a plain value inside an Input
    ],
)
def test_a_number_that_is_not_whole_is_refused_with_its_path(overrides, path, reason):
    err = refused(lambda: Probe("probe", probe_args(**overrides)))
    assert err.property_path == path and err.reason.endswith(reason)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"name": "OUTPUT"}, "name"),
        ({"size": "OUTPUT"}, "size"),
        ({"items": [{"label": "a", "weight": 1}, {"label": "OUTPUT", "weight": 2}]}, "items[1].label"),
        ({"items": "OUTPUT"}, "items"),
        ({"labels": "OUTPUT"}, "labels"),
    ],
)
@pytest.mark.parametrize("kind", ["known", "secret", "unknown"])
def test_a_plain_field_refuses_every_kind_of_output(overrides, path, kind):
    def program():
        value = {"known": pulumi.Output.from_input("x"), "secret": pulumi.Output.secret("x"), "unknown": UNKNOWN}[kind]
        Probe("probe", probe_args(**{k: _put(v, value) for k, v in overrides.items()}))

    err = refused(program)
    assert err.property_path == path
    assert err.reason == (
        "must be known at preview: it names, keys or decides what the component declares,"
        " so it cannot wait for another resource"
    )


def _put(template, value):
    """``template`` with every ``"OUTPUT"`` replaced by ``value``."""
    if template == "OUTPUT":
        return value
    if isinstance(template, list):
        return [_put(v, value) for v in template]
    if isinstance(template, dict):
        return {k: _put(v, value) for k, v in template.items()}
    return template


def test_inputs_pass_through_untouched():
    seen = {}

    def program():
        target, secret, count = pulumi.Output.from_input("t"), pulumi.Output.secret("s"), pulumi.Output.from_input(5)
        args = probe_args(target=target, counts=[count, 2.0], labels={"a": secret, "b": "plain"})
        got = Probe("probe", args).seen
        seen.update(same=(got["target"] is target, got["counts"][0] is count, got["labels"]["a"] is secret))
        seen["count"] = got["counts"][1]
        seen["whole_list"] = Probe("probe-2", probe_args(counts=pulumi.Output.from_input([1, 2]))).seen["counts"]

    register(program)
    assert seen["same"] == (True, True, True)
    assert seen["count"] == 2 and type(seen["count"]) is int
    assert isinstance(seen["whole_list"], pulumi.Output)  # Input[list[...]]: the whole list may be an output


def test_the_boundary_reads_annotations_as_the_schema_does():
    """The same TypedDict both ways: an Output where the analyzer says Input passes; where it says plain, it stops."""
    vnet = pulumi.Output.secret("vnet-x")
    args = {"vnet_name": vnet, "resource_group_name": "rg", "location": "swedencentral", "address_space": "10.0.0.0/24"}
    checked = at_the_boundary({**args, "subnets": [{"name": "snet-pe", "address_prefix": vnet}]}, NetworkArgs)
    assert checked["vnet_name"] is vnet and checked["subnets"][0]["address_prefix"] is vnet
    with pytest.raises(pulumi.InputPropertyError) as err:
        at_the_boundary({**args, "subnets": [{"name": vnet, "address_prefix": "10.0.0.0/27"}]}, NetworkArgs)
    assert err.value.property_path == "subnets[0].name"


def test_nested_refusals_name_the_schema_property():
    name = pulumi.Output.from_input("x")

    def keyless():
        principals = [{"principal_id": APP, "name": "a"}, {"principal_id": APP, "name": name}]
        KeylessAccess("access", {"account_id": ACCOUNT_ID, "principals": principals})

    def guardrails():
        Guardrails(
            "guard",
            {
                "definition_name": "d",
                "scopes": {"rg": "/subscriptions/s/resourceGroups/rg"},
                "effect": "Deny",
                "approved_models": {"gpt-4.1-mini": name},  # the policy rule's structure
            },
        )

    def project():
        gateway = {"target": "https://gw/openai", "audience": "api://gw", "deployments": name}
        FoundryProject("proj", {**_project_args(), "gateway": gateway})

    def budget():
        notifications = [{"threshold": 80, "threshold_type": "Actual", "operator": name}]  # part of the map key
        TeamBudget("b", {**_budget_args(), "notifications": notifications})

    paths = [refused(fn).property_path for fn in (keyless, guardrails, project, budget)]
    assert paths == [
        "principals[1].name",
        "approvedModels.gpt-4.1-mini",
        "gateway.deployments",
        "notifications[0].operator",
    ]


def test_an_output_principal_needs_a_name_for_its_role_assignment():
    """The role assignment's logical name defaults to the principal ID: an Output there would become the text of a
    warning, so the caller names the assignment instead."""

    def unnamed():
        principals = [{"principal_id": APP}, {"principal_id": pulumi.Output.from_input(APP)}]
        KeylessAccess("access", {"account_id": ACCOUNT_ID, "principals": principals})

    err = refused(unnamed)
    assert err.property_path == "principals[1].principalId"
    assert err.reason.startswith("is an output, so principals[1].name must be set")

    def named():
        principal = pulumi.Output.from_input(APP)
        KeylessAccess("access", {"account_id": ACCOUNT_ID, "principals": [{"principal_id": principal, "name": "app"}]})

    (assignment,) = of_type(register(named), "azure-native:authorization:RoleAssignment")
    assert assignment.name == "access-app" and assignment.inputs["principalId"] == APP


def _project_args() -> dict:
    return {
        "account_name": "ais-x",
        "account_id": ACCOUNT_ID,
        "resource_group_name": "rg",
        "location": "swedencentral",
        "project_name": "team-a",
        "principals": [{"principal_id": APP, "principal_type": "Group"}],
    }


def _budget_args() -> dict:
    return {
        "budget_name": "budget-team-a",
        "scope": "/subscriptions/00000000-0000-0000-0000-000000000000",
        "amount": 500,
        "start_date": "2026-12-01",
        "notifications": [{"threshold": 80, "threshold_type": "Actual"}],
    }


def test_foundry_gateway_deployments_are_typed_objects_carried_as_outputs():
    """``gateway.deployments`` is a list of objects (name, model, version, format), and their values may be
    outputs: the connection's ``models`` metadata is JSON text made once they are known."""

    def program():
        deployment = {"name": pulumi.Output.from_input("team-a-gpt"), "model": "gpt-4.1-mini"}
        gateway = {
            "target": "https://gw/openai",
            "audience": "api://gw",
            "deployments": [{**deployment, "version": "2025-04-14", "format": "OpenAI"}],
        }
        FoundryProject("proj", {**_project_args(), "gateway": gateway})

    (connection,) = of_type(register(program), "azure-native:cognitiveservices/v20251201:ProjectConnection")
    models = json.loads(connection.inputs["properties"]["metadata"]["models"])
    assert models == [
        {
            "name": "team-a-gpt",
            "properties": {"model": {"name": "gpt-4.1-mini", "version": "2025-04-14", "format": "OpenAI"}},
        }
    ]


# --- over the component plugin, as another language sends it -----------------------------------------------------


def error_paths(err: grpc.RpcError) -> list[str]:
    """The property paths of the ``InputPropertiesError`` detail in the status trailer."""
    paths = []
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                errors = errors_pb2.InputPropertiesError()
                if detail.Unpack(errors):
                    paths += [e.property_path for e in errors.errors]
    return paths


SUBNET = {"name": "snet-pe", "addressPrefix": "10.0.0.0/27"}
NETWORK = {
    "resourceGroupName": "rg-net",
    "location": "swedencentral",
    "addressSpace": "10.0.0.0/24",
    "subnets": [SUBNET],
}


def test_an_output_vnet_name_reaches_the_vnet_as_its_value(plugin):
    stub, fake, engine = plugin
    vnet_name = output("vnet-consumer", deps=(UPSTREAM,))
    construct(stub, engine, "Network", "net", {**NETWORK, "vnetName": vnet_name}, deps={"vnetName": [UPSTREAM]})
    (vnet,) = [r for r in fake.of_type("azure-native:network:VirtualNetwork") if r.name == "net"]
    (nsg,) = [r for r in fake.of_type("azure-native:network:NetworkSecurityGroup") if r.name == "net-snet-pe"]
    assert vnet.inputs["virtualNetworkName"] == "vnet-consumer"
    assert nsg.inputs["networkSecurityGroupName"] == "nsg-vnet-consumer-snet-pe"
    assert UPSTREAM in vnet.property_dependencies["virtualNetworkName"]
    assert UPSTREAM in nsg.property_dependencies["networkSecurityGroupName"]
    assert not [r.name for r in fake.registrations if "Calling __str__" in json.dumps(r.inputs)]


def test_a_secret_tenant_id_renders_into_the_policy_which_stays_secret(plugin):
    stub, fake, engine = plugin
    inputs = {
        "serviceName": "apim-x",
        "resourceGroupName": "rg",
        "apiId": "openai-shared",
        "path": "openai/shared",
        "poolName": "pool-shared",
        "poolSize": 2,
        "primaryBackend": output("oai-x-swedencentral", deps=(UPSTREAM,)),
        "failureCount": 3,
        "tenantId": output(TENANT, secret=True, deps=(UPSTREAM,)),
        "audiences": [output("api://contoso-ai-gateway", deps=(UPSTREAM,))],
        "teams": [{"team": "team-a", "callerAppIds": [output(APP, deps=(UPSTREAM,))], "tokensPerMinute": 1000}],
    }
    construct(stub, engine, "OpenAiGatewayApi", "api-secret", inputs, deps={"tenantId": [UPSTREAM]})
    (policy,) = [r for r in fake.of_type("azure-native:apimanagement:ApiPolicy") if r.name == "api-secret"]
    kind, xml = plain_value(policy.inputs["value"])
    assert kind == "secret"  # the tenant was a secret: so is the text it is rendered into
    assert f'tenant-id="{TENANT}"' in xml and "<audience>api://contoso-ai-gateway</audience>" in xml
    assert f"<application-id>{APP}</application-id>" in xml and 'backend-id="oai-x-swedencentral"' in xml
    assert UPSTREAM in policy.property_dependencies["value"]


@pytest.mark.parametrize(
    ("type_", "inputs", "path"),
    [
        (
            "Network",
            {**NETWORK, "vnetName": "v", "subnets": [{**SUBNET, "name": output("s", deps=(UPSTREAM,))}]},
            "subnets[0].name",
        ),
        (
            "Network",
            {**NETWORK, "vnetName": "v", "subnets": [{**SUBNET, "name": output(known=False)}]},
            "subnets[0].name",
        ),
        (
            "PrivateDns",
            {"resourceGroupName": "rg", "zones": [output("z", secret=True)], "virtualNetworkIds": []},
            "zones[0]",
        ),
        # An object as an Output: the SDK alone would map it to {} and the filter would take its defaults unsaid.
        (
            "ContentFilter",
            {"accountName": "oai-x", "resourceGroupName": "rg", "policyName": "p", "prompt": output({"hate": "Low"})},
            "prompt",
        ),
    ],
)
def test_a_plain_input_sent_as_an_output_is_invalid_argument_with_its_path(plugin, type_, inputs, path):
    stub, fake, engine = plugin
    before = len(fake.registrations)
    with pytest.raises(grpc.RpcError) as err:
        construct(stub, engine, type_, f"refused-{len(fake.registrations)}", inputs)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_paths(err.value) == [path]
    assert f"{path}: must be known at preview" in err.value.details()
    assert len(fake.registrations) == before  # refused before the component registers anything


def _deployments(capacity) -> dict:
    deployment = {"modelName": "gpt-4.1-mini", "modelVersion": "2025-04-14", "skuName": "GlobalStandard"}
    return {
        "accountName": "oai-x",
        "resourceGroupName": "rg",
        "deployments": [{"name": "team-a-gpt", **deployment, "capacity": capacity}],
    }


def test_integers_over_grpc_are_coerced_refused_or_carried(plugin):
    """The SDK's own mapping would ``int()`` an integer property: 10.5 silently 10, an Output a bare TypeError."""
    stub, fake, engine = plugin
    with pytest.raises(grpc.RpcError) as err:
        construct(stub, engine, "ModelDeployments", "half", _deployments(10.5))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_paths(err.value) == ["deployments[0].capacity"]
    assert "expected a whole number, got 10.5" in err.value.details()
    construct(stub, engine, "ModelDeployments", "from-output", _deployments(output(20, deps=(UPSTREAM,))))
    (deployment,) = [r for r in fake.of_type("azure-native:cognitiveservices:Deployment") if "from-output" in r.name]
    assert deployment.inputs["sku"]["capacity"] == 20 and UPSTREAM in deployment.property_dependencies["sku"]


def test_the_schema_says_which_inputs_must_be_known_at_preview(plugin):
    stub, _, _ = plugin
    schema = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60).schema)
    network = schema["resources"]["ai-landing-zone:index:Network"]["inputProperties"]
    assert "known at preview" not in network["vnetName"].get("description", "")
    assert network["subnets"]["description"] == "Must be known at preview."
    subnet = schema["types"]["ai-landing-zone:index:SubnetArgs"]["properties"]
    assert (
        subnet["name"]["description"]
        == "Names the subnet's NSG resource and keys ``subnetIds``.\n\nMust be known at preview."
    )
    dns = schema["resources"]["ai-landing-zone:index:PrivateDns"]["inputProperties"]
    assert dns["virtualNetworkIds"]["description"].endswith(
        "\n\nMust be known at preview as a list; each item may be an output."
    )
    every = [
        (where, name, spec)
        for where, props in [
            *((t, r["inputProperties"]) for t, r in schema["resources"].items()),
            *((t, d.get("properties", {})) for t, d in schema["types"].items()),
        ]
        for name, spec in props.items()
    ]
    plain = [(w, n) for w, n, s in every if s.get("plain")]
    says = [(w, n) for w, n, s in every if "Must be known at preview" in s.get("description", "")]
    assert plain == says and len(plain) > 40
