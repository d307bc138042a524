"""Guardrails: Azure Policy that keeps accounts keyless, private, identified, logged, and on approved models."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization

from components._inputs import LandingZoneComponent
from components._options import child_options

# Built-in definitions (same IDs in every tenant), from the Azure Policy built-ins for Azure AI services
# (learn.microsoft.com/azure/ai-services/policy-reference; github.com/Azure/azure-policy, "Azure Ai Services").
BUILT_IN = {
    "keyless": ("71ef260a-8f18-47b7-abcb-62d0673d94dc", "Azure AI Services resources should have key access disabled"),
    "network": ("037eea7a-bd0a-46c5-9a66-03aea78705d3", "Azure AI Services resources should restrict network access"),
    "identity": ("fe3fd216-4f83-4fc1-8984-2bbec80a3418", "Cognitive Services accounts should use a managed identity"),
    "diagnostics": (
        "1b4d1c4e-934c-4703-944c-27c82c06bebb",
        "Diagnostic logs in Azure AI services resources should be enabled",
    ),
}
# The diagnostics definition can only audit: AuditIfNotExists or Disabled.
AUDIT_ONLY = {"diagnostics": "AuditIfNotExists"}
DEPLOYMENT_TYPE = "Microsoft.CognitiveServices/accounts/deployments"
ACCOUNT_TYPE = "Microsoft.CognitiveServices/accounts"


class GuardrailsArgs(TypedDict):
    definition_name: pulumi.Input[str]
    """Name of the custom allowed-models definition (in the subscription)."""
    scopes: dict[str, pulumi.Input[str]]
    """Assignment key -> resource group (or subscription) ID to assign every policy at. The keys name the
    assignment resources."""
    effect: pulumi.Input[str]
    """``Audit`` or ``Deny``."""
    approved_models: dict[str, list[str]]
    """Model name -> approved versions: the structure of the policy rule."""
    protect_accounts: NotRequired[pulumi.Input[str]]
    """Name of a denyAction definition that blocks deleting the accounts (not their deployments); none if unset."""


def allowed_models_rule(approved: dict[str, list[str]]) -> dict:
    """Deny (or audit) deployments whose model name and version are not on the approved list."""
    return {
        "if": {
            "allOf": [
                {"field": "type", "equals": DEPLOYMENT_TYPE},
                {
                    "not": {
                        "anyOf": [
                            {
                                "allOf": [
                                    {"field": f"{DEPLOYMENT_TYPE}/model.name", "equals": name},
                                    {"field": f"{DEPLOYMENT_TYPE}/model.version", "in": versions},
                                ]
                            }
                            for name, versions in sorted(approved.items())
                        ]
                    }
                },
            ]
        },
        "then": {"effect": "[parameters('effect')]"},
    }


def deny_account_delete_rule() -> dict:
    """Block DELETE on accounts, including through a resource group delete.

    A denyAction on a parent does not protect nor block its children: deleting a deployment or a content
    filter still works, which a CanNotDelete lock (inherited by every child) would refuse with ScopeLocked.
    """
    return {
        "if": {"field": "type", "equals": ACCOUNT_TYPE},
        "then": {
            "effect": "denyAction",
            "details": {"actionNames": ["delete"], "cascadeBehaviors": {"resourceGroup": "deny"}},
        },
    }


class Guardrails(LandingZoneComponent):
    """A custom ``policyDefinitions`` for approved models and ``policyAssignments`` of it and the built-ins."""

    definition_id: pulumi.Output[str]

    def __init__(self, name: str, args: GuardrailsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:Guardrails", name, None, opts)
        child = child_options(self, opts)
        definition = authorization.PolicyDefinition(
            name,
            policy_definition_name=args["definition_name"],
            display_name="AI landing zone: only approved model versions",
            description="Generated from the landing zone's model catalog: deployments of other models or retired"
            " versions are denied (or audited).",
            policy_type="Custom",
            mode="All",
            metadata={"category": "Cognitive Services"},
            parameters={
                "effect": authorization.ParameterDefinitionsValueArgs(
                    type="String", allowed_values=["Audit", "Deny", "Disabled"], default_value="Audit"
                )
            },
            policy_rule=allowed_models_rule(args["approved_models"]),
            opts=child,
        )
        # key -> (definition ID, display name, effect parameter or None when the rule has its own effect)
        assigned: dict[str, tuple[pulumi.Input[str], str, str | None]] = {
            key: (
                f"/providers/Microsoft.Authorization/policyDefinitions/{guid}",
                display,
                AUDIT_ONLY.get(key, args["effect"]),
            )
            for key, (guid, display) in BUILT_IN.items()
        }
        assigned["approved-models"] = (definition.id, "AI landing zone: only approved model versions", args["effect"])
        if args.get("protect_accounts"):
            no_delete = authorization.PolicyDefinition(
                f"{name}-no-account-delete",
                policy_definition_name=args["protect_accounts"],
                display_name="AI landing zone: accounts cannot be deleted",
                description="denyAction on DELETE of Cognitive Services accounts (their deployments stay removable).",
                policy_type="Custom",
                # cascadeBehaviors is only honoured in Indexed mode.
                mode="Indexed",
                metadata={"category": "Cognitive Services"},
                policy_rule=deny_account_delete_rule(),
                opts=child,
            )
            assigned["no-account-delete"] = (no_delete.id, "AI landing zone: accounts cannot be deleted", None)
        for scope_key, scope in args["scopes"].items():
            for key, (definition_id, display, effect) in assigned.items():
                authorization.PolicyAssignment(
                    f"{name}-{scope_key}-{key}",
                    policy_assignment_name=f"alz-{key}",
                    scope=scope,
                    policy_definition_id=definition_id,
                    display_name=display,
                    enforcement_mode="Default",
                    parameters={"effect": authorization.ParameterValuesValueArgs(value=effect)} if effect else None,
                    opts=child,
                )
        self.definition_id = definition.id
        self.register_outputs({"definitionId": self.definition_id})
