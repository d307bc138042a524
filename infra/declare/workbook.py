"""The chargeback workbook (``infra.workbook``), beside the workspace it reads, in the platform resource group."""

from __future__ import annotations

import json

import pulumi
from pulumi_azure_native import applicationinsights, resources

from infra import workbook
from infra.declare.shared_services import SharedServices
from infra.topology import Topology

PORTAL = "https://portal.azure.com/#@/resource"
"""A resource's portal blade by its ARM ID; the tenant after ``#@`` may stay empty (the portal picks the signed-in
one), which keeps the URL free of a tenant lookup and known at plan time."""


def declare_workbook(topology: Topology, groups: dict[str, resources.ResourceGroup], shared: SharedServices) -> None:
    """The workbook and its stack output ``workbook: {name, url}``; none without a gateway or monitoring, whose
    logs it reads.

    ``Microsoft.Insights/workbooks``: kind "shared" ("Only valid value is shared"), its name a UUID, category
    "workbook" (the gallery it shows under), ``sourceId`` the resource it belongs to: learn.microsoft.com/azure/
    templates/microsoft.insights/workbooks and learn.microsoft.com/azure/azure-monitor/visualize/
    resource-manager-workbooks."""
    if topology.gateway is None or shared.monitoring is None:
        return
    name = workbook.workbook_name(topology)
    workspace_id = shared.monitoring.workspace_id
    book = applicationinsights.Workbook(
        "chargeback-workbook",
        resource_name_=name,
        resource_group_name=groups["platform"].name,
        location=topology.location,
        kind=applicationinsights.WorkbookSharedTypeKind.SHARED,
        category="workbook",
        display_name=workbook.display_name(topology),
        serialized_data=workspace_id.apply(lambda ws: json.dumps(workbook.serialized_data(topology, ws))),
        source_id=workspace_id,
        version="Notebook/1.0",
        tags=topology.tags,
    )
    pulumi.export("workbook", {"name": name, "url": pulumi.Output.concat(PORTAL, book.id, "/workbook")})
