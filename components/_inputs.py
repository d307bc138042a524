"""Every component's inputs, checked once at the boundary from its ``args`` annotations.

Over the component plugin any input may arrive as an Output (known, unknown at preview, or secret), and every
number as a float (protobuf's Struct has no integers). The annotations say what each input may be, read with the
analyzer's own predicates so that this check and the plugin's schema never disagree:

- ``pulumi.Input[T]``: may be another resource's output. It is passed through untouched, and the component carries
  it into Azure's inputs as an Output (dependencies and secrecy kept).
- anything else is plain: it must be known at preview, as it names, keys or decides what the component declares.
  An Output there is refused with ``pulumi.InputPropertyError`` naming the property as the schema does
  (``principals[0].name``); the SDK's provider server returns that as gRPC INVALID_ARGUMENT.
- ``int``: a whole float becomes an int (1000.0 is 1000); 1000.5, a bool or a string is refused.

A component gets all of this by subclassing ``LandingZoneComponent``.
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing
from typing import Any, ForwardRef

import pulumi
from pulumi.output import Unknown
from pulumi.provider.experimental.analyzer import (
    is_dict,
    is_input,
    is_list,
    is_not_required,
    is_optional,
    is_output,
    is_required,
    unwrap_input,
    unwrap_not_required,
    unwrap_optional,
    unwrap_output,
    unwrap_required,
)
from pulumi.provider.experimental.util import camel_case

KNOWN_AT_PREVIEW = "Must be known at preview"
WHY_KNOWN = "it names, keys or decides what the component declares, so it cannot wait for another resource"

Tags = pulumi.Input[dict[str, pulumi.Input[str]]]
"""Azure tags: only ever copied into resources, so the map or any value may be another resource's output."""


class LandingZoneComponent(pulumi.ComponentResource):
    """A component whose ``__init__(name, args, opts)`` gets its ``args`` checked and coerced first.

    ``args`` is the TypedDict the ``__init__`` annotates, the one the plugin's schema is inferred from."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        # As the analyzer reads it (analyze_component): the annotation as written. Without one (a subclass that
        # hands its args to its parent's ``__init__``), the parent's boundary checks them.
        annotation = inspect.get_annotations(init).get("args")
        if annotation is None:
            return

        @functools.wraps(init)
        def __init__(self, name: str, args: Any, *rest: Any, **options: Any) -> None:
            init(self, name, at_the_boundary(args, _evaluated(annotation, cls.__module__)), *rest, **options)

        cls.__init__ = __init__


def at_the_boundary(value: Any, annotation: Any, path: str = "") -> Any:
    """``value`` as ``annotation`` says: Inputs passed through, plain values checked, integers made whole.

    Containers are copied, never changed in place: the caller's dicts stay theirs."""
    annotation = _unwrap_qualifiers(annotation)
    if value is None:
        return value  # an absent optional; a missing required key is the TypedDict's (and the schema's) to say
    if is_input(annotation) or is_output(annotation):
        if not_known(value):
            return value
        inner = unwrap_input(annotation) if is_input(annotation) else unwrap_output(annotation)
        return at_the_boundary(value, inner, path)
    if not_known(value):
        raise pulumi.InputPropertyError(path, f"must be known at preview: {WHY_KNOWN}")
    if typing.is_typeddict(annotation) and isinstance(value, dict):
        fields = _fields(annotation)
        return {
            k: at_the_boundary(v, fields[k], _key(path, camel_case(k))) if k in fields else v for k, v in value.items()
        }
    if is_list(annotation) and isinstance(value, (list, tuple)):
        (item,) = typing.get_args(annotation) or (Any,)
        return type(value)(at_the_boundary(v, item, f"{path}[{i}]") for i, v in enumerate(value))
    if is_dict(annotation) and isinstance(value, dict):
        _, item = typing.get_args(annotation) or (str, Any)
        return {k: at_the_boundary(v, item, _key(path, k)) for k, v in value.items()}
    if annotation is int:
        try:
            return whole_number(value)
        except (TypeError, ValueError) as e:
            raise pulumi.InputPropertyError(path, str(e)) from None
    return value


def not_known(value: Any) -> bool:
    """An Output (known or not, secret or not), an unknown, or anything still to be awaited."""
    return isinstance(value, (pulumi.Output, Unknown)) or inspect.isawaitable(value)


def whole_number(value: object) -> int:
    """An integer as the annotation says: 1000.0 is 1000; 1000.5, a bool or a string is a mistake worth saying."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a whole number, got {type(value).__name__} {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        return int(value)
    return value


def whole(value: object, field: str) -> int:
    """``whole_number`` for code that renders text from values outside a component's boundary (a policy)."""
    try:
        return whole_number(value)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{field}: {e}") from None


def plain(value: object, field: str) -> str:
    """A string for code that renders text outside a component's boundary: an Output would become the text of a
    warning ("Calling __str__ on an Output[T]")."""
    if not_known(value):
        raise TypeError(f"{field}: must be a plain string, not an Output: it is rendered into text")
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a string, got {type(value).__name__} {value!r}")
    return value


def _unwrap_qualifiers(annotation: Any) -> Any:
    while True:
        if is_not_required(annotation):
            annotation = unwrap_not_required(annotation)
        elif is_required(annotation):
            annotation = unwrap_required(annotation)
        elif is_optional(annotation) and not is_input(annotation):
            annotation = unwrap_optional(annotation)
        else:
            return annotation


@functools.cache
def _fields(typed_dict: type) -> dict[str, Any]:
    """Every key's annotation, inherited ones too (a TypedDict's ``__annotations__`` holds them all)."""
    fields: dict[str, Any] = {}
    for cls in reversed(typed_dict.__mro__):
        fields.update(inspect.get_annotations(cls))
    return {k: _evaluated(v, typed_dict.__module__) for k, v in fields.items()}


def _evaluated(annotation: Any, module: str) -> Any:
    """What a string annotation names (``from __future__ import annotations``; a TypedDict keeps it as a
    ``ForwardRef``), evaluated in its module as ``inspect.get_annotations(eval_str=True)`` does. Only the field's
    own annotation: ``pulumi.Input``'s inner reference to ``Output[T]`` stays as the analyzer expects it."""
    if isinstance(annotation, ForwardRef):
        module, annotation = annotation.__forward_module__ or module, annotation.__forward_arg__
    if isinstance(annotation, str):
        return eval(annotation, vars(sys.modules[module]))
    return annotation


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
