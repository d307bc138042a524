"""ContentFilter: a custom RAI policy on one account."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import cognitiveservices

from components._inputs import LandingZoneComponent, Tags
from components._options import child_options

# Harm categories as the RAI policy API names them (``selfHarm`` is ``Selfharm``).
HARM_CATEGORIES = {"hate": "Hate", "sexual": "Sexual", "violence": "Violence", "self_harm": "Selfharm"}


class HarmThresholdsArgs(TypedDict):
    """Lowest severity that is filtered per category: ``Low`` (strictest), ``Medium`` or ``High``."""

    hate: NotRequired[pulumi.Input[str]]
    sexual: NotRequired[pulumi.Input[str]]
    violence: NotRequired[pulumi.Input[str]]
    self_harm: NotRequired[pulumi.Input[str]]


class ContentFilterArgs(TypedDict):
    account_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    policy_name: pulumi.Input[str]
    """The name deployments reference as ``raiPolicyName``."""
    base_policy_name: NotRequired[pulumi.Input[str]]
    """Defaults to ``Microsoft.DefaultV2``."""
    mode: NotRequired[pulumi.Input[str]]
    """``Default``, ``Deferred``, ``Blocking`` or ``Asynchronous_filter``."""
    prompt: NotRequired[HarmThresholdsArgs]
    completion: NotRequired[HarmThresholdsArgs]
    jailbreak: NotRequired[pulumi.Input[bool]]
    """Prompt Shields for direct attacks (blocking). Default on."""
    indirect_attack: NotRequired[pulumi.Input[bool]]
    """Prompt Shields for document attacks (blocking). Default off."""
    protected_material: NotRequired[pulumi.Input[bool]]
    """Protected material text and code on completions (blocking). Default on."""
    tags: NotRequired[Tags]


def _filters(args: ContentFilterArgs) -> list[cognitiveservices.RaiPolicyContentFilterArgs]:
    def entry(name: str, source: str, enabled: pulumi.Input[bool] = True, severity: pulumi.Input[str] | None = None):
        return cognitiveservices.RaiPolicyContentFilterArgs(
            name=name, source=source, enabled=enabled, blocking=enabled, severity_threshold=severity
        )

    out = []
    for source in ("Prompt", "Completion"):
        thresholds = args.get(source.lower(), {})  # type: ignore[misc]
        out += [entry(api, source, severity=thresholds.get(key, "Medium")) for key, api in HARM_CATEGORIES.items()]
    out.append(entry("Jailbreak", "Prompt", args.get("jailbreak", True)))
    out.append(entry("Indirect Attack", "Prompt", args.get("indirect_attack", False)))
    protected = args.get("protected_material", True)
    out.append(entry("Protected Material Text", "Completion", protected))
    out.append(entry("Protected Material Code", "Completion", protected))
    return out


class ContentFilter(LandingZoneComponent):
    """A ``Microsoft.CognitiveServices/accounts/raiPolicies``.

    ``policy_name`` is an output of the policy resource: a deployment that uses
    it as ``rai_policy_name`` waits for the policy, which Azure requires.
    """

    policy_name: pulumi.Output[str]
    """The policy's name, to pass as a deployment's ``rai_policy_name``."""

    def __init__(self, name: str, args: ContentFilterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:ContentFilter", name, None, opts)
        self.policy = cognitiveservices.RaiPolicy(
            name,
            account_name=args["account_name"],
            resource_group_name=args["resource_group_name"],
            rai_policy_name=args["policy_name"],
            properties=cognitiveservices.RaiPolicyPropertiesArgs(
                base_policy_name=args.get("base_policy_name", "Microsoft.DefaultV2"),
                mode=args.get("mode", "Default"),
                content_filters=_filters(args),
            ),
            tags=args.get("tags"),
            opts=child_options(self, opts),
        )
        self.policy_name = self.policy.name
        self.register_outputs({"policyName": self.policy_name})
