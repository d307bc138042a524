"""KeylessAccess: Entra principals may call one account's models, and nothing more."""

import uuid
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization

from components._inputs import LandingZoneComponent, not_known
from components._options import child_options

OPENAI_USER_ROLE = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
"""Cognitive Services OpenAI User (built-in, the same in every tenant)."""


class PrincipalArgs(TypedDict):
    principal_id: pulumi.Input[str]
    """Entra object ID of a group, service principal or user. It may be another resource's output when ``name`` is
    set; without a name it names the role assignment, so it must be known at preview."""
    name: NotRequired[str]
    """Logical name of the assignment; defaults to the principal ID, so set it when that is an output."""
    principal_type: NotRequired[pulumi.Input[str]]
    """``Group`` (default), ``ServicePrincipal`` or ``User``. Set it: Azure then skips a directory
    lookup that fails for principals created moments ago."""
    description: NotRequired[pulumi.Input[str]]


class KeylessAccessArgs(TypedDict):
    account_id: pulumi.Input[str]
    """ARM ID of the account: the scope, and nothing broader."""
    principals: list[PrincipalArgs]
    role_definition_guid: NotRequired[pulumi.Input[str]]
    """Built-in role GUID; Cognitive Services OpenAI User by default."""


def assignment_name(scope: str, principal_id: str, role_guid: str) -> str:
    """Deterministic, like Bicep's guid(scope, principal, role): re-runs never churn."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope.lower()}|{principal_id.lower()}|{role_guid.lower()}"))


def _role_definition_id(scope: str, role_guid: str) -> str:
    subscription = scope.split("/")[2]
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"


class KeylessAccess(LandingZoneComponent):
    """Role assignments on one Cognitive Services account, one per principal."""

    role_assignment_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: KeylessAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:KeylessAccess", name, None, opts)
        role = pulumi.Output.from_input(args.get("role_definition_guid", OPENAI_USER_ROLE))
        scope = pulumi.Output.from_input(args["account_id"])
        names = []
        for i, p in enumerate(args["principals"]):
            key = p.get("name") or p["principal_id"]
            if not_known(key):
                raise pulumi.InputPropertyError(
                    f"principals[{i}].principalId",
                    f"is an output, so principals[{i}].name must be set: the role assignment's logical name"
                    " defaults to the principal ID and must be known at preview",
                )
            principal = pulumi.Output.from_input(p["principal_id"])
            assignment = authorization.RoleAssignment(
                f"{name}-{key}",
                scope=scope,
                principal_id=principal,
                principal_type=p.get("principal_type", "Group"),
                role_definition_id=pulumi.Output.all(scope, role).apply(lambda sr: _role_definition_id(*sr)),
                role_assignment_name=pulumi.Output.all(scope, principal, role).apply(lambda spr: assignment_name(*spr)),
                description=p.get("description"),
                opts=child_options(self, opts),
            )
            names.append(assignment.name)
        self.role_assignment_names = pulumi.Output.all(*names) if names else pulumi.Output.from_input([])
        self.register_outputs({"roleAssignmentNames": self.role_assignment_names})
