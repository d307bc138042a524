"""Component provider entry point: Pulumi runs this when another language uses the plugin.

The schema (inputs, outputs, descriptions) is inferred from the components'
TypedDict args and ``pulumi.Output`` annotations; ``_provider.py`` says which
inputs must be known at preview and leaves the inputs to each component's boundary.
"""

import sys
from pathlib import Path

# The plugin host runs this folder as a program: make ``components`` importable as a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider import main  # noqa: E402

from components import (  # noqa: E402
    AccountMonitoring,
    AiGateway,
    AlertActionGroup,
    ContentFilter,
    FoundryProject,
    Guardrails,
    KeylessAccess,
    ModelDeployments,
    Monitoring,
    Network,
    OpenAiAccount,
    OpenAiBackendPool,
    OpenAiGatewayApi,
    PrivateDns,
    PrivateEndpoint,
    TeamBudget,
)
from components._provider import LandingZoneProvider  # noqa: E402

COMPONENTS = [
    OpenAiAccount,
    ContentFilter,
    ModelDeployments,
    KeylessAccess,
    Network,
    PrivateDns,
    PrivateEndpoint,
    TeamBudget,
    AlertActionGroup,
    AiGateway,
    OpenAiBackendPool,
    OpenAiGatewayApi,
    Monitoring,
    AccountMonitoring,
    Guardrails,
    FoundryProject,
]

if __name__ == "__main__":
    # The engine's address and flags, as ``component_provider_host`` passes them on.
    main(LandingZoneProvider(COMPONENTS, "ai-landing-zone", "0.1.0"), sys.argv[1:])
