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

from dataclasses import dataclass, field
from typing import Callable

from constructs import Construct

from foundry_constructs.azurerm import log_analytics_workspace, resource_group
from foundry_constructs.compute import ClusterProps, ComputeCluster
from foundry_constructs.encryption import CmkProps, CustomerManagedKeys
from foundry_constructs.hub import FoundryHub, HubEncryption, HubProps, Outbound
from foundry_constructs.interfaces import Grant, HasId, Lock
from foundry_constructs.key_vault import KeyVaultProps, ProtectedKeyVault
from foundry_constructs.monitoring import MonitoringProps, RegionalMonitoring
from foundry_constructs.network import NetworkProps, RegionalNetwork
from foundry_constructs.observability import (
    Alerting,
    AlertingProps,
    DiagnosticTarget,
    Diagnostics,
    EmailReceiver,
    LogAlert,
    LogAlertProps,
    MetricAlert,
    MetricAlertProps,
    MetricAlertSpec,
    NamedResource,
    ResourceHealthAlert,
    ResourceHealthProps,
    ServiceHealthAlert,
    ServiceHealthProps,
    WebhookReceiver,
    add_diagnostics,
    add_storage_diagnostics,
)
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
    version_retention_days: int = 30  # blob versions older than this are deleted (lifecycle rule)
    immutability: Immutability | None = None  # WORM on the container; None = off
    infrastructure_encryption: bool = True  # fixed at creation: False only to adopt an account created without it
    queue_encryption_key_type: str | None = None  # None: follows the customer-managed key (see StorageProps)
    table_encryption_key_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class CmkSpec:
    """Customer-managed keys: in the shared stack for the training data and the registry (a vault of
    their own); in a region for the hub's storage (a key in the region's own vault: no cross-region key)."""

    vault_name: str
    identity_name: str
    tenant_id: str
    operator_principal_id: str
    rotation_days: int = 365
    registry: bool = False  # the registry too (decided when the registry is created)
    operator_ip_ranges: tuple[str, ...] = ()  # admitted by the vault's firewall: Terraform creates keys there


@dataclass(frozen=True, kw_only=True)
class SharedPlatformProps:
    location: str
    resource_group_name: str
    registry_name: str
    registry_zone_redundant: bool = True
    replicas: tuple[Replica, ...] = ()
    untagged_retention_days: int = 7
    training_data: TrainingDataSpec
    cmk: CmkSpec | None = None  # None: Microsoft-managed keys
    workspace_name: str  # the shared stack's own Log Analytics workspace (its logs stay with its data)
    log_retention_days: int = 90
    # the operations network (CI runners, Terraform) with private endpoints to all of the above;
    # None: public endpoints (sandbox). Every region adds its own endpoints too.
    network: PrivateNetworkSpec | None = None


class SharedPlatform(Construct):
    """Resource group, geo-replicated registry and training-data account, in the primary region."""

    def __init__(self, scope: Construct, id: str, props: SharedPlatformProps):
        super().__init__(scope, id)
        self.resource_group = resource_group.ResourceGroup(
            self, "resource-group", name=props.resource_group_name, location=props.location
        )
        self.workspace = log_analytics_workspace.LogAnalyticsWorkspace(
            self,
            "workspace",
            name=props.workspace_name,
            location=props.location,
            resource_group_name=self.resource_group.name,
            sku="PerGB2018",
            retention_in_days=props.log_retention_days,
            local_authentication_enabled=False,  # Entra ID only: no workspace shared keys
        )
        private = props.network is not None
        self.keys = self._keys(props) if props.cmk else None
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
                public_network_access=not private,
                customer_managed_key=self.keys.for_key("registry") if self.keys and "registry" in self.keys.keys else None,
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
                version_retention_days=td.version_retention_days,
                public_network_access=not private,
                customer_managed_key=self.keys.for_key("training-data") if self.keys else None,
                immutability=td.immutability,
                infrastructure_encryption=td.infrastructure_encryption,
                queue_encryption_key_type=td.queue_encryption_key_type,
                table_encryption_key_type=td.table_encryption_key_type,
            ),
        )
        targets: dict[str, HasId] = {"registry": self.registry, "training-data": self.training_data}
        if self.keys is not None:
            targets["cmk-vault"] = self.keys.vault
        self.network = add_private_network(self, props.location, self.resource_group, props.network, targets)
        if self.keys is not None and self.network is not None:
            self.keys.wait_for(self.network.private_endpoints["cmk-vault"])

    def _keys(self, props: SharedPlatformProps) -> CustomerManagedKeys:
        cmk = props.cmk
        assert cmk is not None
        vault = ProtectedKeyVault(
            self,
            "cmk-vault",
            KeyVaultProps(
                name=cmk.vault_name,
                location=props.location,
                resource_group=self.resource_group,
                tenant_id=cmk.tenant_id,
                public_network_access=props.network is None,
                allowed_ip_ranges=cmk.operator_ip_ranges,
                lock=Lock(notes="Holds the keys of the training data"
                          + (" and the registry" if cmk.registry else "")
                          + ": without them the data is lost."),
            ),
        )
        return CustomerManagedKeys(
            self,
            "cmk",
            CmkProps(
                vault=vault,
                identity_name=cmk.identity_name,
                location=props.location,
                resource_group=self.resource_group,
                operator_principal_id=cmk.operator_principal_id,
                keys=("training-data", "registry") if cmk.registry else ("training-data",),
                rotation_days=cmk.rotation_days,
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
    # the registry's login server and the data endpoint of every registry location: their A records
    # are written one by one (a replica added later gets its record in every network on the next plan)
    registry_hosts: dict[str, str] = field(default_factory=dict)  # role ("login", "data-<region>") -> host


# purpose -> (Private Link sub-resource); what every private region reaches privately
ENDPOINTS: dict[str, str] = {
    "registry": "registry",
    "training-data": "blob",
    "hub-storage-blob": "blob",
    "hub-storage-file": "file",
    "key-vault": "vault",
    "hub": "amlworkspace",
    "cmk-vault": "vault",
    "training-data-secondary": "blob_secondary",  # RA-GRS / RA-GZRS: the read-only copy in the pair
}


@dataclass(frozen=True, kw_only=True)
class RegionalHubProps:
    location: str
    names: RegionalNames
    tenant_id: str
    registry: HasId
    training_data: HasId
    # RA-GRS / RA-GZRS: reach the account's read-only secondary too (a blob_secondary private endpoint
    # in the VNet, an outbound rule in the hub's managed network), readable while its primary region is down
    training_data_secondary: bool = False
    projects: tuple[tuple[str, str], ...]
    clusters: tuple[ClusterSpec, ...]
    # GZRS (or GRS without zones) keeps a geo copy of hub artifacts for durability; it is never failed
    # over (Azure ML does not support failing over a hub's default storage): each region has its own hub.
    hub_storage_replication: str = "GZRS"
    high_business_impact: bool = True
    # the hub storage's SAS policy (it keeps shared keys): key-signed SAS valid longer than this are refused/logged
    hub_storage_sas_expiration_action: str = "Block"
    hub_storage_sas_expiration_hours: int = 24
    replication_gate: GuardProps | None = None  # secondary regions: wait for the image's replica first
    network: PrivateNetworkSpec | None = None  # None: public endpoints (sandbox)
    cmk_vault: HasId | None = None  # the shared key vault, reached privately when network is set
    cmk_operator_principal_id: str | None = None  # set: the hub's storage is encrypted with a key in its vault
    cmk_identity_name: str = ""
    cmk_rotation_days: int = 365
    # with cmk_operator_principal_id: the hub's metadata too, under a "hub" key in the region's vault (ForceNew on
    # the hub: decided before the hub exists; Azure adds Cosmos DB, AI Search and storage billed to the subscription)
    hub_customer_managed_key: bool = False
    operator_ip_ranges: tuple[str, ...] = ()  # admitted by the region vault's firewall (Terraform creates its key)
    log_retention_days: int = 90


class RegionalHub(Construct):
    """Everything one region needs to serve on its own: a complete, independent hub."""

    def __init__(self, scope: Construct, id: str, props: RegionalHubProps):
        super().__init__(scope, id)
        if props.hub_customer_managed_key and not props.cmk_operator_principal_id:
            raise ValueError("hub_customer_managed_key needs the region's customer-managed keys (cmk_operator_principal_id)")
        n = props.names
        self.resource_group = resource_group.ResourceGroup(
            self, "resource-group", name=n.resource_group, location=props.location
        )
        private = props.network is not None
        self.key_vault = ProtectedKeyVault(
            self,
            "key-vault",
            KeyVaultProps(
                name=n.key_vault, location=props.location, resource_group=self.resource_group,
                tenant_id=props.tenant_id, public_network_access=not private,
                allowed_ip_ranges=props.operator_ip_ranges if private else (),
                # the note says what losing the vault loses, as the config has it
                lock=Lock(notes="Bound to a Foundry hub for life; holds its secrets"
                          + (" and the keys of the hub's storage" if props.cmk_operator_principal_id else "")
                          + (" and metadata" if props.hub_customer_managed_key else "")
                          + (": without them that data is lost." if props.cmk_operator_principal_id else ".")),
            ),
        )
        self.keys = CustomerManagedKeys(
            self,
            "cmk",
            CmkProps(
                vault=self.key_vault,
                identity_name=props.cmk_identity_name,
                location=props.location,
                resource_group=self.resource_group,
                operator_principal_id=props.cmk_operator_principal_id,
                keys=("hub-storage", "hub") if props.hub_customer_managed_key else ("hub-storage",),
                # Microsoft's hub CMK page: "Supported keys: RSA / RSA-HSM 2048" (see foundry_constructs.hub)
                key_sizes=(("hub", 2048),) if props.hub_customer_managed_key else (),
                rotation_days=props.cmk_rotation_days,
            ),
        ) if props.cmk_operator_principal_id else None
        self.storage = ProtectedStorageAccount(
            self,
            "hub-storage",
            StorageProps(
                name=n.storage_account,
                location=props.location,
                resource_group=self.resource_group,
                replication=props.hub_storage_replication,
                # hub artifacts (models, job outputs, snapshots) are kept like the training data: versions,
                # change feed and a restore window shorter than the 14 days of soft delete
                point_in_time_restore_days=7,
                # azurerm 4.55's azurerm_ai_foundry cannot switch the hub's system
                # datastores to identity auth, and the hub reads its default
                # account with the account key: shared keys stay on here only.
                shared_key_enabled=True,
                sas_expiration_action=props.hub_storage_sas_expiration_action,
                sas_expiration_hours=props.hub_storage_sas_expiration_hours,
                blob_soft_delete_days=14,
                container_soft_delete_days=14,
                public_network_access=not private,
                customer_managed_key=self.keys.for_key("hub-storage") if self.keys else None,
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
                retention_days=props.log_retention_days,
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
                # the key is in this region's own vault (Microsoft: same region and tenant as the hub); the hub
                # references its versioned id, so it is created after the key and the key's RBAC wait
                encryption=HubEncryption(
                    key_vault=self.key_vault, key_id=self.keys.versioned_key_id("hub"), identity_id=self.keys.identity.id,
                ) if self.keys is not None and props.hub_customer_managed_key else None,
                outbound=(Outbound(name="training-data-blob", target=props.training_data, subresource="blob"),)
                + ((Outbound(name="training-data-blob-secondary", target=props.training_data,
                             subresource="blob_secondary"),) if props.training_data_secondary else ()),
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
        if props.training_data_secondary:
            targets["training-data-secondary"] = props.training_data
        self.network = add_private_network(self, props.location, self.resource_group, props.network, targets)
        if self.keys is not None and self.network is not None:
            self.keys.wait_for(self.network.private_endpoints["key-vault"])
        self.gate = ReplicationGuard(self, "replication-gate", props.replication_gate) if props.replication_gate else None
        gated = ((self.gate.resource,) if self.gate else ()) + self.hub.ready
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


def add_private_network(
    scope: Construct,
    location: str,
    rg: resource_group.ResourceGroup,
    spec: PrivateNetworkSpec | None,
    targets: dict[str, HasId],
) -> RegionalNetwork | None:
    """A VNet with a private endpoint to each target (purpose -> resource); nothing when ``spec`` is None."""
    if spec is None:
        return None
    net = RegionalNetwork(
        scope,
        "network",
        NetworkProps(
            name=spec.vnet_name, location=location, resource_group=rg,
            address_space=spec.address_space, nsg_name=spec.nsg_name,
        ),
    )
    for purpose, target in targets.items():
        net.connect(purpose, target=target, subresource=ENDPOINTS[purpose], name=spec.endpoint_names[purpose],
                    hosts=spec.registry_hosts if purpose == "registry" else None)
    return net


@dataclass(frozen=True, kw_only=True)
class Watched:
    """One resource the platform watches: its logs, its health and its metrics.

    kind: what its diagnostic setting sends (None: no setting of its own).
    health: a Resource Health alert on it.
    metrics: metric alerts on it (each spec's ``name`` names the alert).
    """

    key: str
    target: HasId
    kind: DiagnosticTarget | None = None
    health: bool = False
    metrics: tuple[MetricAlertSpec, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WatchProps:
    location: str
    resource_group: resource_group.ResourceGroup
    workspace: NamedResource  # the Log Analytics workspace every diagnostic setting sends to
    action_group_name: str
    action_group_short_name: str
    emails: tuple[EmailReceiver, ...] = ()
    webhooks: tuple[WebhookReceiver, ...] = ()
    subscription_id: str
    alert_names: Callable[[str], str]  # short name -> the alert rule's Azure name
    watched: tuple[Watched, ...] = ()
    service_health_locations: tuple[str, ...] = ()  # region display names; () = no Service Health alert
    service_health_services: tuple[str, ...] = ()  # Service Health service names; () = every service
    log_alerts: tuple[tuple[str, str, str], ...] = ()  # (short name, description, KQL on the workspace)


class Watch(Construct):
    """One stack's eyes: an action group, diagnostics to one workspace, and every alert that notifies it.

    Example::

        Watch(stack, "watch", WatchProps(location="eastus", resource_group=rg, workspace=law, ...,
              watched=(Watched(key="hub", target=hub, kind=DiagnosticTarget.ML_WORKSPACE, health=True),)))
    """

    def __init__(self, scope: Construct, id: str, props: WatchProps):
        super().__init__(scope, id)
        self.alerting = Alerting(
            self,
            "alerting",
            AlertingProps(
                name=props.action_group_name,
                short_name=props.action_group_short_name,
                resource_group=props.resource_group,
                emails=props.emails,
                webhooks=props.webhooks,
                allow_no_receivers=True,  # the config loader warns; alerts still show in the portal
            ),
        )
        diagnostics = Diagnostics(workspace=props.workspace)
        for w in props.watched:
            if w.kind is DiagnosticTarget.STORAGE_ACCOUNT:
                add_storage_diagnostics(self, w.target, diagnostics, id=f"diagnostics-{w.key}")
            elif w.kind is not None:
                add_diagnostics(self, w.target, w.kind, diagnostics, id=f"diagnostics-{w.key}")
            if w.health:
                ResourceHealthAlert(self, f"health-{w.key}", ResourceHealthProps(
                    name=props.alert_names(f"{w.key}-health"), resource_group=props.resource_group,
                    action_group=self.alerting, target=w.target,
                ))
            for spec in w.metrics:
                MetricAlert(self, f"metric-{w.key}-{spec.name}", MetricAlertProps(
                    name=props.alert_names(f"{w.key}-{spec.name}"), resource_group=props.resource_group,
                    action_group=self.alerting, target=w.target, spec=spec,
                ))
        if props.service_health_locations:
            ServiceHealthAlert(self, "service-health", ServiceHealthProps(
                name=props.alert_names("service-health"), resource_group=props.resource_group,
                action_group=self.alerting, subscription_id=props.subscription_id,
                locations=props.service_health_locations,
                services=props.service_health_services,
                description="Azure Service Health: incidents and maintenance in any hub region (or Global)",
            ))
        for short, description, query in props.log_alerts:
            LogAlert(self, f"log-{short}", LogAlertProps(
                name=props.alert_names(short), location=props.location, resource_group=props.resource_group,
                action_group=self.alerting, workspace=props.workspace, query=query, description=description,
            ))
