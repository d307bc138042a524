"""OpenAiGatewayApi: the Azure OpenAI inference API of one account group, with a product per key-using team."""

import re
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import apimanagement

from components._options import child_options, plain
from components.gateway_policy import OPERATIONS, PolicyRoutingArgs, TeamLimitArgs, render_api_policy


class GatewayTeamArgs(TeamLimitArgs):
    subscription_key: NotRequired[bool]
    """The team may call with a subscription key of its own product (the key is never exported)."""


class OpenAiGatewayApiArgs(TypedDict):
    service_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    api_id: str
    path: str
    """Ends in ``openai``: the SDKs append ``/openai/deployments/...`` or ``/openai/v1/...`` to the endpoint."""
    pool_name: pulumi.Input[str]
    pool_size: int
    primary_backend: str
    """``backend-id`` of the priority-1 member: stored responses stay there."""
    failure_count: int
    """Failures that trip a pool member (the circuit breaker's count)."""
    tenant_id: str
    audiences: list[str]
    teams: list[GatewayTeamArgs]


class OpenAiGatewayApi(pulumi.ComponentResource):
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
            api_id=plain(args["api_id"], "api_id"),
            display_name=f"Azure OpenAI ({args['api_id']})",
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
        policy = pulumi.Output.from_input(args["pool_name"]).apply(
            lambda pool: render_api_policy(
                args["tenant_id"],
                args["audiences"],
                PolicyRoutingArgs(
                    pool=pool,
                    pool_size=args["pool_size"],
                    primary_backend=args["primary_backend"],
                    failure_count=args["failure_count"],
                ),
                list(args["teams"]),
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
        for team in args["teams"]:
            plain(team["team"], "teams[].team")  # it names the product, its link and subscription
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
            sid=f"{args['api_id']}-{team}",
            display_name=f"{team} ({args['api_id']})",
            scope=product.id,
            state="active",
            opts=child_options(self, opts, additional_secret_outputs=["primaryKey", "secondaryKey"]),
        )
