"""Patterns: what the regions share, and one region's complete hub.

Example::

    shared = SharedPlatform(stack, "platform", SharedPlatformProps(...))
    RegionalHub(region_stack, "hub", RegionalHubProps(..., registry=shared.registry,
                                                      training_data=shared.training_data))

A stack composes one of these; each pattern composes resource constructs and
wires the dependencies the platform relies on: storage and registry exist
before any hub (the hub references both), compute exists after its hub, and
every identity reads through Azure RBAC.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from foundry_constructs.azurerm import resource_group
from foundry_constructs.compute import ClusterProps, ComputeCluster
from foundry_constructs.hub import FoundryHub, HubProps
from foundry_constructs.interfaces import Grant, HasId
from foundry_constructs.key_vault import KeyVaultProps, ProtectedKeyVault
from foundry_constructs.monitoring import MonitoringProps, RegionalMonitoring
from foundry_constructs.registry import GeoReplicatedRegistry, RegistryProps, Replica
from foundry_constructs.release_gate import GuardProps, ReplicationGuard
from foundry_constructs.storage import ProtectedStorageAccount, StorageProps

ACR_PULL = "AcrPull"
BLOB_READER = "Storage Blob Data Reader"


@dataclass(frozen=True, kw_only=True)
class TrainingDataSpec:
    """The shared training-data account."""

    name: str
    replication: str = "GRS"
    container: str = "datasets"
    blob_soft_delete_days: int = 30
    container_soft_delete_days: int = 30
    point_in_time_restore_days: int = 14


@dataclass(frozen=True, kw_only=True)
class SharedPlatformProps:
    location: str
    resource_group_name: str
    registry_name: str
    registry_zone_redundant: bool = True
    replicas: tuple[Replica, ...] = ()
    untagged_retention_days: int = 7
    training_data: TrainingDataSpec


class SharedPlatform(Construct):
    """Resource group, geo-replicated registry and training-data account, in the primary region."""

    def __init__(self, scope: Construct, id: str, props: SharedPlatformProps):
        super().__init__(scope, id)
        self.resource_group = resource_group.ResourceGroup(
            self, "resource-group", name=props.resource_group_name, location=props.location
        )
        self.registry = GeoReplicatedRegistry(
            self,
            "registry",
            RegistryProps(
                name=props.registry_name,
                location=props.location,
                resource_group=self.resource_group,
                replicas=props.replicas,
                zone_redundant=props.registry_zone_redundant,
                untagged_retention_days=props.untagged_retention_days,
            ),
        )
        td = props.training_data
        self.training_data = ProtectedStorageAccount(
            self,
            "training-data",
            StorageProps(
                name=td.name,
                location=props.location,
                resource_group=self.resource_group,
                replication=td.replication,
                containers=(td.container,),
                blob_soft_delete_days=td.blob_soft_delete_days,
                container_soft_delete_days=td.container_soft_delete_days,
                point_in_time_restore_days=td.point_in_time_restore_days,
            ),
        )


@dataclass(frozen=True, kw_only=True)
class ClusterSpec:
    name: str
    vm_size: str
    vm_priority: str = "Dedicated"
    min_nodes: int = 0
    max_nodes: int = 4
    idle_minutes_before_scale_down: int = 30


@dataclass(frozen=True, kw_only=True)
class RegionalNames:
    resource_group: str
    storage_account: str
    key_vault: str
    log_analytics: str
    insights: str
    hub: str


@dataclass(frozen=True, kw_only=True)
class RegionalHubProps:
    location: str
    names: RegionalNames
    tenant_id: str
    registry: HasId
    training_data: HasId
    projects: tuple[tuple[str, str], ...]
    clusters: tuple[ClusterSpec, ...]
    hub_storage_replication: str = "ZRS"  # never GRS: Azure ML cannot fail over a hub's default storage
    high_business_impact: bool = True
    replication_gate: GuardProps | None = None  # secondary regions: wait for the image's replica first


class RegionalHub(Construct):
    """Everything one region needs to serve on its own: a complete, independent hub."""

    def __init__(self, scope: Construct, id: str, props: RegionalHubProps):
        super().__init__(scope, id)
        n = props.names
        self.resource_group = resource_group.ResourceGroup(
            self, "resource-group", name=n.resource_group, location=props.location
        )
        self.storage = ProtectedStorageAccount(
            self,
            "hub-storage",
            StorageProps(
                name=n.storage_account,
                location=props.location,
                resource_group=self.resource_group,
                replication=props.hub_storage_replication,
                point_in_time_restore_days=0,
                # azurerm 4.55's azurerm_ai_foundry cannot switch the hub's system
                # datastores to identity auth, and the hub reads its default
                # account with the account key: shared keys stay on here only.
                shared_key_enabled=True,
                blob_soft_delete_days=14,
                container_soft_delete_days=14,
            ),
        )
        self.key_vault = ProtectedKeyVault(
            self,
            "key-vault",
            KeyVaultProps(
                name=n.key_vault, location=props.location, resource_group=self.resource_group, tenant_id=props.tenant_id
            ),
        )
        self.monitoring = RegionalMonitoring(
            self,
            "monitoring",
            MonitoringProps(
                workspace_name=n.log_analytics,
                insights_name=n.insights,
                location=props.location,
                resource_group=self.resource_group,
            ),
        )
        reads = (Grant(role=ACR_PULL, target=props.registry), Grant(role=BLOB_READER, target=props.training_data))
        self.hub = FoundryHub(
            self,
            "hub",
            HubProps(
                name=n.hub,
                location=props.location,
                resource_group=self.resource_group,
                storage=self.storage,
                key_vault=self.key_vault,
                insights=self.monitoring.insights,
                registry=props.registry,
                projects=props.projects,
                grants=reads,
                high_business_impact=props.high_business_impact,
            ),
        )
        self.gate = ReplicationGuard(self, "replication-gate", props.replication_gate) if props.replication_gate else None
        gated = (self.gate.resource,) if self.gate else ()
        self.clusters = {
            c.name: ComputeCluster(
                self,
                f"cluster-{c.name}",
                ClusterProps(
                    name=c.name,
                    location=props.location,
                    hub=self.hub,
                    vm_size=c.vm_size,
                    vm_priority=c.vm_priority,
                    min_nodes=c.min_nodes,
                    max_nodes=c.max_nodes,
                    idle_minutes_before_scale_down=c.idle_minutes_before_scale_down,
                    grants=reads,
                    depends_on=gated,
                ),
            )
            for c in props.clusters
        }
