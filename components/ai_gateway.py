"""AiGateway: API Management in front of the model accounts, with its own identity and telemetry."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import apimanagement

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options
from components.account_monitoring import diagnostics_to_workspace


class AiGatewayArgs(TypedDict):
    service_name: pulumi.Input[str]
    """Globally unique: it is the gateway's host name, <name>.azure-api.net."""
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    sku_name: NotRequired[pulumi.Input[str]]
    """StandardV2 (default), BasicV2, Developer, Basic, Standard or Premium."""
    capacity: NotRequired[pulumi.Input[int]]
    publisher_email: pulumi.Input[str]
    publisher_name: pulumi.Input[str]
    virtual_network_type: NotRequired[str]
    """``None`` (default); ``External`` for Standard v2 outbound integration; ``Internal`` for Premium injection.
    It decides whether the service gets a VNet configuration at all."""
    subnet_id: NotRequired[pulumi.Input[str]]
    public_network_access: NotRequired[pulumi.Input[str]]
    """``Enabled`` (default) or ``Disabled``. Azure accepts Disabled only on an existing service with an
    approved private endpoint, so a new gateway is created Enabled and closed in a second deployment."""
    workspace_id: NotRequired[pulumi.Input[str]]
    """Log Analytics workspace for the gateway's logs and metrics; none: no diagnostic setting."""
    app_insights_id: NotRequired[pulumi.Input[str]]
    app_insights_connection_string: NotRequired[pulumi.Input[str]]
    """Workspace-based Application Insights, where the token metrics land; give both or neither."""
    tags: NotRequired[Tags]


class AiGateway(LandingZoneComponent):
    """``Microsoft.ApiManagement/service`` with a system-assigned identity; Application Insights wired in through
    an APIM logger and diagnostic (so token metrics reach it), and its own logs sent to the workspace, with the
    ``azuremonitor`` logger its APIs' LLM logs go through."""

    gateway_url: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    """The gateway's identity: grant it Cognitive Services OpenAI User on every backend account."""
    service_id: pulumi.Output[str]
    service_name: pulumi.Output[str]
    monitor_logger_id: pulumi.Output[str]
    """The ``azuremonitor`` logger, which API diagnostics send LLM logs through; none without ``workspace_id``."""

    def __init__(self, name: str, args: AiGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:AiGateway", name, None, opts)
        child = child_options(self, opts)
        rg, location, tags = args["resource_group_name"], args["location"], args.get("tags")
        network_type = args.get("virtual_network_type", "None")
        service = apimanagement.ApiManagementService(
            name,
            service_name=args["service_name"],
            resource_group_name=rg,
            location=location,
            sku=apimanagement.ApiManagementServiceSkuPropertiesArgs(
                name=args.get("sku_name", "StandardV2"), capacity=args.get("capacity", 1)
            ),
            publisher_email=args["publisher_email"],
            publisher_name=args["publisher_name"],
            identity=apimanagement.ApiManagementServiceIdentityArgs(type="SystemAssigned"),
            virtual_network_type=network_type,
            public_network_access=args.get("public_network_access", "Enabled"),
            virtual_network_configuration=apimanagement.VirtualNetworkConfigurationArgs(
                subnet_resource_id=args["subnet_id"]
            )
            if network_type != "None" and args.get("subnet_id") is not None
            else None,
            tags=tags,
            opts=child,
        )
        if args.get("app_insights_id") is not None and args.get("app_insights_connection_string") is not None:
            logger = apimanagement.Logger(
                f"{name}-insights",
                service_name=service.name,
                resource_group_name=rg,
                logger_id="appinsights",
                logger_type="applicationInsights",
                resource_id=args["app_insights_id"],
                # A secret: never in outputs or state in plain text.
                credentials=pulumi.Output.secret(
                    pulumi.Output.from_input(args["app_insights_connection_string"]).apply(
                        lambda c: {"connectionString": c}
                    )
                ),
                opts=child,
            )
            apimanagement.Diagnostic(
                f"{name}-insights",
                service_name=service.name,
                resource_group_name=rg,
                diagnostic_id="applicationinsights",
                logger_id=logger.id,
                always_log="allErrors",
                verbosity="information",
                metrics=True,  # custom metrics: llm-emit-token-metric needs them
                sampling=apimanagement.SamplingSettingsArgs(sampling_type="fixed", percentage=100),
                opts=child,
            )
        monitor_logger = None
        if args.get("workspace_id") is not None:
            diagnostics_to_workspace(name, service.id, args["workspace_id"], child)
            monitor_logger = _azure_monitor_logger(name, service, rg, child)
        self.gateway_url = service.gateway_url
        self.principal_id = service.identity.apply(lambda i: i.principal_id if i else None)
        self.service_id = service.id
        self.service_name = service.name
        self.monitor_logger_id = monitor_logger.id if monitor_logger else pulumi.Output.from_input(None)
        self.register_outputs(
            {
                "gatewayUrl": self.gateway_url,
                "principalId": self.principal_id,
                "serviceId": self.service_id,
                "serviceName": self.service_name,
                "monitorLoggerId": self.monitor_logger_id,
            }
        )


def _azure_monitor_logger(
    name: str, service: apimanagement.ApiManagementService, rg: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> apimanagement.Logger:
    """The sink of the service's resource logs (its diagnostic setting), as Azure-Samples/AI-Gateway declares it
    (modules/apim/v2/apim.bicep): an API's ``azuremonitor`` diagnostic names it to send its LLM logs there."""
    return apimanagement.Logger(
        f"{name}-monitor",
        service_name=service.name,
        resource_group_name=rg,
        logger_id="azuremonitor",
        logger_type="azureMonitor",
        is_buffered=False,  # as the sample: a request's log is sent when it ends
        opts=opts,
    )
