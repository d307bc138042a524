"""The component plugin's provider: Pulumi's, with inputs left to each component's boundary (``_inputs.py``).

Three things differ from ``ComponentProvider`` as the SDK ships it (pulumi 3.272,
pulumi/provider/experimental/component.py):

- The schema says which inputs must be known at preview: every plain property's description ends so.
- Mapping the wire's names to Python's leaves Outputs and integers as they came. The SDK calls ``int()`` on an
  integer property (an Output there fails with a bare TypeError, and 1000.5 becomes 1000 unsaid) and maps an
  object sent as an Output to ``{}`` (an optional object's fields then vanish without a word).
  ``LandingZoneComponent`` does both right, naming the property.
- ``InputPropertyError`` raised by a component's boundary reaches the engine as gRPC INVALID_ARGUMENT with the
  property path, not wrapped in ``ComponentInitError`` (gRPC UNKNOWN, "Unexpected <class 'Exception'>"). It goes
  as the one error of an ``InputPropertiesError``: the server then also says it in the status message, which it
  leaves empty for a lone ``InputPropertyError`` (pulumi/provider/server.py, ``Construct``).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema
from pulumi.provider.server import ComponentInitError

from components._inputs import KNOWN_AT_PREVIEW, not_known


class LandingZoneProvider(ComponentProvider):
    def __init__(self, components: list[type[pulumi.ComponentResource]], name: str, version: str) -> None:
        super().__init__(components, name, None, version)
        for component in self._component_defs.values():
            _say_known_at_preview(component.inputs)
        for type_def in self._type_defs.values():
            _say_known_at_preview(type_def.properties)
        schema = generate_schema(name, version, None, self._component_defs, self._type_defs, self._dependencies)
        self.schema = json.dumps(schema.to_json())

    def construct(self, name: str, resource_type: str, inputs: Any, options: Any = None) -> Any:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as e:
            if not isinstance(e.inner, pulumi.InputPropertyError):
                raise
            path, reason = e.inner.property_path, e.inner.reason
            raise pulumi.InputPropertiesError(
                f"{resource_type}: {path}: {reason}", [{"property_path": path, "reason": reason}]
            ) from None

    def map_input_properties(
        self,
        inputs: Any,
        properties: dict[str, PropertyDefinition],
        mapping: dict[str, str],
        component_name: str,
        property_path: str,
    ) -> Any:
        if not_known(inputs):  # an item of a list (or a value of a map) of objects, sent as an Output
            return inputs
        as_given = {
            schema_name: _by_name_only(prop) if _left_to_component(inputs, schema_name, prop) else prop
            for schema_name, prop in properties.items()
        }
        return super().map_input_properties(inputs, as_given, mapping, component_name, property_path)


def _left_to_component(inputs: Any, schema_name: str, prop: PropertyDefinition) -> bool:
    value = inputs.get(schema_name) if isinstance(inputs, dict) else None
    return prop.type == PropertyType.INTEGER or not_known(value)


def _by_name_only(prop: PropertyDefinition) -> PropertyDefinition:
    """A property the SDK maps by name alone: no ``int()``, no descent into an object's fields (a new definition,
    not a copy: ``ref`` and ``items`` are what the SDK descends)."""
    return PropertyDefinition(optional=prop.optional, type=PropertyType.STRING)


def _say_known_at_preview(properties: dict[str, PropertyDefinition]) -> None:
    for prop in properties.values():
        if not prop.plain or KNOWN_AT_PREVIEW in (prop.description or ""):
            continue
        inner = prop.items or prop.additional_properties
        note = f"{KNOWN_AT_PREVIEW}."
        if inner is not None and not inner.plain:
            note = f"{KNOWN_AT_PREVIEW} as a {'list' if prop.items else 'map'}; each item may be an output."
        prop.description = f"{prop.description.rstrip()}\n\n{note}" if prop.description else note
