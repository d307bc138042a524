"""OpenAiAccount: one Azure OpenAI / AI Services account, hardened by default."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import cognitiveservices

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options


class NetworkAclsArgs(TypedDict):
    default_action: pulumi.Input[str]
    """``Allow`` or ``Deny``."""
    ip_rules: NotRequired[list[pulumi.Input[str]]]
    """IPv4 addresses or CIDR ranges let through when the default action is Deny."""
    bypass: NotRequired[pulumi.Input[str]]
    """``AzureServices`` (trusted Azure services) or ``None``."""


class OpenAiAccountArgs(TypedDict):
    account_name: pulumi.Input[str]
    """Account name; also the default custom subdomain, so globally unique."""
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    kind: NotRequired[pulumi.Input[str]]
    """``OpenAI`` (default) or ``AIServices``."""
    sku_name: NotRequired[pulumi.Input[str]]
    """``S0`` is the only SKU for OpenAI accounts."""
    custom_subdomain: NotRequired[pulumi.Input[str]]
    """Required for Entra ID auth and private endpoints; defaults to ``account_name``."""
    disable_local_auth: NotRequired[pulumi.Input[bool]]
    """Keys off by default: callers use Entra ID."""
    public_network_access: NotRequired[pulumi.Input[str]]
    """``Enabled`` or ``Disabled`` (default)."""
    network_acls: NotRequired[NetworkAclsArgs]
    protect: NotRequired[bool]
    """Pulumi protect on the account: deleted accounts are soft-deleted, which blocks re-creating the name, and
    fine-tuned models live in the account. Not a CanNotDelete lock: every deployment and content filter would
    inherit it, and removing a model would fail with ScopeLocked. Default off; the landing zone turns it on in
    prod, with a denyAction policy (``Guardrails``) against deletes from outside Pulumi."""
    allow_project_management: NotRequired[pulumi.Input[bool]]
    """AIServices only: the account holds Foundry projects (the Foundry resource)."""
    tags: NotRequired[Tags]


class OpenAiAccount(LandingZoneComponent):
    """A ``Microsoft.CognitiveServices/accounts`` with a system-assigned identity."""

    account_id: pulumi.Output[str]
    """ARM resource ID of the account."""
    account_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    """OpenAI endpoint, e.g. ``https://<subdomain>.openai.azure.com/``."""
    principal_id: pulumi.Output[str]
    """Object ID of the account's system-assigned identity."""

    def __init__(self, name: str, args: OpenAiAccountArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:OpenAiAccount", name, None, opts)
        acls = args.get("network_acls") or {"default_action": "Deny"}
        account = cognitiveservices.Account(
            name,
            account_name=args["account_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            kind=args.get("kind", "OpenAI"),
            sku=cognitiveservices.SkuArgs(name=args.get("sku_name", "S0")),
            identity=cognitiveservices.IdentityArgs(type=cognitiveservices.ResourceIdentityType.SYSTEM_ASSIGNED),
            properties=cognitiveservices.AccountPropertiesArgs(
                custom_sub_domain_name=args.get("custom_subdomain", args["account_name"]),
                disable_local_auth=args.get("disable_local_auth", True),
                allow_project_management=args.get("allow_project_management"),
                public_network_access=args.get("public_network_access", "Disabled"),
                network_acls=cognitiveservices.NetworkRuleSetArgs(
                    default_action=acls["default_action"],
                    bypass=acls.get("bypass", "AzureServices"),
                    ip_rules=[cognitiveservices.IpRuleArgs(value=ip) for ip in acls.get("ip_rules", [])],
                ),
            ),
            tags=args.get("tags"),
            opts=child_options(self, opts, protect=args.get("protect", False)),
        )
        self.account_id = account.id
        self.account_name = account.name
        self.endpoint = account.properties.endpoint
        self.principal_id = account.identity.apply(lambda i: i.principal_id if i else None)
        self.register_outputs(
            {
                "accountId": self.account_id,
                "accountName": self.account_name,
                "endpoint": self.endpoint,
                "principalId": self.principal_id,
            }
        )
