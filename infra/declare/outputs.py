"""The stack outputs app teams read: per team, its endpoints, deployments, quota, gateway and projects."""

from __future__ import annotations

from components import FoundryProject
from infra.declare.gateway import DeclaredGateway
from infra.specs import TeamPlacement
from infra.topology import Topology


def team_outputs(
    team: TeamPlacement,
    topology: Topology,
    accounts: dict[str, dict],
    gateway: DeclaredGateway,
    projects: dict[tuple[str, str], FoundryProject],
) -> dict:
    """What an app team needs to call its models; the shape is in docs/app-teams.md ("Call your models")."""
    specs = [a for a in topology.accounts if a.key in team.accounts]
    # Every account of the team: a model limited to some regions is in the outputs too, once.
    deployments: dict[str, list[str]] = {}
    for d in (d for a in specs for d in a.deployments if d.team == team.name):
        if d.name not in deployments.setdefault(d.model_name, []):
            deployments[d.model_name].append(d.name)
    return {
        "tenancy": team.tenancy,
        "sharedWith": list(team.shared_with),
        "regions": [a.region for a in specs],
        "primaryRegion": next((a.region for a in specs if a.role == "primary"), None),
        "endpoints": {a.region: accounts[a.key]["endpoint"] for a in specs},
        "accountIds": {a.region: accounts[a.key]["id"] for a in specs},
        "accountNames": {a.region: accounts[a.key]["name"] for a in specs},
        "deployments": deployments,
        "tokenQuota": next(
            (
                {"monthlyTokens": c.monthly_tokens, "tokensPerMinute": c.tokens_per_minute, "source": c.quota_source}
                for c in topology.costs
                if c.team == team.name and c.monthly_tokens is not None
            ),
            None,
        ),
        "gatewayUrl": gateway.urls.get(team.group),
        **(
            {
                "aliases": {
                    a.name: [
                        {"deployment": t.deployment, "model": t.model, "version": t.version, "weight": t.weight}
                        for t in a.targets
                    ]
                    for a in topology.aliases
                    if a.team == team.name
                }
            }
            if any(a.team == team.name for a in topology.aliases)
            else {}
        ),
        **(
            {
                "projects": {
                    a.region: {
                        "endpoint": p.endpoint,
                        "id": projects[(a.key, team.name)].project_id,
                        "principalId": projects[(a.key, team.name)].principal_id,
                    }
                    for a in specs
                    for p in a.projects
                    if p.team == team.name
                }
            }
            if any(a.projects for a in specs)
            else {}
        ),
    }
