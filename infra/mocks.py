"""Pulumi mocks that answer like Azure Resource Manager, and a monitor that records.

Used by the offline plan, the tests and the benchmark alike, so that all three
see the same resource graph.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

import pulumi
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
"""Stands in for the subscription a provider is not told (azure-native then takes the Azure CLI's default)."""
TENANT_ID = "11111111-1111-1111-1111-111111111111"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER = "pulumi:providers:azure-native"


def _types():
    """The type registry (``infra.azure_types``), imported on first use rather than with this module: the
    language-host test (tests/plan/test_cli.py) loads this file on its own, before the program puts the project
    root on ``sys.path``."""
    from infra import azure_types

    return azure_types


def _stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


class AzureMocks(pulumi.runtime.Mocks):
    """Plausible ARM outputs: full resource IDs, names, endpoints and principal IDs.

    ``stack_outputs`` answers ``StackReference``s: stack name -> that stack's outputs.
    ``first_preview``: answer as azure-native does in a first ``pulumi preview``, where nothing exists yet:
    the inputs come back, every computed output (IDs, Azure names, endpoints, principal IDs) is unknown.
    ``subscription_id``: the default provider's, as the engine configures it from the stack's
    ``azure-native:subscriptionId``; an explicit provider has its own (see ``subscription``).
    """

    def __init__(
        self,
        stack_outputs: dict[str, dict] | None = None,
        first_preview: bool = False,
        subscription_id: str | None = None,
    ):
        self.stack_outputs = stack_outputs or {}
        self.first_preview = first_preview
        self.subscription_id = subscription_id or SUBSCRIPTION_ID
        self.registrations: dict[str, mocks.MockMonitor.ResourceRegistration] = {}
        """URN -> what was registered (the monitor's), where an explicit provider's settings are found."""

    def subscription(self, provider: str | None) -> str:
        """The subscription a resource or invoke with provider reference ``urn::id`` lives in (empty: default).

        Per provider, not one global: azure-native creates and reads in its provider's subscription, so a stack
        that gives each subscription a provider gets each resource's ID in the right one."""
        if not provider:
            return self.subscription_id
        registered = self.registrations.get(provider.rsplit("::", 1)[0])
        # An explicit provider does not read the stack's azure-native config; without subscriptionId it uses
        # the Azure CLI's default subscription, which offline is the placeholder.
        return (registered.state.get("subscriptionId") if registered else None) or SUBSCRIPTION_ID

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = args.inputs
        if args.typ == "pulumi:pulumi:StackReference":
            name = inputs.get("name", args.name)
            if name not in self.stack_outputs:
                raise KeyError(f"no mocked outputs for stack {name!r}")
            return name, {"name": name, "outputs": self.stack_outputs[name], "secretOutputNames": []}
        if not args.custom and not args.typ.startswith("azure-native:"):
            return None, {}
        if args.typ == PROVIDER:
            return _stable_uuid(PROVIDER, args.name), dict(inputs)
        if self.first_preview:
            # An empty ID is unknown in a preview, and so is every property left out. Nested objects are left
            # out whole: azure-native marks their output-only fields (properties.endpoint, identity.principalId)
            # unknown, and an echoed object would make them a known None instead.
            return "", {k: v for k, v in inputs.items() if not isinstance(v, (dict, list))}
        types = _types()
        known = types.BY_TOKEN.get(args.typ)
        subscription = self.subscription(args.provider)
        if known is None:
            # A type the registry does not hold (an app team's stack may declare any): a plausible ID.
            module, type_name = args.typ.split(":")[1:3]
            name = args.name
            rg = inputs.get("resourceGroupName", "rg")
            arm_path = f"Microsoft.{module}/{type_name[0].lower()}{type_name[1:]}s/{name}"
            resource_id = f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/{arm_path}"
        else:
            name = inputs.get(known.name_input, args.name)
            resource_id = known.resource_id(subscription, {"resourceGroupName": "rg", **inputs, known.name_input: name})
        state = {**inputs, "name": name, "id": resource_id}
        if known is types.ACCOUNT:
            state.update(_account_outputs(inputs, resource_id))
        elif known is types.WEB_APP:
            state["defaultHostName"] = f"{name}.azurewebsites.net"
        elif known is types.API_MANAGEMENT:
            state["gatewayUrl"] = f"https://{name}.azure-api.net"
        elif known is types.APP_INSIGHTS:
            key = _stable_uuid(resource_id, "ikey")
            state["connectionString"] = (
                f"InstrumentationKey={key};IngestionEndpoint=https://{inputs['location']}.in.applicationinsights.azure.com/"
            )
            state["instrumentationKey"] = key
        state.update(_identity_outputs(inputs, resource_id))
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        subscription = self.subscription(args.provider)
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": _stable_uuid(subscription, "client"),
                "objectId": _stable_uuid(subscription, "object"),
                "subscriptionId": subscription,
                "tenantId": TENANT_ID,
            }, []
        if args.token == "azure-native:cognitiveservices:getAccount":
            name, rg = args.args["accountName"], args.args["resourceGroupName"]
            resource_id = _types().ACCOUNT.resource_id(subscription, {"resourceGroupName": rg, "accountName": name})
            inputs = {"accountName": name, "kind": "OpenAI", "identity": {"type": "SystemAssigned"}}
            return {
                "id": resource_id,
                "name": name,
                "kind": "OpenAI",
                **_account_outputs(inputs, resource_id),
                **_identity_outputs(inputs, resource_id),
            }, []
        return {}, []


def _account_outputs(inputs: dict, resource_id: str) -> dict:
    props = dict(inputs.get("properties") or {})
    subdomain = props.get("customSubDomainName") or inputs.get("accountName")
    domain = "openai.azure.com" if inputs.get("kind") == "OpenAI" else "cognitiveservices.azure.com"
    endpoint = f"https://{subdomain}.{domain}/"
    props.update(
        {
            "endpoint": endpoint,
            "endpoints": {"OpenAI Language Model Instance API": f"https://{subdomain}.openai.azure.com/"},
            "provisioningState": "Succeeded",
        }
    )
    return {"properties": props}


def _identity_outputs(inputs: dict, resource_id: str) -> dict:
    """A system-assigned identity gets a principal ID, as Azure assigns one on create."""
    identity = inputs.get("identity")
    if identity and "SystemAssigned" in str(identity.get("type", "")):
        return {"identity": {**identity, "principalId": _stable_uuid(resource_id, "identity"), "tenantId": TENANT_ID}}
    return {}


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    inputs: dict
    depends_on: list[str]
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str]
    outputs: dict = field(default_factory=dict)
    additional_secret_outputs: list[str] = field(default_factory=list)
    """Outputs the engine must treat as secret (``additionalSecretOutputs``); not part of the plan contract."""
    import_id: str | None = None
    """Adopted, not created: the Azure ID that ``pulumi up`` imports (the ``import`` resource option)."""

    def contract(self) -> dict:
        """The plan contract's resource object (see shared design notes)."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "inputs": self.inputs,
            "dependsOn": self.depends_on,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "ignoreChanges": self.ignore_changes,
            # Only on an adopted resource, so plans without adoption keep their shape.
            **({"importId": self.import_id} if self.import_id else {}),
        }


class RecordingMonitor(mocks.MockMonitor):
    """A mock monitor that keeps every registration with its options and dependencies.

    URNs follow the real engine: a child's type is qualified by its parent's
    whole type chain, and children of the stack are not qualified at all.
    """

    def __init__(self, mock: pulumi.runtime.Mocks):
        super().__init__(mock)
        self.recorded: list[RecordedResource] = []
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_}::{name}"

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        args = mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        deps = set(request.dependencies)
        for prop in request.propertyDependencies.values():
            deps.update(prop.urns)
        stack_urn = self.make_urn("", STACK_TYPE, f"{pulumi.get_project()}-{pulumi.get_stack()}")
        record = RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent if request.parent and request.parent != stack_urn else None,
            inputs=inputs,
            depends_on=sorted(deps),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=list(request.ignoreChanges),
            outputs=state,
            additional_secret_outputs=list(request.additionalSecretOutputs),
            import_id=request.importId or None,
        )
        with self._lock:
            self.recorded.append(record)
            self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        obj = _sync_await(rpc.serialize_properties(state, {}))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=obj)


# The plan reports diagnostics itself; the program's pulumi.log calls would repeat them.
_QUIET = logging.getLogger("ai-landing-zone.mocks")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def install(
    project: str,
    stack: str,
    stack_outputs: dict[str, dict] | None = None,
    first_preview: bool = False,
    subscription_id: str | None = None,
) -> RecordingMonitor:
    """Point the Pulumi runtime at fresh mocks; returns the monitor that records.

    ``subscription_id``: the stack's ``azure-native:subscriptionId``, where it states one."""
    mock = AzureMocks(stack_outputs, first_preview, subscription_id)
    monitor = RecordingMonitor(mock)
    mock.registrations = monitor.resources
    # set_mocks only creates a root stack when there is none: start every run from a clean one.
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mock, project=project, stack=stack, preview=True, monitor=monitor, logger=_QUIET)
    # The engine runs every program in a fresh process. MockSettings (pulumi/runtime/mocks.py) renews the RPC
    # manager but not the set of outstanding outputs, so a run that failed in an apply would hand its failed
    # tasks to the next run, which then raises the old error.
    settings.SETTINGS.outputs = set()
    return monitor
