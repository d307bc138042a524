"""OpenAiGatewayApi: the Azure OpenAI inference API of one account group, with a product per team."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import apimanagement

from components.gateway_policy import TeamLimitArgs, render_api_policy, render_product_policy

# The inference operations; the deployment name is in the path, which is why
# every pool member must hold the same deployment names.
OPERATIONS = (
    ("chat-completions", "Chat completions", "/deployments/{deployment-id}/chat/completions"),
    ("completions", "Completions", "/deployments/{deployment-id}/completions"),
    ("embeddings", "Embeddings", "/deployments/{deployment-id}/embeddings"),
    ("responses", "Responses", "/deployments/{deployment-id}/responses"),
)


class GatewayTeamArgs(TeamLimitArgs):
    subscription_key: NotRequired[bool]
    """Also require the team's subscription key (its value is never exported)."""


class OpenAiGatewayApiArgs(TypedDict):
    service_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    api_id: str
    path: str
    """Ends in ``openai``: the SDKs append ``/openai/deployments/...`` to the endpoint."""
    pool_name: pulumi.Input[str]
    pool_size: int
    tenant_id: str
    audiences: list[str]
    teams: list[GatewayTeamArgs]


class OpenAiGatewayApi(pulumi.ComponentResource):
    """``apis``, its inference ``operations`` and ``policy``; per team a ``product``, its API link, policy and,
    when asked, a ``subscription``."""

    api_path: pulumi.Output[str]
    policy_xml: pulumi.Output[str]

    def __init__(self, name: str, args: OpenAiGatewayApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:OpenAiGatewayApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        service, rg = args["service_name"], args["resource_group_name"]
        api = apimanagement.Api(
            name,
            service_name=service,
            resource_group_name=rg,
            api_id=args["api_id"],
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
                method="POST",
                url_template=template,
                template_parameters=[
                    apimanagement.ParameterContractArgs(name="deployment-id", type="string", required=True)
                ],
                opts=child,
            )
            for op_id, display, template in OPERATIONS
        ]
        policy = pulumi.Output.from_input(args["pool_name"]).apply(
            lambda pool: render_api_policy(
                args["tenant_id"], args["audiences"], pool, args["pool_size"], list(args["teams"])
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
            opts=pulumi.ResourceOptions(parent=self, depends_on=operations),
        )
        for team in args["teams"]:
            product = apimanagement.Product(
                f"{name}-{team['team']}",
                service_name=service,
                resource_group_name=rg,
                product_id=team["team"],
                display_name=team["team"],
                description=f"Models of team {team['team']}",
                state="published",
                subscription_required=team.get("subscription_key", False),
                approval_required=False,
                opts=child,
            )
            apimanagement.ProductApiLink(
                f"{name}-{team['team']}",
                service_name=service,
                resource_group_name=rg,
                product_id=product.name,
                api_link_id=args["api_id"],
                api_id=api.id,
                opts=child,
            )
            apimanagement.ProductPolicy(
                f"{name}-{team['team']}",
                service_name=service,
                resource_group_name=rg,
                product_id=product.name,
                policy_id="policy",
                format="rawxml",
                value=render_product_policy(team),
                opts=child,
            )
            if team.get("subscription_key"):
                apimanagement.Subscription(
                    f"{name}-{team['team']}",
                    service_name=service,
                    resource_group_name=rg,
                    sid=f"{args['api_id']}-{team['team']}",
                    display_name=f"{team['team']} ({args['api_id']})",
                    scope=product.id,
                    state="active",
                    opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["primaryKey", "secondaryKey"]),
                )
        self.api_path = api.path
        self.policy_xml = policy
        self.register_outputs({"apiPath": self.api_path, "policyXml": self.policy_xml})
