"""Reusable ai-landing-zone components.

Each is a ``LandingZoneComponent`` (a ``pulumi.ComponentResource``) with TypedDict args, so the same
component can be exposed to other languages through a component provider, its inputs checked at the boundary.
"""

from components.account_monitoring import AccountMonitoring, AccountMonitoringArgs, AlertThresholdsArgs, RolloutArgs
from components.ai_gateway import AiGateway, AiGatewayArgs
from components.alert_action_group import AlertActionGroup, AlertActionGroupArgs
from components.content_filter import ContentFilter, ContentFilterArgs, HarmThresholdsArgs
from components.foundry_project import FoundryProject, FoundryProjectArgs, GatewayConnectionArgs, GatewayDeploymentArgs
from components.guardrails import Guardrails, GuardrailsArgs
from components.keyless_access import KeylessAccess, KeylessAccessArgs, PrincipalArgs
from components.model_deployments import ModelDeploymentArgs, ModelDeployments, ModelDeploymentsArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs, SecurityRuleArgs, SubnetArgs
from components.openai_account import NetworkAclsArgs, OpenAiAccount, OpenAiAccountArgs
from components.openai_backend_pool import CircuitBreakerArgs, OpenAiBackendPool, OpenAiBackendPoolArgs, PoolMemberArgs
from components.openai_gateway_api import GatewayTeamArgs, OpenAiGatewayApi, OpenAiGatewayApiArgs
from components.private_dns import PrivateDns, PrivateDnsArgs
from components.private_endpoint import PrivateEndpoint, PrivateEndpointArgs
from components.team_budget import NotificationArgs, TeamBudget, TeamBudgetArgs

__all__ = [
    "FoundryProject",
    "FoundryProjectArgs",
    "GatewayConnectionArgs",
    "GatewayDeploymentArgs",
    "AccountMonitoring",
    "AccountMonitoringArgs",
    "AlertThresholdsArgs",
    "RolloutArgs",
    "Guardrails",
    "GuardrailsArgs",
    "Monitoring",
    "MonitoringArgs",
    "AiGateway",
    "AiGatewayArgs",
    "CircuitBreakerArgs",
    "GatewayTeamArgs",
    "OpenAiBackendPool",
    "OpenAiBackendPoolArgs",
    "OpenAiGatewayApi",
    "OpenAiGatewayApiArgs",
    "PoolMemberArgs",
    "SecurityRuleArgs",
    "AlertActionGroup",
    "AlertActionGroupArgs",
    "NotificationArgs",
    "TeamBudget",
    "TeamBudgetArgs",
    "ContentFilter",
    "ContentFilterArgs",
    "HarmThresholdsArgs",
    "KeylessAccess",
    "KeylessAccessArgs",
    "ModelDeploymentArgs",
    "ModelDeployments",
    "ModelDeploymentsArgs",
    "Network",
    "NetworkAclsArgs",
    "NetworkArgs",
    "OpenAiAccount",
    "OpenAiAccountArgs",
    "PrincipalArgs",
    "PrivateDns",
    "PrivateDnsArgs",
    "PrivateEndpoint",
    "PrivateEndpointArgs",
    "SubnetArgs",
]
