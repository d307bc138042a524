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
