"""An app team's stack: read the landing zone's outputs and point a web app at the team's models.

Keyless: the app calls Azure OpenAI with its managed identity. Add that identity
(the ``appPrincipalId`` output) to the team's Entra group listed in the team file,
which holds Cognitive Services OpenAI User on the team's accounts.
"""

import pulumi
from pulumi_azure_native import resources, web

config = pulumi.Config()
team_name = config.require("team")
model = config.require("model")
landing_zone = pulumi.StackReference(config.require("landingZoneStack"))


def pick(teams: dict) -> dict:
    """The team's primary endpoint and the deployment serving ``model``, or a clear error."""
    team = teams.get(team_name)
    if team is None:
        raise pulumi.RunError(f"team {team_name!r} is not in the landing zone (teams: {', '.join(sorted(teams))})")
    names = team["deployments"].get(model)
    if not names:
        raise pulumi.RunError(
            f"team {team_name!r} has no deployment of {model!r} (has: {', '.join(team['deployments'])})"
        )
    endpoint = team.get("gatewayUrl") or team["endpoints"][team["primaryRegion"]]
    return {"endpoint": endpoint, "deployment": names[0]}


target = landing_zone.require_output("teams").apply(pick)

rg = resources.ResourceGroup("app")
plan = web.AppServicePlan(
    "app",
    resource_group_name=rg.name,
    kind="linux",
    reserved=True,
    sku=web.SkuDescriptionArgs(name="B1", tier="Basic"),
)
app = web.WebApp(
    "app",
    resource_group_name=rg.name,
    server_farm_id=plan.id,
    https_only=True,
    identity=web.ManagedServiceIdentityArgs(type=web.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
    site_config=web.SiteConfigArgs(
        linux_fx_version="PYTHON|3.12",
        ftps_state=web.FtpsState.DISABLED,
        app_settings=[
            web.NameValuePairArgs(name="AZURE_OPENAI_ENDPOINT", value=target["endpoint"]),
            web.NameValuePairArgs(name="AZURE_OPENAI_DEPLOYMENT", value=target["deployment"]),
            # No key setting: the SDK's DefaultAzureCredential uses the app's identity.
        ],
    ),
)

pulumi.export("appUrl", app.default_host_name.apply(lambda host: f"https://{host}"))
pulumi.export("appPrincipalId", app.identity.apply(lambda i: i.principal_id if i else None))
pulumi.export("openAiEndpoint", target["endpoint"])
pulumi.export("openAiDeployment", target["deployment"])
