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
from foundry_constructs.encryption import CmkProps, CustomerManagedKeys
from foundry_constructs.hub import FoundryHub, HubProps, Outbound
from foundry_constructs.interfaces import Grant, HasId, add_private_endpoint
from foundry_constructs.key_vault import KeyVaultProps, ProtectedKeyVault
from foundry_constructs.monitoring import MonitoringProps, RegionalMonitoring
from foundry_constructs.network import NetworkProps, RegionalNetwork
from foundry_constructs.registry import GeoReplicatedRegistry, RegistryProps, Replica
from foundry_constructs.release_gate import GuardProps, ReplicationGuard
from foundry_constructs.storage import Immutability, ProtectedStorageAccount, StorageProps

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
    immutability: Immutability | None = None  # WORM on the container; None = off


@dataclass(frozen=True, kw_only=True)
class CmkSpec:
    """Customer-managed keys for the training data and the registry."""

    vault_name: str
    identity_name: str
    tenant_id: str
    operator_principal_id: str
    rotation_days: int = 365


@dataclass(frozen=True, kw_only=True)
class SharedPlatformProps:
    location: str
    resource_group_name: str
    registry_name: str
    registry_zone_redundant: bool = True
    replicas: tuple[Replica, ...] = ()
    untagged_retention_days: int = 7
    training_data: TrainingDataSpec
    public_network_access: bool = False  # False: every region reaches these through private endpoints
    cmk: CmkSpec | None = None  # None: Microsoft-managed keys


class SharedPlatform(Construct):
    """Resource group, geo-replicated registry and training-data account, in the primary region."""

    def __init__(self, scope: Construct, id: str, props: SharedPlatformProps):
        super().__init__(scope, id)
        self.resource_group = resource_group.ResourceGroup(
            self, "resource-group", name=props.resource_group_name, location=props.location
        )
        self.keys = CustomerManagedKeys(
            self,
            "cmk",
            CmkProps(
                vault_name=props.cmk.vault_name,
                identity_name=props.cmk.identity_name,
                location=props.location,
                resource_group=self.resource_group,
                tenant_id=props.cmk.tenant_id,
                operator_principal_id=props.cmk.operator_principal_id,
                keys=("training-data", "registry"),
                rotation_days=props.cmk.rotation_days,
                public_network_access=props.public_network_access,
            ),
        ) if props.cmk else None
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
                public_network_access=props.public_network_access,
                customer_managed_key=self.keys.for_key("registry") if self.keys else None,
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
                public_network_access=props.public_network_access,
                customer_managed_key=self.keys.for_key("training-data") if self.keys else None,
                immutability=td.immutability,
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
class PrivateNetworkSpec:
    """A region's VNet and the names of its private endpoints (see :mod:`app.naming`).

    endpoint_names: purpose -> name, for the purposes in :data:`ENDPOINTS` (and "cmk-vault" with CMK).
    """

    vnet_name: str
    nsg_name: str
    address_space: str
    endpoint_names: dict[str, str]


# purpose -> (Private Link sub-resource); what every private region reaches privately
ENDPOINTS: dict[str, str] = {
    "registry": "registry",
    "training-data": "blob",
    "hub-storage-blob": "blob",
    "hub-storage-file": "file",
    "key-vault": "vault",
    "hub": "amlworkspace",
    "cmk-vault": "vault",
}


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
    network: PrivateNetworkSpec | None = None  # None: public endpoints (sandbox)
    cmk_vault: HasId | None = None  # the shared key vault, reached privately when network is set


class RegionalHub(Construct):
    """Everything one region needs to serve on its own: a complete, independent hub."""

    def __init__(self, scope: Construct, id: str, props: RegionalHubProps):
        super().__init__(scope, id)
        n = props.names
        self.resource_group = resource_group.ResourceGroup(
            self, "resource-group", name=n.resource_group, location=props.location
        )
        private = props.network is not None
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
                public_network_access=not private,
            ),
        )
        self.key_vault = ProtectedKeyVault(
            self,
            "key-vault",
            KeyVaultProps(
                name=n.key_vault, location=props.location, resource_group=self.resource_group,
                tenant_id=props.tenant_id, public_network_access=not private,
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
                public_network_access=not private,
                outbound=(Outbound(name="training-data-blob", target=props.training_data, subresource="blob"),),
            ),
        )
        self.network = self._private_endpoints(props) if props.network else None
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

    def _private_endpoints(self, props: RegionalHubProps) -> RegionalNetwork:
        """The region's VNet and a private endpoint to everything the region uses, shared or its own."""
        spec = props.network
        assert spec is not None
        net = RegionalNetwork(
            self,
            "network",
            NetworkProps(
                name=spec.vnet_name,
                location=props.location,
                resource_group=self.resource_group,
                address_space=spec.address_space,
                nsg_name=spec.nsg_name,
            ),
        )
        targets: dict[str, HasId] = {
            "registry": props.registry,
            "training-data": props.training_data,
            "hub-storage-blob": self.storage,
            "hub-storage-file": self.storage,
            "key-vault": self.key_vault,
            "hub": self.hub,
        }
        if props.cmk_vault is not None:
            targets["cmk-vault"] = props.cmk_vault
        self.private_endpoints = {
            purpose: add_private_endpoint(
                net,
                f"pe-{purpose}",
                target=target,
                subresource=ENDPOINTS[purpose],
                link=net.link,
                name=spec.endpoint_names[purpose],
            )
            for purpose, target in targets.items()
        }
        return net
