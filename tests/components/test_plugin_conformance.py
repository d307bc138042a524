"""Every input of every component, sent over gRPC as another language sends it: generated from the plugin's schema.

Issue #24 ("The component plugin keeps its promises in every language") asks that each input be one of two kinds:
- it accepts ``Input[T]`` (known, unknown at preview, or secret) and carries it into Azure's inputs as an Output,
  secrets staying secret;
- or it must be known when the program runs (logical names, keys, anything that shapes the resource graph): an
  Output there is refused with ``pulumi.InputPropertyError``, which the SDK's provider server returns as gRPC
  INVALID_ARGUMENT with the property path, and the schema's description says "must be known at preview".

How this test checks it, with the harness of ``test_plugin_grpc.py`` (the plugin started as the engine starts it,
a fake engine and resource monitor recording every registration, secrets included):
- GetSchema gives the components and their inputs; the cases are read from it when tests are collected, so a
  component added to the plugin is covered without editing this file.
- For each component a valid input set is generated from the schema (``Generator``): every property, required or
  not, arrays with one element, objects recursively, maps with one entry (or with the keys their description
  names), and plausible values from the property's name and description (Azure resource IDs for ``...Id``, GUIDs
  for tenant, principal and app IDs, the first of a month for dates, the first value a description lists...).
  ``OVERRIDES`` holds what generation cannot guess, keyed by property-name pattern, never by component.
- Each input property, top-level and nested (``principals[0].name``, ``zones[0]``, ``tags.entry``), is then sent in
  turn as a known Output, an unknown Output (a preview) and a secret Output, each with a dependency on another
  resource: the output value signature of pulumi/runtime/rpc.py, which the engine forwards when a TypeScript, Go or
  YAML program passes an ``Output<T>`` (the monitor supports ``outputValues``). The required properties are sent
  again among the required properties only: where an optional one is absent, a component may derive it from them
  (a role assignment's logical name from its principal ID).
- The outcome must be one of the two kinds. Accepted: the registered resources are the same as with the plain value
  (same types, names, options and inputs), the value reaches some registered input, and there it is the Output's:
  its dependency is recorded, an unknown is unknown, and a secret is secret wherever the unknown landed (never in
  plain text). Refused: INVALID_ARGUMENT whose InputPropertiesError detail (or message) names the property by its schema
  path, and the property's schema description says "must be known at preview". Anything else fails: UNKNOWN (a crash,
  or a plain ``TypeError`` from ``__init__``), text such as "Calling __str__ on an Output[T]" in any registration.
- A boolean's Outputs carry the opposite of its valid value, compared with that plain value: ``if Output:`` is always
  true, so a gate read from an Output shows as resources that should not be there.

Sources:
- Construct: pulumi/pulumi proto/pulumi/provider.proto, ``ResourceProvider.Construct`` ("effectively a subprogram
  whose resources will be persisted in the caller's state": inputs, input dependencies, a resource monitor to
  register children with). Python's provider server: pulumi/provider/server.py ``ProviderServicer.Construct``,
  ``_construct_inputs`` (inputs that contain output values reach the component as Outputs).
- InputPropertyError: "an error type that is used to indicate that an input property has failed validation. The
  engine will pretty print this error for the user"
  (https://www.pulumi.com/docs/reference/pkg/nodejs/pulumi/pulumi/classes/InputPropertyError.html).
  pulumi/provider/server.py answers it with ``grpc.StatusCode.INVALID_ARGUMENT`` and an ``InputPropertiesError``
  (``property_path``, ``reason``; proto/pulumi/errors.proto) in the ``grpc-status-details-bin`` trailer
  (``create_grpc_invalid_properties_status``); pulumi/provider/experimental/component.py wraps anything raised in a
  component's ``__init__`` in ``ComponentInitError``, which the server answers as UNKNOWN.
- Inputs, outputs, secrets, unknown values at preview: https://www.pulumi.com/docs/iac/concepts/inputs-outputs/ ;
  components used from other languages: https://www.pulumi.com/docs/iac/concepts/components/cross-language-components
- "Calling __str__ on an Output[T] is not supported": pulumi/output.py ``Output.__str__``.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.proto import errors_pb2, provider_pb2, status_pb2  # google.rpc.Status, as the SDK has it

from tests.components.test_plugin_grpc import FakeEngine, Registration, construct, output, running_plugin

PACKAGE = "ai-landing-zone:index:"
UPSTREAM = "urn:pulumi:dev::consumer::azure-native:resources:ResourceGroup::upstream"
"""The consumer's resource that every Output sent here comes from."""
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
KNOWN_AT_PREVIEW = "must be known at preview"
LEAKS = ("Calling __str__", "Output[")
"""What an Output turned into text looks like (pulumi/output.py ``Output.__str__``)."""
VARIANTS = ("known", "unknown", "secret")


# --- the schema ------------------------------------------------------------------------------------------------


def get_schema(stub) -> dict:
    return json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60).schema)


@functools.cache
def collected_schema() -> dict:
    """The plugin's schema when tests are collected: the plugin started once for it, as the engine starts it."""
    with running_plugin() as (stub, _, _):
        return get_schema(stub)


def components(schema: dict) -> list[str]:
    return [token for token, spec in schema["resources"].items() if spec.get("isComponent")]


class Key(str):
    """A map key on a property path (``tags.entry``): a property of the caller's map, not of the schema."""


ENTRY = Key("entry")
"""The one entry of a generated map, unless the map's description names its keys."""

Path = tuple  # of str (property or Key) and int (array index)


def show(path: Path) -> str:
    """``principals[0].name``: the path as the issue and the schema name it."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}" if text else step
    return text


def leaf(path: Path) -> str:
    """The property name a path's value is generated from: an array item's or a map entry's is its property's."""
    return next(s for s in reversed(path) if isinstance(s, str) and s != ENTRY)


def resolve(schema: dict, spec: dict) -> dict:
    """A ``$ref``'d type of the package, or the spec itself."""
    ref = spec.get("$ref", "")
    return schema["types"][ref.removeprefix("#/types/")] if ref.startswith("#/types/") else spec


def map_keys(spec: dict) -> list[Key]:
    """A map of strings whose description names its keys (``name``, ``model``...) gets those, else one entry."""
    named = re.findall(r"``(\w+)``", spec.get("description", ""))
    return [Key(k) for k in dict.fromkeys(named)] if len(named) > 1 else [ENTRY]


@dataclass(frozen=True)
class Property:
    """One input of a component at a path, with the descriptions that speak for it (its own first)."""

    path: Path
    spec: dict
    descriptions: tuple[str, ...]


def properties(schema: dict, token: str) -> list[Property]:
    """Every input property, top-level and nested: object properties, an array's item, a map's entries."""
    out: list[Property] = []

    def walk(spec: dict, path: Path, descriptions: tuple[str, ...]) -> None:
        out.append(Property(path, spec, descriptions))
        t = resolve(schema, spec)
        if len(path) > 8:  # a recursive type: deep enough
            return
        if t.get("type") == "object" and "properties" in t:
            for name, sub in t["properties"].items():
                walk(sub, (*path, name), (sub.get("description", ""), t.get("description", "")))
        elif t.get("type") == "array":
            walk(t["items"], (*path, 0), (t["items"].get("description", ""), *descriptions))
        elif t.get("type") == "object" and "additionalProperties" in t:
            for key in map_keys(t["additionalProperties"]):
                walk(t["additionalProperties"], (*path, key), descriptions)

    for name, spec in schema["resources"][token]["inputProperties"].items():
        walk(spec, (name,), (spec.get("description", ""),))
    return out


# --- valid inputs, generated ----------------------------------------------------------------------------------


class Omit:
    """In ``OVERRIDES``: leave this optional property out of the valid set, except in its own cases."""


class Generated:
    """In ``OVERRIDES``: generate as for any name (a kebab-case name of the path)."""


OVERRIDES: list[tuple[str, Any]] = [
    # (regex searched in the path as ``show`` writes it, the value)
    (r"(pool|api|backend)Id$", Generated),  # API Management identifiers, not ARM IDs
    (r"modelName$|\.model$", "gpt-4.1-mini"),
    (r"modelVersion$|\.version$", "2025-04-14"),
    (r"modelFormat$|\.format$", "OpenAI"),
    (r"(^|\.)path$", "conformance/openai"),  # an API path ends in openai
    (r"retentionDays$", 30),  # Log Analytics keeps 30 days at least
    (r"securityRules\[\d+\]\.priority$", 100),  # NSG rule priorities are 100-4096
    (r"targets\[\d+\]\.weight$", 100),  # an alias's target weights sum to 100
    (r"virtualNetworkType$", "External"),  # "None" would leave subnetId unused
    (r"existingWorkspaceId$", Omit),  # with it, no workspace is created: workspaceName and retentionDays unused
]

CHOICES = (
    r"``([A-Za-z][\w.]*)``(?: \(default\)| by default| or | is the only)",  # ``OpenAI`` (default) or ``AIServices``
    r"(?i)defaults to ``([A-Za-z][A-Za-z0-9.]*)``",
    r"e\.g\. ``([^`]+)``",
    r"e\.g\. ([A-Za-z]\w*[.\d][\w.]*[A-Za-z0-9])",  # e.g. PT1M, e.g. privatelink.openai.azure.com
    r"\b([A-Z]\w+) \(default\)",  # StandardV2 (default), BasicV2...
    r"^[^:`]+: ([A-Z][A-Za-z]+), ",  # Deployment type: Standard, GlobalStandard...
)
"""The first value a description offers, for strings that take one of a few."""

ARM_TYPES = (
    ("subnet", "Microsoft.Network/virtualNetworks/vnet-conformance/subnets"),
    ("virtualnetwork", "Microsoft.Network/virtualNetworks"),
    ("privatednszone", "Microsoft.Network/privateDnsZones"),
    ("workspace", "Microsoft.OperationalInsights/workspaces"),
    ("actiongroup", "Microsoft.Insights/actionGroups"),
    ("appinsights", "Microsoft.Insights/components"),
    ("import", "Microsoft.CognitiveServices/accounts/oai-conformance/deployments"),
)
"""A word of an ``...Id`` property -> the type of resource its ID names; Cognitive Services accounts otherwise."""


def kebab(path: Path) -> str:
    words = "-".join(s for s in path if isinstance(s, str) and s != ENTRY)
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", words).lower()


def override(path: Path) -> Any:
    return next((value for pattern, value in OVERRIDES if re.search(pattern, show(path))), None)


def text(path: Path, descriptions: tuple[str, ...]) -> str:
    """A plausible string for the property at ``path``; a free-form one is the path's, unlike any other's."""
    name, words = leaf(path), kebab(path)
    if override(path) is Generated:
        return words
    if re.search(r"(tenant|principal|client|object)Id$|AppIds?$|Guid$", name):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, show(path)))
    if re.fullmatch(r"scopes?", name):
        return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-{words}"
    if re.search(r"Ids?$", name):
        kind = next((t for word, t in ARM_TYPES if word in name.lower()), "Microsoft.CognitiveServices/accounts")
        return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-conformance/providers/{kind}/{words}"
    if name == "location":
        return "swedencentral"
    if name.endswith("Date"):
        return "2026-12-01"  # a budget starts on the first of a month
    if "email" in name.lower():
        return f"{words}@contoso.com"
    if name == "addressSpace":
        return "10.0.0.0/16"
    if re.search(r"(?i)address|iprules", name):
        return "10.0.0.0/24"
    if name.lower().endswith("url") or name == "target":
        return f"https://{words}.openai.azure.com/openai"
    if name.endswith("ConnectionString"):
        key = uuid.uuid5(uuid.NAMESPACE_URL, show(path))
        return f"InstrumentationKey={key};IngestionEndpoint=https://swedencentral-1.in.applicationinsights.azure.com/"
    if re.fullmatch(r"audiences?", name):
        return f"api://{words}"
    if name.endswith("PortRange"):
        return "443"
    if name.endswith("Duration"):
        return "PT1M"
    if name.endswith("ApiVersion"):
        return "2024-10-21"
    for pattern in CHOICES:
        for description in descriptions:
            if match := re.search(pattern, description):
                return match.group(1)
    return words


NUMBERS = (7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97)
"""A component's numbers, in schema order (numbers of type ``number`` ten times these): valid wherever a small
count, limit or percentage is, and told apart from one another where they land."""


@dataclass(frozen=True)
class Generator:
    """Valid inputs of one component. ``include``: the path under test, sent even where ``OVERRIDES`` omits it;
    ``minimal``: the required properties only."""

    schema: dict
    token: str
    include: Path = ()
    minimal: bool = False

    @functools.cached_property
    def numbers(self) -> dict[Path, int]:
        numeric = [
            p.path
            for p in properties(self.schema, self.token)
            if resolve(self.schema, p.spec).get("type") in ("integer", "number")
        ]
        return {path: NUMBERS[i % len(NUMBERS)] for i, path in enumerate(numeric)}

    def keeps(self, path: Path, required: set[str]) -> bool:
        if path[-1] in required:
            return True
        return not self.minimal and (override(path) is not Omit or self.include[: len(path)] == path)

    def inputs(self) -> dict:
        resource = self.schema["resources"][self.token]
        required = set(resource.get("requiredInputs", []))
        return {
            name: self.value(spec, (name,), (spec.get("description", ""),))
            for name, spec in resource["inputProperties"].items()
            if self.keeps((name,), required)
        }

    def value(self, spec: dict, path: Path, descriptions: tuple[str, ...]) -> Any:
        forced = override(path)
        if forced is not None and forced not in (Omit, Generated):
            return forced
        t = resolve(self.schema, spec)
        if "enum" in t:
            return t["enum"][0]["value"]
        kind = t.get("type")
        if kind == "object" and "properties" in t:
            if len(path) > 8:  # a recursive type: deep enough
                return {}
            required = set(t.get("required", []))
            return {
                name: self.value(sub, (*path, name), (sub.get("description", ""), t.get("description", "")))
                for name, sub in t["properties"].items()
                if self.keeps((*path, name), required)
            }
        if kind == "array":
            return [self.value(t["items"], (*path, 0), (t["items"].get("description", ""), *descriptions))]
        if kind == "object":
            entry = t["additionalProperties"]
            return {key: self.value(entry, (*path, key), descriptions) for key in map_keys(entry)}
        if kind == "boolean":
            return True  # features on: more of each component runs
        if kind == "integer":
            return self.numbers.get(path, NUMBERS[0])
        if kind == "number":
            return self.numbers.get(path, NUMBERS[0]) * 10
        return text(path, descriptions)


def valid_inputs(schema: dict, token: str, include: Path = (), minimal: bool = False) -> dict:
    """Every property (``minimal``: the required ones), generated."""
    return Generator(schema, token, include, minimal).inputs()


def holds(tree: Any, path: Path) -> bool:
    try:
        value_at(tree, path)
    except (KeyError, IndexError):
        return False
    return True


def value_at(tree: Any, path: Path) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def replaced(tree: dict, path: Path, value: Any) -> dict:
    out = copy.deepcopy(tree)
    parent = value_at(out, path[:-1])
    parent[path[-1]] = value
    return out


# --- what was registered ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One Construct: the component's name, its registered descendants, the error if it failed."""

    name: str
    registrations: list[Registration]
    error: grpc.RpcError | None

    def resources(self) -> dict[tuple[str, str], tuple[Any, dict]]:
        """(type, name) -> (inputs, options), with the component's name made neutral, to compare two Constructs."""
        blank = json.loads(
            json.dumps([(r.type, r.name, r.inputs, r.options) for r in self.registrations]).replace(self.name, "~")
        )
        return {(t, n): (inputs, options) for t, n, inputs, options in blank}

    def leaked(self) -> str | None:
        text = json.dumps([(r.name, r.inputs) for r in self.registrations])
        for leak in LEAKS:
            if leak in text:
                at = text.index(leak)
                return text[max(0, at - 80) : at + 40]
        return None


def descendants(registrations: list[Registration], token: str, name: str) -> list[Registration]:
    """The component's registration and everything under it (parents register before their children)."""
    root = next((r for r in registrations if r.type == token and r.name == name), None)
    if root is None:
        return []
    urns, out = {root.urn}, [root]
    for r in registrations:
        if r.parent in urns:
            urns.add(r.urn)
            out.append(r)
    return out


@dataclass
class Conformance:
    stub: Any
    fake: FakeEngine
    engine: str
    schema: dict
    references: dict[str, Outcome] = field(default_factory=dict)
    outcomes: dict[tuple, tuple[Outcome, Outcome, Any]] = field(default_factory=dict)
    names: Iterator[int] = field(default_factory=itertools.count)

    def construct(self, token: str, inputs: dict, deps: dict[str, list[str]] | None = None) -> Outcome:
        name = f"cnf{next(self.names):04d}"  # not hex: never part of a generated GUID
        start = len(self.fake.registrations)
        error = None
        try:
            construct(self.stub, self.engine, token.removeprefix(PACKAGE), name, inputs, deps)
        except grpc.RpcError as err:
            error = err
        return Outcome(name, descendants(self.fake.registrations[start:], token, name), error)

    def reference(self, token: str, inputs: dict) -> Outcome:
        """The plain inputs' Construct, once per distinct input set."""
        key = json.dumps([token, inputs], sort_keys=True)
        if key not in self.references:
            self.references[key] = self.construct(token, inputs)
        return self.references[key]

    def case(self, token: str, path: Path, variant: str, minimal: bool) -> tuple[Outcome, Outcome, Any]:
        """(the variant's Construct, the plain value's, the value): each once."""
        key = (token, path, variant, minimal)
        if key not in self.outcomes:
            inputs = valid_inputs(self.schema, token, include=path, minimal=minimal)
            value = value_at(inputs, path)
            if isinstance(value, bool):
                value = not value  # a gate read from an Output is always on: compared with the plain value, it shows
            want = self.reference(token, replaced(inputs, path, value))
            sent = {
                "known": output(value, deps=(UPSTREAM,)),
                "unknown": output(known=False, deps=(UPSTREAM,)),
                "secret": output(value, secret=True, deps=(UPSTREAM,)),
            }[variant]
            got = self.construct(token, replaced(inputs, path, sent), deps={path[0]: [UPSTREAM]})
            self.outcomes[key] = (got, want, value)
        return self.outcomes[key]


@pytest.fixture(scope="module")
def conformance() -> Iterator[Conformance]:
    """The plugin, started once for the module, as the engine starts it (the ``plugin`` fixture's harness)."""
    with running_plugin() as (stub, fake, engine):
        yield Conformance(stub, fake, engine, get_schema(stub))


# --- comparing registrations -----------------------------------------------------------------------------------


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def unwrap(value: Any) -> Any:
    """Registered inputs with secrets as their plain values."""
    if is_secret(value):
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def differences(got: Any, want: Any, at: str = "") -> Iterator[tuple[str, Any, Any]]:
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(got.keys() | want.keys()):
            yield from differences(got.get(k), want.get(k), f"{at}.{k}")
    elif isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            yield from differences(g, w, f"{at}[{i}]")
    elif got != want or (type(got) is bool) != (type(want) is bool):
        yield at, got, want


def secret_paths(value: Any, at: str = "") -> Iterator[str]:
    if is_secret(value):
        yield at
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from secret_paths(v, f"{at}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from secret_paths(v, f"{at}[{i}]")


def secret_values(value: Any) -> Iterator[Any]:
    if is_secret(value):
        yield value["value"]
    elif isinstance(value, dict):
        for v in value.values():
            yield from secret_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from secret_values(v)


def leaves(value: Any) -> Iterator[Any]:
    """Scalars of a value, secret or not."""
    if is_secret(value):
        yield from leaves(value["value"])
    elif isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v)
    else:
        yield value


def shows(found: Any, wanted: Any) -> bool:
    """``found``, a registered scalar, is ``wanted`` or holds it (a name or a policy built from it)."""
    if isinstance(wanted, bool) or isinstance(found, bool):
        return type(found) is type(wanted) and found == wanted
    if isinstance(wanted, (int, float)):
        number = f"{wanted:g}"
        return found == wanted or (isinstance(found, str) and re.search(rf"(?<![\d.]){number}(?![\d.])", found))
    return isinstance(wanted, str) and isinstance(found, str) and wanted in found


def carries(trees: list, value: Any) -> bool:
    """Every scalar of ``value`` shows in some of the registered ``trees``."""
    found = [f for tree in trees for f in leaves(tree)]
    return all(any(shows(f, w) for f in found) for w in leaves(value))


def compare(got: Outcome, want: Outcome, variant: str, used: bool = True) -> tuple[list[str], set[tuple]]:
    """What differs between the variant's registrations and the plain value's, and where an unknown Output's
    unknown landed: (problems, {(resource, input path)}). An unknown may stand for anything; ``used``: the plain
    value reaches some input, so the unknown must too."""
    g, w = got.resources(), want.resources()
    if g.keys() != w.keys():
        extra, missing = sorted(g.keys() - w.keys()), sorted(w.keys() - g.keys())
        return [f"registers other resources: extra {extra}, missing {missing}"], set()
    problems, unknowns = [], set()
    for key, (inputs, options) in g.items():
        want_inputs, want_options = w[key]
        if options != want_options:
            problems.append(f"{key}: options {options} instead of {want_options}")
        for at, found, expected in differences(unwrap(inputs), unwrap(want_inputs)):
            if variant == "unknown" and found == rpc.UNKNOWN:
                unknowns.add((key, at))
            else:
                problems.append(f"{key} {at}: {found!r} instead of {expected!r}")
    if variant == "unknown" and used and not unknowns and not problems:
        problems.append("the unknown reaches no registered input")
    return problems[:5], unknowns


def related(a: str, b: str) -> bool:
    """One input path is the other or holds it."""
    short, long = sorted((a, b), key=len)
    return long == short or long.startswith((f"{short}.", f"{short}["))


# --- the verdict -----------------------------------------------------------------------------------------------


def error_paths(err: grpc.RpcError) -> list[str]:
    """The property paths of an InputPropertiesError detail (pulumi/provider/server.py)."""
    paths = []
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                errors = errors_pb2.InputPropertiesError()
                if detail.Unpack(errors):
                    paths += [e.property_path for e in errors.errors]
    return paths


def same_property(reported: str, path: Path) -> bool:
    """``principals[].name``, ``principals[0].name`` and ``principals.name`` all name ``principals[0].name``."""

    def norm(p: str) -> str:
        return re.sub(r"\[\"?([A-Za-z_]\w*)\"?\]", r".\1", re.sub(r"\[\d*\]", "", p))

    return norm(reported) == norm(show(path))


def names_property(err: grpc.RpcError, path: Path) -> bool:
    if any(same_property(p, path) for p in error_paths(err)):
        return True
    target = re.escape(re.sub(r"\[\d*\]", "", show(path)))
    return bool(re.search(rf"(?<![\w.]){target}(?!\w)", re.sub(r"\[\d*\]", "", err.details() or "")))


def refusal(err: grpc.RpcError, prop: Property) -> str | None:
    """Why this failure is not the refusal of an input that must be known at preview; None if it is."""
    if err.code() != grpc.StatusCode.INVALID_ARGUMENT:
        first = next((line for line in (err.details() or "").splitlines() if line.strip()), "")
        return f"Construct fails with {err.code().name}: {first[:300]}"
    if not names_property(err, prop.path):
        return f"INVALID_ARGUMENT does not name {show(prop.path)}: paths {error_paths(err)}, {err.details()!r}"
    if not any(KNOWN_AT_PREVIEW in d.lower() for d in prop.descriptions):
        return f"refused, but the schema's description does not say {KNOWN_AT_PREVIEW!r}"
    return None


def acceptance(
    got: Outcome, want: Outcome, variant: str, value: Any, lands: set[tuple] | None, required_only: bool
) -> list[str]:
    """Why this Construct is not an Output carried into Azure's inputs; empty if it is. ``lands``: where the same
    property's unknown Output landed (None if the unknown was not accepted), which tells where a value composed
    into another (a retry count from a failure count) went. Among the required properties only, a property may
    have nothing to do (PTU thresholds without ``provisioned``)."""
    if leak := got.leaked():
        return [f"an Output turned into text: ...{leak}..."]
    used = bool(lands) or carries([inputs for inputs, _ in want.resources().values()], value)
    problems, _ = compare(got, want, variant, used)
    if problems:
        return problems
    if not used:
        return [] if required_only else [f"accepted, but {value!r} reaches no registered input"]
    if variant == "known" and not any(UPSTREAM in r.dependencies for r in got.registrations):
        return ["the Output's dependency reaches no registered resource"]
    if variant == "secret":
        resources = got.resources()
        secrets = {(key, p) for key, (inputs, _) in resources.items() for p in secret_paths(inputs)}
        if lands is None:  # where it lands is not known: some secret input must hold it
            if not carries([held for inputs, _ in resources.values() for held in secret_values(inputs)], value):
                return ["the secret reaches no registered input as a secret"]
        else:
            plain = sorted(
                f"{key} {at}" for key, at in lands if not any(k == key and related(at, p) for k, p in secrets)
            )
            if plain:
                return [f"the secret is in plain text at {plain[:3]}"]
    return []


# --- the cases -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    token: str
    path: Path
    variant: str
    minimal: bool
    """Sent among the required properties only: where an optional one is absent, a component may derive it from
    this one (a role assignment's logical name from the principal ID)."""

    @property
    def id(self) -> str:
        return f"{self.token.removeprefix(PACKAGE)}-{show(self.path)}-{self.variant}" + (
            "-required-only" if self.minimal else ""
        )


def all_cases(schema: dict) -> list[Case]:
    """Every property among every property; the required ones again among the required ones only."""
    cases = []
    for token in components(schema):
        minimal = valid_inputs(schema, token, minimal=True)
        for minimal_set in (False, True):
            for prop in properties(schema, token):
                if not minimal_set or holds(minimal, prop.path):
                    cases += [Case(token, prop.path, variant, minimal_set) for variant in VARIANTS]
    return cases


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        cases = all_cases(collected_schema())
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])
    if "token" in metafunc.fixturenames:
        tokens = components(collected_schema())
        metafunc.parametrize("token", tokens, ids=[t.removeprefix(PACKAGE) for t in tokens])


def test_the_cases_are_the_plugins_schema(conformance):
    """Cases were read when tests were collected; the plugin under test serves the same schema."""
    assert conformance.schema == collected_schema()
    assert len(components(conformance.schema)) >= 16


@pytest.mark.parametrize("minimal", [False, True], ids=["every-property", "required-only"])
def test_the_generated_inputs_construct(conformance, token, minimal):
    outcome = conformance.reference(token, valid_inputs(conformance.schema, token, minimal=minimal))
    assert outcome.error is None, f"{token}: the generated valid inputs fail: {outcome.error.details()}"
    assert len(outcome.registrations) > 1, f"{token}: the generated valid inputs register no resource"
    assert outcome.leaked() is None


def test_each_input_is_carried_as_an_output_or_refused_as_known_at_preview(conformance, case):
    token, path, variant = case.token, case.path, case.variant
    where = (
        f"{token.removeprefix(PACKAGE)} {show(path)} ({variant}{', required properties only' if case.minimal else ''})"
    )
    got, want, value = conformance.case(token, path, variant, case.minimal)
    if want.error is not None:
        pytest.fail(f"{where}: the plain value fails first: {want.error.details()[:300]}")
    if got.error is not None:
        prop = next(p for p in properties(conformance.schema, token) if p.path == path)
        why = refusal(got.error, prop)
        problems = [why] if why else []
    else:
        unknown, _, _ = conformance.case(token, path, "unknown", case.minimal)
        lands = compare(unknown, want, "unknown")[1] if unknown.error is None else None
        problems = acceptance(got, want, variant, value, lands, case.minimal)
    assert not problems, f"{where}: " + "; ".join(problems)


FREE_FORM_MAPS = ("tags", "scopes", "approvedModels")
"""Maps whose keys are the caller's own: Azure tags, assignment keys, model names."""


def test_structured_inputs_are_typed_objects(conformance):
    """A structure with fixed keys is an object type in the schema, never a map of strings (issue #24)."""
    schema = conformance.schema
    loose = [
        f"{token.removeprefix(PACKAGE)} {show(p.path)}"
        for token in components(schema)
        for p in properties(schema, token)
        if "additionalProperties" in resolve(schema, p.spec) and leaf(p.path) not in FREE_FORM_MAPS
    ]
    assert loose == []
    gateway = resolve(schema, schema["resources"][f"{PACKAGE}FoundryProject"]["inputProperties"]["gateway"])
    item = resolve(schema, gateway["properties"]["deployments"]["items"])
    assert item.get("type") == "object" and {"name", "model", "version", "format"} <= set(item.get("properties", {}))
