"""An explicit azure-native provider per subscription that holds accounts besides the stack's own.

azure-native creates every resource in its provider's subscription. The stack's own subscription keeps the default
provider (configured by ``azure-native:subscriptionId``): resources already there keep theirs, and nothing of an
existing stack changes. A component given a provider hands it to every child (``parent=self``)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from infra.topology import Topology


@dataclass
class Providers:
    by_subscription: dict[str, azure_native.Provider]

    def opts(self, subscription: str | None, **kwargs) -> pulumi.ResourceOptions:
        """Options that place a resource (or a component and its children) in ``subscription`` (None: the stack's)."""
        if subscription is None:
            return pulumi.ResourceOptions(**kwargs)
        return pulumi.ResourceOptions(providers=[self.by_subscription[subscription]], **kwargs)


def declare_providers(topology: Topology) -> Providers:
    return Providers(
        {sub: azure_native.Provider(f"subscription-{sub}", subscription_id=sub) for sub in topology.subscriptions}
    )
