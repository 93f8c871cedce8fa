"""One stack per hub region: a complete, independent Foundry control plane.

Example::

    RegionStack(app, cfg, "westus", shared)   # stack name "fraud-prod-westus"

It reads only the shared stack's outputs, never another region's resources, so
it plans and applies while any other region is down. cdktf turns the references
to ``shared`` into a ``terraform_remote_state`` data source (on the ``cloud``
backend a ``tfe_outputs`` reads the shared workspace's outputs instead) and the
dependency is recorded in ``cdktf.out/manifest.json``: the shared stack, and so
the registry's replica in this region, exists before this region's compute.
"""

from __future__ import annotations

from foundry_constructs.cdk import TerraformOutput
from constructs import Construct

from app.adoption import imports
from app.config import CloudBackend, PlatformConfig
from app.regions import REGIONS
from foundry_constructs.azurerm import data_azurerm_client_config
from foundry_constructs.hcp_workspaces import WorkspaceOutputs
from foundry_constructs.interfaces import HasId
from foundry_constructs.key_events import KeyExpiryAlerts, KeyExpiryProps
from foundry_constructs.observability import (
    DiagnosticTarget,
    key_vault_availability,
    storage_availability,
    workspace_failed_runs,
    workspace_model_deploy_failed,
    workspace_quota_utilization,
    workspace_unusable_nodes,
)
from foundry_constructs.patterns import (
    ENDPOINTS,
    ClusterSpec,
    PrivateNetworkSpec,
    RegionalHub,
    RegionalHubProps,
    RegionalNames,
    Watch,
    Watched,
    WatchProps,
)
from foundry_constructs.release_gate import GuardProps
from stacks.common import PlatformStack, receivers, workspace_name
from stacks.shared import SHARED_OUTPUTS, SharedStack


class RegionStack(PlatformStack):
    def __init__(self, scope: Construct, cfg: PlatformConfig, location: str, shared: SharedStack):
        super().__init__(scope, cfg.namer.stack(location), cfg)
        self.location = location
        self.add_dependency(shared)  # explicit, whatever the references below become
        n = cfg.namer
        client = data_azurerm_client_config.DataAzurermClientConfig(self, "client")
        registry, training_data, cmk_vault = self._from_shared(cfg, shared)
        self.regional = RegionalHub(
            self,
            "regional",
            RegionalHubProps(
                location=location,
                names=RegionalNames(
                    resource_group=n.resource_group(location),
                    storage_account=n.storage_account(location),
                    key_vault=n.key_vault(location),
                    log_analytics=n.log_analytics_workspace(location),
                    insights=n.application_insights(location),
                    hub=n.hub(location),
                ),
                tenant_id=client.tenant_id,
                registry=registry,
                training_data=training_data,
                training_data_secondary=cfg.training_data_secondary_readable,
                projects=tuple((p, n.project(p, location)) for p in cfg.hub.projects),
                clusters=tuple(
                    ClusterSpec(
                        name=c.name,
                        vm_size=c.vm_size,
                        vm_priority=c.vm_priority,
                        min_nodes=c.min_nodes,
                        max_nodes=c.max_nodes,
                        idle_minutes_before_scale_down=c.idle_minutes_before_scale_down,
                    )
                    for c in cfg.clusters(location)
                ),
                hub_storage_replication=cfg.hub_storage_replication(location),
                high_business_impact=cfg.hub.high_business_impact,
                hub_storage_sas_expiration_action=cfg.hub.sas_expiration_action,
                hub_storage_sas_expiration_hours=cfg.hub.sas_expiration_hours,
                replication_gate=self._gate(cfg, location),
                network=self._network(cfg, location),
                cmk_vault=cmk_vault,
                log_retention_days=cfg.monitoring.log_retention_days,
                cmk_operator_principal_id=client.object_id if cfg.encryption.customer_managed_keys else None,
                cmk_identity_name=n.user_assigned_identity("cmk", location),
                cmk_rotation_days=cfg.encryption.key_rotation_days,
                hub_customer_managed_key=cfg.encryption.hub_key,
                operator_ip_ranges=tuple(cfg.network.operator_ip_ranges),
            ),
        )
        adopted = imports(cfg).region_groups.get(location)
        if adopted is not None:  # the team's own resource group: imported, not created (app/adoption.py)
            self.regional.resource_group.import_from(adopted)
        self._watch(cfg, location, client.subscription_id)
        hub = self.regional.hub.hub
        r = self.regional
        TerraformOutput(self, "hub_id", value=hub.id, description="the region's Foundry hub (ARM id)")
        TerraformOutput(self, "hub_discovery_url", value=hub.discovery_url,
                        description="the hub's discovery URL, for SDK clients in this region")
        TerraformOutput(self, "hub_principal_id", value=r.hub.principal_id,
                        description="the hub's system-assigned identity, for role assignments made elsewhere")
        TerraformOutput(self, "project_ids", value={k: p.id for k, p in r.hub.projects.items()},
                        description="the hub's projects by config name (ARM ids)")
        TerraformOutput(self, "compute_cluster_ids", value={k: c.cluster.id for k, c in r.clusters.items()},
                        description="the compute clusters by config name (ARM ids)")
        TerraformOutput(self, "role", value="passive" if cfg.is_passive(location) else "active",
                        description="active or passive: whether this region keeps nodes running outside a failover")
        TerraformOutput(self, "key_vault_id", value=r.key_vault.id,
                        description="the region's key vault (hub secrets, and the hub storage's key with CMK)")
        if r.network is not None:
            TerraformOutput(self, "vnet_id", value=r.network.vnet.id,
                            description="the region's VNet: peer the runners that plan and apply this stack with it")
            TerraformOutput(self, "endpoint_subnet_id", value=r.network.endpoints.id,
                            description="the subnet of the region's private endpoints (NSG: 443 and 445 from the VNet)")

    def _watch(self, cfg: PlatformConfig, location: str, subscription_id: str) -> None:
        """Diagnostics to this region's workspace; alerts on this region's resources, and Service Health
        for every hub region: each region's stack alone sees the other region fail."""
        r, n, t = self.regional, cfg.namer, cfg.monitoring.thresholds
        # the clusters (and their quota) belong to the hub; runs and deployments happen in projects
        hub_metrics = (
            workspace_unusable_nodes(t.unusable_nodes),
            workspace_quota_utilization(t.quota_utilization_percent),
        )
        project_metrics = (workspace_failed_runs(t.failed_runs), workspace_model_deploy_failed())
        watched = [
            Watched(key="hub", target=r.hub, kind=DiagnosticTarget.ML_WORKSPACE, health=True, metrics=hub_metrics),
            Watched(key="key-vault", target=r.key_vault, kind=DiagnosticTarget.KEY_VAULT, health=True,
                    metrics=(key_vault_availability(),)),
            Watched(key="hub-storage", target=r.storage, kind=DiagnosticTarget.STORAGE_ACCOUNT,
                    metrics=(storage_availability(t.storage_availability_percent),)),
        ]
        watched += [
            Watched(key=f"project-{key}", target=project, kind=DiagnosticTarget.ML_WORKSPACE, metrics=project_metrics)
            for key, project in r.hub.projects.items()
        ]
        watch = Watch(self, "watch", WatchProps(
            location=location,
            resource_group=r.resource_group,
            workspace=r.monitoring.workspace,
            action_group_name=n.action_group(location),
            action_group_short_name=n.action_group_short(location),
            subscription_id=subscription_id,
            alert_names=lambda what: n.alert(location, what),
            watched=tuple(watched),
            service_health_locations=tuple(REGIONS[h].display_name for h in cfg.hub_regions),
            service_health_services=tuple(cfg.monitoring.service_health_services),
            **receivers(cfg),
        ))
        if r.keys is not None:
            KeyExpiryAlerts(self, "key-expiry", KeyExpiryProps(
                topic_name=n.event_grid_system_topic("keys", location), vault=r.key_vault, location=location,
                resource_group=r.resource_group, action_group=watch.alerting,
            ))

    def _from_shared(self, cfg: PlatformConfig, shared: SharedStack) -> tuple[HasId, HasId, HasId | None]:
        """The shared registry, training data account and CMK vault, as this stack reads them.

        local, azurerm: cdktf cross-stack references (a ``terraform_remote_state`` of the shared stack's state).
        cloud: the shared workspace's outputs through ``tfe_outputs``, outputs only, never its state file
        (docs/terraform-teams.md, "Cross-stack outputs"); the ids are the shared stack's plain outputs.
        """
        p = shared.platform
        vault = p.keys.vault if p.keys else None
        backend = cfg.backend
        if not isinstance(backend, CloudBackend):
            return p.registry, p.training_data, vault
        outputs = WorkspaceOutputs(self, "shared", hostname=backend.hostname, organization=backend.organization,
                                   workspace=workspace_name(backend, shared.node.id))
        return (outputs.ref(SHARED_OUTPUTS["registry"]), outputs.ref(SHARED_OUTPUTS["training_data"]),
                outputs.ref(SHARED_OUTPUTS["cmk_vault"]) if vault is not None else None)

    @staticmethod
    def _network(cfg: PlatformConfig, location: str) -> PrivateNetworkSpec | None:
        """The region's VNet and private endpoint names, when the config keeps the platform private."""
        if not cfg.network.private:
            return None
        n = cfg.namer
        targets = {
            "registry": cfg.registry_name,
            "training-data": cfg.data_account_name,
            "hub-storage-blob": n.storage_account(location),
            "hub-storage-file": n.storage_account(location),
            "key-vault": n.key_vault(location),
            "hub": n.hub(location),
        }
        if cfg.encryption.customer_managed_keys:
            targets["cmk-vault"] = n.key_vault_shared("cmk")
        if cfg.training_data_secondary_readable:
            targets["training-data-secondary"] = cfg.data_account_name
        return PrivateNetworkSpec(
            vnet_name=n.virtual_network(location),
            nsg_name=n.network_security_group(location, "endpoints"),
            address_space=cfg.address_spaces[location],
            endpoint_names={
                purpose: n.private_endpoint(name, ENDPOINTS[purpose], location) for purpose, name in targets.items()
            },
            registry_hosts=n.registry_hosts(cfg.registry_name, cfg.hub_regions, cfg.registry.regional_endpoints),
        )

    @staticmethod
    def _gate(cfg: PlatformConfig, location: str) -> GuardProps | None:
        """The in-Terraform replication gate, for secondary regions when the config turns it on."""
        gate = cfg.release_gate
        if not gate.enabled or location == cfg.regions.primary or gate.image is None:
            return None
        return GuardProps(
            registry_name=cfg.registry_name,
            region=location,
            image=gate.image,
            timeout_seconds=gate.timeout_seconds,
            interval_seconds=gate.interval_seconds,
        )
