"""Foundry projects: one per team on every account that holds its deployments, connected to the gateway."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import resources

from components import FoundryProject, ModelDeployments
from infra.declare.gateway import DeclaredGateway
from infra.declare.providers import Providers
from infra.topology import Topology


def declare_projects(
    topology: Topology,
    groups: dict[str, resources.ResourceGroup],
    accounts: dict[str, dict],
    deployments: dict[str, ModelDeployments],
    gateway: DeclaredGateway,
    providers: Providers,
) -> dict[tuple[str, str], FoundryProject]:
    """A Foundry project per team on every account that holds its deployments, connected to the gateway."""
    out = {}
    for spec in topology.accounts:
        # Projects are children of the account like deployments, and meet the same "another operation is being
        # performed on the parent resource" conflict: one write at a time per account, after the deployments.
        previous: pulumi.Resource = deployments[spec.key]
        for p in spec.projects:
            url = gateway.api_roots.get(spec.group)
            mine = [d for d in spec.deployments if d.team == p.team]
            out[(spec.key, p.team)] = FoundryProject(
                f"{spec.key}-{p.name}",
                {
                    "account_name": accounts[spec.key]["name"],
                    "account_id": accounts[spec.key]["id"],
                    "resource_group_name": groups[spec.resource_group].name,
                    "location": spec.region,
                    "project_name": p.name,
                    "description": f"ai-landing-zone: {p.team}'s project",
                    "principals": [
                        {
                            "principal_id": a.principal_id,
                            "principal_type": a.principal_type,
                            "description": f"ai-landing-zone: Azure AI User on {p.team}'s project",
                        }
                        for a in spec.access
                        if p.team in a.teams
                    ],
                    **(
                        {
                            "gateway": {
                                # The gateway API's root: the connection appends /deployments/{name}/...
                                "target": url,
                                "audience": p.gateway_audience,
                                "deployments": [
                                    {
                                        "name": d.name,
                                        "model": d.model_name,
                                        "version": d.model_version,
                                        "format": d.model_format,
                                    }
                                    for d in mine
                                ],
                            }
                        }
                        if url is not None and p.gateway_audience is not None
                        else {}
                    ),
                    "tags": {**spec.tags, "team": p.team},
                },
                opts=providers.opts(spec.subscription, depends_on=[previous]),
            )
            previous = out[(spec.key, p.team)]
    return out
