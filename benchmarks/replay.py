"""The replay: the very resource graph a plan registered, registered again straight through the SDK.

Same resources (the same azure-native classes, with the same inputs), same parents, same dependencies
(every ``dependsOn`` of the plan, as explicit ``depends_on``), same options, under trivial mocks (inputs
back, the name as ID). No config, no decisions, no components' logic, no rendering: what the plan costs
beyond it is the plan's own work.
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from typing import Any

import pulumi

PROVIDER_PACKAGE = "pulumi_azure_native"
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class TrivialMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return args.name, dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


@cache
def sdk_class(type_: str) -> tuple[type, frozenset[str]]:
    """``azure-native:cognitiveservices:Deployment`` -> the SDK class and the keyword names it takes."""
    _, module, name = type_.split(":")
    cls = getattr(importlib.import_module(f"{PROVIDER_PACKAGE}.{module}"), name)
    params = frozenset(inspect.signature(cls._internal_init).parameters) - {"__self__", "resource_name", "opts"}
    return cls, params


def load_classes(graph: dict) -> None:
    """Import every class the graph uses before anything is timed (azure-native loads modules lazily)."""
    for r in graph["resources"]:
        if r["custom"] and not versioned(r["type"]):
            sdk_class(r["type"])


def versioned(type_: str) -> bool:
    """A versioned token (``azure-native:apimanagement/v20241001preview:ApiDiagnostic``) has no SDK class: the
    program registers it as a bare custom resource, and so does the replay."""
    return "/" in type_.split(":")[1]


def _kwargs(type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    _, params = sdk_class(type_)
    kwargs = {}
    for key, value in inputs.items():
        name = _CAMEL.sub("_", key).lower()
        if name not in params and f"{name}_" in params:  # resourceName -> resource_name_ (the SDK's own is taken)
            name = f"{name}_"
        if name not in params:
            raise KeyError(f"{type_}: input {key} is not a parameter of the SDK class ({name})")
        kwargs[name] = value
    return kwargs


def replay(graph: dict) -> list[pulumi.Resource]:
    """Register ``graph`` (a plan's JSON contract, in dependency order) through the SDK."""
    by_urn: dict[str, pulumi.Resource] = {}
    components = []
    for r in graph["resources"]:
        opts = pulumi.ResourceOptions(
            parent=by_urn.get(r["parent"]),
            depends_on=[by_urn[u] for u in r["dependsOn"]] or None,
            protect=r["protect"] or None,
            retain_on_delete=r["retainOnDelete"] or None,
            ignore_changes=r["ignoreChanges"] or None,
        )
        if r["custom"] and versioned(r["type"]):
            resource = pulumi.CustomResource(r["type"], r["name"], dict(r["inputs"]), opts)
        elif r["custom"]:
            cls, _ = sdk_class(r["type"])
            resource = cls(r["name"], opts=opts, **_kwargs(r["type"], r["inputs"]))
        else:
            resource = pulumi.ComponentResource(r["type"], r["name"], None, opts)
            components.append(resource)
        by_urn[r["urn"]] = resource
    for component in components:
        component.register_outputs({})
    return list(by_urn.values())
