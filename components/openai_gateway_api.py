"""OpenAiGatewayApi: the Azure OpenAI inference API of one account group, with a product per key-using team."""

import re
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import apimanagement

from components._inputs import LandingZoneComponent
from components._options import child_options
from components.gateway_policy import OPERATIONS, PolicyRoutingArgs, TeamLimitArgs, render_api_policy


class GatewayTeamArgs(TeamLimitArgs):
    subscription_key: NotRequired[bool]
    """The team may call with a subscription key of its own product (the key is never exported): it decides
    whether the product, its API link and subscription are declared."""


LLM_DIAGNOSTIC_TYPE = "azure-native:apimanagement/v20241001preview:ApiDiagnostic"
"""``service/apis/diagnostics`` at API 2024-10-01-preview, the first whose ARM schema lists ``largeLanguageModel``
(DiagnosticContractProperties; schemas/2024-10-01-preview/Microsoft.ApiManagement.json in
Azure/azure-resource-manager-schemas). azure-native 3.29's ``ApiDiagnostic`` class registers 2024-05-01, which does
not; the provider serves every API version under its versioned token."""


class _ApiDiagnostic(pulumi.CustomResource):
    """azure-native's ``ApiDiagnostic`` under ``LLM_DIAGNOSTIC_TYPE``, with the SDK class's input names."""

    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions):
        super().__init__(LLM_DIAGNOSTIC_TYPE, name, props, opts)


class LlmLogsArgs(TypedDict):
    logger_id: pulumi.Input[str]
    """The service's ``azuremonitor`` logger (``AiGateway.monitor_logger_id``)."""
    messages: NotRequired[bool]
    """Log prompt and completion bodies too (default: token counts and model only)."""
    max_size_in_bytes: NotRequired[int]
    """Bytes of a prompt or completion logged, at most, with ``messages``: 1 to 262144 (default 32768)."""


class OpenAiGatewayApiArgs(TypedDict):
    service_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    api_id: pulumi.Input[str]
    path: pulumi.Input[str]
    """Ends in ``openai``: the SDKs append ``/openai/deployments/...`` or ``/openai/v1/...`` to the endpoint."""
    pool_name: pulumi.Input[str]
    pool_size: int
    """Members of the pool: one member forwards once, more retry across them (the policy's structure)."""
    primary_backend: pulumi.Input[str]
    """``backend-id`` of the priority-1 member: stored responses stay there."""
    failure_count: pulumi.Input[int]
    """Failures that trip a pool member (the circuit breaker's count)."""
    tenant_id: pulumi.Input[str]
    """The Entra tenant whose tokens the policy validates."""
    audiences: list[pulumi.Input[str]]
    """Audiences the policy accepts in a caller's token."""
    teams: list[GatewayTeamArgs]
    llm_logs: NotRequired[LlmLogsArgs]
    """Send the API's language-model logs to Azure Monitor (table ApiManagementGatewayLlmLog); none: not sent."""


class OpenAiGatewayApi(LandingZoneComponent):
    """``apis``, its inference ``operations`` and ``policy``; for each team that uses keys a ``product`` that
    requires a subscription, its API link and the ``subscription``.

    Keyless teams get no product: an API takes at most one open product and every keyless request would run
    as that product's team. The API policy tells teams apart and counts each request once."""

    api_path: pulumi.Output[str]
    policy_xml: pulumi.Output[str]

    def __init__(self, name: str, args: OpenAiGatewayApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:OpenAiGatewayApi", name, None, opts)
        child = child_options(self, opts)
        service, rg = args["service_name"], args["resource_group_name"]
        api = apimanagement.Api(
            name,
            service_name=service,
            resource_group_name=rg,
            api_id=args["api_id"],
            display_name=pulumi.Output.concat("Azure OpenAI (", args["api_id"], ")"),
            path=args["path"],
            protocols=["https"],
            api_type="http",
            # Keyless by default: callers present Entra tokens; teams opt into keys through their product.
            subscription_required=False,
            subscription_key_parameter_names=apimanagement.SubscriptionKeyParameterNamesContractArgs(
                header="api-key", query="subscription-key"
            ),
            opts=child,
        )
        operations = [
            apimanagement.ApiOperation(
                f"{name}-{op_id}",
                service_name=service,
                resource_group_name=rg,
                api_id=api.name,
                operation_id=op_id,
                display_name=display,
                method=method,
                url_template=template,
                template_parameters=[
                    apimanagement.ParameterContractArgs(name=param, type="string", required=True)
                    for param in re.findall(r"\{([a-z-]+)\}", template)
                ],
                opts=child,
            )
            for op_id, display, method, template in OPERATIONS
        ]
        # Rendered once every value in it is known: the tenant, audiences, app IDs and backends may be outputs.
        policy = pulumi.Output.all(
            tenant=args["tenant_id"],
            audiences=args["audiences"],
            pool=args["pool_name"],
            primary=args["primary_backend"],
            failures=args["failure_count"],
            teams=args["teams"],
        ).apply(
            lambda v: render_api_policy(
                v["tenant"],
                v["audiences"],
                PolicyRoutingArgs(
                    pool=v["pool"],
                    pool_size=args["pool_size"],
                    primary_backend=v["primary"],
                    failure_count=v["failures"],
                ),
                list(v["teams"]),
            )
        )
        apimanagement.ApiPolicy(
            name,
            service_name=service,
            resource_group_name=rg,
            api_id=api.name,
            policy_id="policy",
            format="rawxml",
            value=policy,
            opts=child_options(self, opts, depends_on=operations),
        )
        if args.get("llm_logs") is not None:
            self._llm_logs(name, args, api, opts)
        for team in args["teams"]:
            if team.get("subscription_key"):
                self._key_product(name, team["team"], args, api, opts)
        self.api_path = api.path
        self.policy_xml = policy
        self.register_outputs({"apiPath": self.api_path, "policyXml": self.policy_xml})

    def _key_product(self, name: str, team: str, args: OpenAiGatewayApiArgs, api: apimanagement.Api, opts) -> None:
        """A team that also calls with a key: its product on the API and one subscription (keys stay secret)."""
        service, rg, child = args["service_name"], args["resource_group_name"], child_options(self, opts)
        product = apimanagement.Product(
            f"{name}-{team}",
            service_name=service,
            resource_group_name=rg,
            product_id=team,
            display_name=team,
            description=f"Models of team {team}",
            state="published",
            # approvalRequired and subscriptionsLimit are only accepted with subscriptionRequired: true.
            subscription_required=True,
            approval_required=False,
            opts=child,
        )
        apimanagement.ProductApiLink(
            f"{name}-{team}",
            service_name=service,
            resource_group_name=rg,
            product_id=product.name,
            api_link_id=args["api_id"],
            api_id=api.id,
            opts=child,
        )
        apimanagement.Subscription(
            f"{name}-{team}",
            service_name=service,
            resource_group_name=rg,
            sid=pulumi.Output.concat(args["api_id"], "-", team),
            display_name=pulumi.Output.concat(team, " (", args["api_id"], ")"),
            scope=product.id,
            state="active",
            opts=child_options(self, opts, additional_secret_outputs=["primaryKey", "secondaryKey"]),
        )

    def _llm_logs(self, name: str, args: OpenAiGatewayApiArgs, api: apimanagement.Api, opts) -> None:
        """The API's ``azuremonitor`` diagnostic: language-model logs on, bodies only when asked for.

        Token counts and the model are logged with ``logs: enabled``; ``requests``/``responses`` add the prompt and
        completion, and their ``messages`` enum has only ``all``, so bodies stay off by leaving them out
        (LLMDiagnosticSettings, LLMMessageDiagnosticSettings in the 2024-10-01-preview schema;
        learn.microsoft.com/azure/api-management/api-management-howto-llm-logs)."""
        logs = args["llm_logs"]
        llm: dict = {"logs": "enabled"}
        if logs.get("messages"):
            body = {"messages": "all", "maxSizeInBytes": logs.get("max_size_in_bytes", 32_768)}
            llm.update(requests=body, responses=body)
        _ApiDiagnostic(
            f"{name}-llm-logs",
            {
                "serviceName": args["service_name"],
                "resourceGroupName": args["resource_group_name"],
                "apiId": api.name,
                "diagnosticId": "azuremonitor",
                "loggerId": logs["logger_id"],
                # An API's azuremonitor diagnostic also decides its gateway logs: every request, so that
                # ApiManagementGatewayLogs still counts each 429 and 5xx.
                "alwaysLog": "allErrors",
                "sampling": {"samplingType": "fixed", "percentage": 100},
                "largeLanguageModel": llm,
            },
            child_options(self, opts),
        )
