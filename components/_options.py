"""How a component's children are declared, the same way in every component."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def child_options(
    parent: pulumi.Resource,
    opts: pulumi.ResourceOptions | None,
    depends_on: Sequence[pulumi.Resource] = (),
    **options,
) -> pulumi.ResourceOptions:
    """Parented to the component, and waiting for what the component was told to wait for.

    Children inherit a component's provider and protect, not its ``depends_on``: without passing it on, a
    caller's "after X" would hold back only the component's own (empty) registration.
    """
    waits = [*((opts.depends_on or []) if opts else []), *depends_on]
    return pulumi.ResourceOptions(parent=parent, depends_on=waits or None, **options)


def whole(value: object, field: str) -> int:
    """An integer input as the annotation says. Over the component plugin every number arrives as a float
    (protobuf's Struct has no integers): 1000.0 is 1000; 1000.5 is a mistake worth saying."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field}: expected a whole number, got {type(value).__name__} {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{field}: expected a whole number, got {value!r}")
        return int(value)
    return value


def plain(value: object, field: str) -> str:
    """Names and keys are decided before deployment: they make URNs and Azure names, so they are plain strings.
    An Output here (any generated SDK can pass one) would otherwise become the text of a warning."""
    if isinstance(value, pulumi.Output):
        raise TypeError(f"{field}: must be a plain string, not an Output: names are known before deployment")
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a string, got {type(value).__name__} {value!r}")
    return value
