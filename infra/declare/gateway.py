"""The AI gateway: API Management, its inbound private endpoint, and per account group a pool and an API."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import resources

from components import AiGateway, KeylessAccess, OpenAiBackendPool, OpenAiGatewayApi, PrivateEndpoint
from infra import naming
from infra.config import GATEWAY_DNS_ZONE
from infra.declare.network import DeclaredNetwork
from infra.declare.providers import Providers
from infra.declare.shared_services import SharedServices
from infra.specs import GatewayApi, GatewaySpec
from infra.topology import Topology


@dataclass
class DeclaredGateway:
    urls: dict[str, pulumi.Output[str]]
    """Account group -> the team's gateway URL (``<gateway>/<group>``), as the outputs give it."""
    api_roots: dict[str, pulumi.Output[str]]
    """Account group -> its API's root (``<gateway>/<group>/openai``), what a Foundry connection targets."""
    outputs: dict | None
    """The ``gateway`` stack output; None without a gateway."""


def declare_gateway(
    topology: Topology,
    groups: dict[str, resources.ResourceGroup],
    accounts: dict[str, dict],
    net: DeclaredNetwork,
    shared: SharedServices,
    providers: Providers,
) -> DeclaredGateway:
    """API Management, keyless access to every backend account, a pool and an API per account group."""
    spec = topology.gateway
    if spec is None:
        return DeclaredGateway({}, {}, None)
    gateway = AiGateway(
        "gateway",
        {
            "service_name": spec.name,
            "resource_group_name": groups["platform"].name,
            "location": spec.region,
            "sku_name": spec.sku,
            "capacity": spec.capacity,
            "publisher_email": spec.publisher_email,
            "publisher_name": spec.publisher_name,
            "virtual_network_type": spec.virtual_network_type,
            **({"subnet_id": net.gateway_subnet_ids[spec.region]} if spec.network != "none" else {}),
            # gateway_checks.checks makes monitoring a must; the component would run without it, untraced.
            **(
                {
                    "workspace_id": shared.monitoring.workspace_id,
                    "app_insights_id": shared.monitoring.app_insights_id,
                    "app_insights_connection_string": shared.monitoring.app_insights_connection_string,
                }
                if shared.monitoring is not None
                else {}
            ),
            "public_network_access": spec.public_network_access,
            "tags": topology.tags,
        },
    )
    inbound = None
    if spec.private_endpoint:
        inbound = PrivateEndpoint(
            "gateway-inbound",
            {
                "endpoint_name": spec.private_endpoint_name,
                "resource_group_name": groups["platform"].name,
                "location": spec.region,
                "subnet_id": net.subnet_ids[spec.region],
                "target_id": gateway.service_id,
                "group_id": "Gateway",
                "private_dns_zone_ids": [net.zone_ids[GATEWAY_DNS_ZONE]] if GATEWAY_DNS_ZONE in net.zone_ids else [],
                "tags": topology.tags,
            },
        )
    urls, roots = {}, {}
    for api in spec.apis:
        _declare_api(spec, api, gateway, groups["platform"].name, accounts, providers, shared.monitoring is not None)
        urls[api.group] = pulumi.Output.concat(gateway.gateway_url, "/", api.group)
        roots[api.group] = pulumi.Output.concat(gateway.gateway_url, "/", api.path)
    outputs = {
        "name": spec.name,
        "url": gateway.gateway_url,
        "principalId": gateway.principal_id,
        "apis": {a.group: a.path for a in spec.apis},
        "publicNetworkAccess": spec.public_network_access,
        "privateEndpointId": inbound.private_endpoint_id if inbound else None,
    }
    return DeclaredGateway(urls, roots, outputs)


def _declare_api(
    spec: GatewaySpec,
    api: GatewayApi,
    gateway: AiGateway,
    rg_name: pulumi.Input[str],
    accounts: dict[str, dict],
    providers: Providers,
    monitored: bool,
) -> None:
    """An account group's pool of regional backends (with the gateway's identity on each) and its OpenAI API."""
    for m in api.members:
        KeylessAccess(
            f"gateway-{m.account}",
            {
                "account_id": accounts[m.account]["id"],
                "principals": [
                    {"principal_id": gateway.principal_id, "principal_type": "ServicePrincipal", "name": "gateway"}
                ],
            },
            # The role assignment beside the account it grants, in the account's subscription.
            opts=providers.opts(m.subscription),
        )
    pool = OpenAiBackendPool(
        api.pool,
        {
            "service_name": gateway.service_name,
            "resource_group_name": rg_name,
            "pool_id": api.pool,
            "members": [
                {
                    "backend_id": m.account,
                    "url": pulumi.Output.from_input(accounts[m.account]["endpoint"]).apply(naming.account_openai_url),
                    "priority": m.priority,
                    "weight": m.weight,
                }
                for m in api.members
            ],
            "circuit_breaker": {
                "failure_count": spec.failure_count,
                "interval": spec.interval,
                "trip_duration": spec.trip_duration,
            },
        },
    )
    OpenAiGatewayApi(
        api.group,
        {
            "service_name": gateway.service_name,
            "resource_group_name": rg_name,
            "api_id": api.group,
            "path": api.path,
            # The decided name, known in a first preview, so the policy text is too (the policy pack reads
            # it); the API waits for the pool, whose backends the policy names.
            "pool_name": api.pool,
            "pool_size": len(api.members),
            "primary_backend": api.members[0].account,
            "failure_count": spec.failure_count,
            "tenant_id": spec.tenant_id,
            "audiences": list(spec.audiences),
            "teams": api.team_args(),
            # Through the logger the service's diagnostic setting feeds: none without monitoring.
            **(
                {
                    "llm_logs": {
                        "logger_id": gateway.monitor_logger_id,
                        "messages": spec.llm_messages,
                        "max_size_in_bytes": spec.llm_max_size_in_bytes,
                    }
                }
                if monitored
                else {}
            ),
        },
        opts=pulumi.ResourceOptions(depends_on=[pool]),
    )
