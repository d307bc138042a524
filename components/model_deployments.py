"""ModelDeployments: every model deployment of one account, one at a time."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import cognitiveservices

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options


class ModelDeploymentArgs(TypedDict):
    name: str
    """Deployment name; the OpenAI API path carries it, and it names the deployment resource."""
    model_name: pulumi.Input[str]
    model_version: pulumi.Input[str]
    model_format: NotRequired[pulumi.Input[str]]
    """``OpenAI`` by default."""
    sku_name: pulumi.Input[str]
    """Deployment type: Standard, GlobalStandard, DataZoneStandard, ProvisionedManaged,
    GlobalProvisionedManaged or DataZoneProvisionedManaged."""
    capacity: pulumi.Input[int]
    """Thousands of tokens per minute for standard types; PTUs for provisioned types."""
    version_upgrade_option: NotRequired[pulumi.Input[str]]
    """``OnceCurrentVersionExpired`` by default."""
    tags: NotRequired[Tags]
    """e.g. the owning team, for cost views and policy."""
    rai_policy_name: NotRequired[pulumi.Input[str]]
    """Content filter, ``Microsoft.DefaultV2`` by default.

    Pass ``ContentFilter.policy_name`` so that the policy exists first."""
    spillover_deployment_name: NotRequired[pulumi.Input[str]]
    """Provisioned only: the standard deployment on this account that serves what this one would throttle.
    List it before this deployment, so that it exists first."""
    import_id: NotRequired[str]
    """The Azure ID of a deployment that already exists: the next ``pulumi up`` imports it instead of creating
    it (Pulumi's ``import`` option). Drop it once imported."""


class ModelDeploymentsArgs(TypedDict):
    account_name: pulumi.Input[str]
    """Pass ``OpenAiAccount.name``, or a plain name for an account that already exists."""
    resource_group_name: pulumi.Input[str]
    deployments: list[ModelDeploymentArgs]


class ModelDeployments(LandingZoneComponent):
    """``Microsoft.CognitiveServices/accounts/deployments`` of one account.

    Azure rejects concurrent deployment operations on one account
    (``RequestConflict: Another operation is being performed on the parent
    resource``), so each deployment waits for the previous one. Only this
    account's deployments are chained; other accounts deploy in parallel.
    """

    names: pulumi.Output[list[str]]
    """Deployment names, in deployment order. To wait for every deployment, depend on the component itself."""

    def __init__(self, name: str, args: ModelDeploymentsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:ModelDeployments", name, None, opts)
        previous: cognitiveservices.Deployment | None = None
        for spec in args["deployments"]:
            deployment = spec["name"]
            previous = cognitiveservices.Deployment(
                f"{name}-{deployment}",
                account_name=args["account_name"],
                resource_group_name=args["resource_group_name"],
                deployment_name=deployment,
                sku=cognitiveservices.SkuArgs(name=spec["sku_name"], capacity=spec["capacity"]),
                properties=cognitiveservices.DeploymentPropertiesArgs(
                    model=cognitiveservices.DeploymentModelArgs(
                        format=spec.get("model_format", "OpenAI"),
                        name=spec["model_name"],
                        version=spec["model_version"],
                    ),
                    version_upgrade_option=spec.get("version_upgrade_option", "OnceCurrentVersionExpired"),
                    rai_policy_name=spec.get("rai_policy_name", "Microsoft.DefaultV2"),
                    spillover_deployment_name=spec.get("spillover_deployment_name"),
                ),
                tags=spec.get("tags"),
                opts=child_options(
                    self,
                    opts,
                    depends_on=[previous] if previous else (),
                    import_=spec.get("import_id") or None,
                ),
            )
        self.names = pulumi.Output.from_input([d["name"] for d in args["deployments"]])
        self.register_outputs({"names": self.names})
