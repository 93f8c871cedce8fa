"""The shared stack: the geo-replicated registry and the training data, in the primary region.

Example::

    shared = SharedStack(app, cfg)   # stack name "fraud-prod-shared"
    shared.platform.registry         # handed to every region stack

Its home is the primary region. While that region is down its resources keep
serving (replicas, the GRS copy) but cannot be reconfigured, so no region stack
ever needs to change anything here to be applied.
"""

from __future__ import annotations

from foundry_constructs.cdk import TerraformOutput
from constructs import Construct

from app.adoption import imports
from app.config import PlatformConfig
from app.regions import region
from foundry_constructs.azurerm import data_azurerm_client_config
from foundry_constructs.key_events import KeyExpiryAlerts, KeyExpiryProps
from foundry_constructs.observability import (
    DiagnosticTarget,
    registry_pull_success_query,
    registry_storage_used,
    storage_availability,
)
from foundry_constructs.patterns import (
    ENDPOINTS,
    CmkSpec,
    PrivateNetworkSpec,
    SharedPlatform,
    SharedPlatformProps,
    TrainingDataSpec,
    Watch,
    Watched,
    WatchProps,
)
from foundry_constructs.registry import Replica
from foundry_constructs.storage import Immutability
from stacks.common import PlatformStack, receivers

# the outputs the region stacks read on the cloud backend (stacks.region, tfe_outputs): plain, not sensitive
SHARED_OUTPUTS = {"registry": "registry_id", "training_data": "training_data_account_id", "cmk_vault": "cmk_vault_id"}


class SharedStack(PlatformStack):
    def __init__(self, scope: Construct, cfg: PlatformConfig):
        super().__init__(scope, cfg.namer.stack("shared"), cfg)
        home = cfg.regions.primary
        td = cfg.training_data
        n = cfg.namer
        cmk = None
        client = data_azurerm_client_config.DataAzurermClientConfig(self, "client")
        if cfg.encryption.customer_managed_keys:
            cmk = CmkSpec(
                vault_name=n.key_vault_shared("cmk"),
                identity_name=n.user_assigned_identity("cmk-shared", home),
                tenant_id=client.tenant_id,
                operator_principal_id=client.object_id,
                rotation_days=cfg.encryption.key_rotation_days,
                registry=cfg.encryption.registry_customer_managed_key,
                operator_ip_ranges=tuple(cfg.network.operator_ip_ranges),
            )
        self.platform = SharedPlatform(
            self,
            "platform",
            SharedPlatformProps(
                location=home,
                resource_group_name=cfg.namer.resource_group(home, purpose="shared"),
                registry_name=cfg.registry_name,
                registry_zone_redundant=cfg.replica_zone_redundant(home),
                replicas=tuple(
                    Replica(location=r, zone_redundant=cfg.replica_zone_redundant(r)) for r in cfg.secondary_regions
                ),
                untagged_retention_days=cfg.registry.untagged_retention_days,
                training_data=TrainingDataSpec(
                    name=cfg.data_account_name,
                    replication=cfg.training_data_replication,
                    container=td.container_name,
                    blob_soft_delete_days=td.blob_soft_delete_days,
                    container_soft_delete_days=td.container_soft_delete_days,
                    point_in_time_restore_days=td.point_in_time_restore_days,
                    version_retention_days=td.version_retention_days,
                    immutability=Immutability(days=td.immutability_days, locked=td.immutability_locked)
                    if td.immutability_days
                    else None,
                    infrastructure_encryption=td.infrastructure_encryption,
                    queue_encryption_key_type=td.queue_encryption_key_type,
                    table_encryption_key_type=td.table_encryption_key_type,
                ),
                cmk=cmk,
                network=self._network(cfg),
                workspace_name=n.log_analytics_workspace(home, purpose="shared"),
                log_retention_days=cfg.monitoring.log_retention_days,
            ),
        )
        self._adopt(cfg)
        self._watch(cfg, client.subscription_id)
        registry = self.platform.registry.registry
        data = self.platform.training_data.account
        TerraformOutput(self, SHARED_OUTPUTS["registry"], value=registry.id, description="the geo-replicated registry (ARM id)")
        TerraformOutput(self, "registry_login_server", value=registry.login_server,
                        description="the registry's global endpoint: pulls go to the nearest serving replica")
        TerraformOutput(self, "registry_replica_regions", value=sorted(cfg.secondary_regions),
                        description="the registry's replica regions (what the release gate waits for)")
        TerraformOutput(self, SHARED_OUTPUTS["training_data"], value=data.id,
                        description="the training data's storage account (ARM id)")
        TerraformOutput(self, "training_data_blob_endpoint", value=data.primary_blob_endpoint,
                        description="where jobs read the training data (Azure AD, through the private endpoints)")
        TerraformOutput(self, "training_data_secondary_region", value=region(home).pair or "",
                        description="where the geo copy lives (the primary's Azure pair)")
        if cfg.training_data_secondary_readable:
            # read-only copy in the pair, readable during a primary outage (jobs retry reads here)
            TerraformOutput(self, "training_data_secondary_blob_endpoint", value=data.secondary_blob_endpoint,
                            description="the read-only copy in the pair, readable while the primary region is down")
        if self.platform.keys is not None:
            TerraformOutput(self, SHARED_OUTPUTS["cmk_vault"], value=self.platform.keys.vault.id,
                            description="the key vault of the training data's key"
                            + (" and the registry's" if cfg.encryption.registry_customer_managed_key else ""))
        if self.platform.network is not None:
            TerraformOutput(self, "operations_vnet_id", value=self.platform.network.vnet.id,
                            description="the operations VNet beside the shared resources: peer the CI runners with it")

    def _adopt(self, cfg: PlatformConfig) -> None:
        """Resources the team already has: an import block each, so the first apply adopts them (app/adoption.py)."""
        found = imports(cfg)
        p = self.platform
        if found.shared_group is not None:
            p.resource_group.import_from(found.shared_group)
        if found.training_data is not None:
            container = {cfg.training_data.container_name: found.training_data_container} \
                if found.training_data_container else {}
            p.training_data.adopt(found.training_data, container_ids=container,
                                  management_policy_id=found.training_data_policy)
        if found.registry is not None:
            p.registry.adopt(found.registry)

    @staticmethod
    def _network(cfg: PlatformConfig) -> PrivateNetworkSpec | None:
        """The operations network beside the shared resources: private endpoints for CI runners and Terraform."""
        if not cfg.network.private:
            return None
        n, home = cfg.namer, cfg.regions.primary
        targets = {"registry": cfg.registry_name, "training-data": cfg.data_account_name}
        if cfg.encryption.customer_managed_keys:
            targets["cmk-vault"] = n.key_vault_shared("cmk")
        return PrivateNetworkSpec(
            vnet_name=n.virtual_network(home, purpose="shared"),
            nsg_name=n.network_security_group(home, "shared-endpoints"),
            address_space=cfg.network.shared_address_space,
            endpoint_names={p: n.private_endpoint(name, ENDPOINTS[p], home, network="shared") for p, name in targets.items()},
            registry_hosts=n.registry_hosts(cfg.registry_name, cfg.hub_regions, cfg.registry.regional_endpoints),
        )

    def _watch(self, cfg: PlatformConfig, subscription_id: str) -> None:
        """Logs of the shared resources go to the shared stack's own workspace: a region's workspace would
        make this stack depend on a region stack (a cycle), and the audit trail stays with the data."""
        p, n, t, home = self.platform, cfg.namer, cfg.monitoring.thresholds, cfg.regions.primary
        watched = [
            Watched(key="registry", target=p.registry, kind=DiagnosticTarget.CONTAINER_REGISTRY, health=True,
                    metrics=(registry_storage_used(),)),
            Watched(key="training-data", target=p.training_data, kind=DiagnosticTarget.STORAGE_ACCOUNT, health=True,
                    metrics=(storage_availability(t.storage_availability_percent),)),
        ]
        if p.keys is not None:
            watched.append(Watched(key="cmk-vault", target=p.keys.vault, kind=DiagnosticTarget.KEY_VAULT, health=True))
        watch = Watch(self, "watch", WatchProps(
            location=home,
            resource_group=p.resource_group,
            workspace=p.workspace,
            action_group_name=n.action_group("shared"),
            action_group_short_name=n.action_group_short("shared"),
            subscription_id=subscription_id,
            alert_names=lambda what: n.alert("shared", what),
            watched=tuple(watched),
            log_alerts=(("registry-pulls",
                         f"Registry pull success below {t.registry_pull_success_percent:g}% in a 15-minute window",
                         registry_pull_success_query(t.registry_pull_success_percent)),),
            **receivers(cfg),
        ))
        if p.keys is not None:
            KeyExpiryAlerts(self, "key-expiry", KeyExpiryProps(
                topic_name=n.event_grid_system_topic("keys", "shared"), vault=p.keys.vault, location=home,
                resource_group=p.resource_group, action_group=watch.alerting,
            ))
