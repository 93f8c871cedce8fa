"""A region's Log Analytics workspace and the workspace-based Application Insights on it.

Example::

    RegionalMonitoring(stack, "monitoring", MonitoringProps(
        workspace_name="log-fraud-prod-eus", insights_name="appi-fraud-prod-eus",
        location="eastus", resource_group=rg,
    ))

Each region logs to its own workspace so that losing one region never blinds
the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from foundry_constructs.azurerm import application_insights, log_analytics_workspace, resource_group


@dataclass(frozen=True, kw_only=True)
class MonitoringProps:
    workspace_name: str
    insights_name: str
    location: str
    resource_group: resource_group.ResourceGroup
    retention_days: int = 90


class RegionalMonitoring(Construct):
    """``.workspace`` (Log Analytics) and ``.insights`` (Application Insights)."""

    def __init__(self, scope: Construct, id: str, props: MonitoringProps):
        super().__init__(scope, id)
        self.workspace = log_analytics_workspace.LogAnalyticsWorkspace(
            self,
            "workspace",
            name=props.workspace_name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            sku="PerGB2018",
            retention_in_days=props.retention_days,
            local_authentication_enabled=False,  # Entra ID only: no workspace shared keys for ingestion or queries
        )
        self.insights = application_insights.ApplicationInsights(
            self,
            "insights",
            name=props.insights_name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            application_type="web",
            workspace_id=self.workspace.id,
            retention_in_days=props.retention_days,
        )
