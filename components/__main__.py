"""Component provider entry point: Pulumi runs this when another language uses the plugin.

The schema (inputs, outputs, descriptions) is inferred from the components'
TypedDict args and ``pulumi.Output`` annotations.
"""

import sys
from pathlib import Path

# The plugin host runs this folder as a program: make ``components`` importable as a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host  # noqa: E402

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
    component_provider_host(COMPONENTS, name="ai-landing-zone", version="0.1.0")
