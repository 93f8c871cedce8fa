"""A storage account with Azure's data-protection features on.

Example::

    ProtectedStorageAccount(stack, "training-data", StorageProps(
        name="stcontosofraudproddata", location="eastus", resource_group=rg,
        replication="GRS", containers=("datasets",),
    ))

On by default: blob soft delete (30 days), container soft delete (30 days),
versioning, change feed and point-in-time restore (14 days, shorter than soft
delete as Azure requires), a lifecycle rule that deletes previous blob versions
``version_retention_days`` (30) after they were created (Azure keeps versions
until deleted, so they would grow without bound; a version's age counts from
when its content was written, not from when it was replaced, so a restore can
miss older content overwritten inside the window; soft delete still keeps the
deleted version), with the change feed kept as long, TLS 1.2, HTTPS only, infrastructure encryption, no
public blob access, no shared keys (Azure AD only), no local users, no public
network access (reach it through private endpoints; trusted Azure services
bypass the firewall), a CanNotDelete lock and ``prevent_destroy``. Each is a
prop to turn off. Optional: a customer-managed key, and a WORM (immutability)
policy on the containers.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundry_constructs.cdk import TerraformResourceLifecycle
from constructs import Construct

from foundry_constructs.azurerm import (
    resource_group,
    storage_account,
    storage_container,
    storage_container_immutability_policy,
    storage_management_policy,
)
from foundry_constructs.interfaces import CustomerManagedKey, Lock, add_lock


def sas_period(hours: int) -> str:
    """Azure's SAS expiration period, ``DD.HH:MM:SS``: ``sas_period(24) == "01.00:00:00"``."""
    return f"{hours // 24:02d}.{hours % 24:02d}:00:00"


@dataclass(frozen=True, kw_only=True)
class Immutability:
    """A time-based retention (WORM) policy on every container of the account.

    days: how long each blob version cannot be changed or deleted.
    locked: a locked policy can only be extended, never shortened or removed (irreversible).
    """

    days: int
    locked: bool = False


@dataclass(frozen=True, kw_only=True)
class StorageProps:
    name: str
    location: str
    resource_group: resource_group.ResourceGroup
    replication: str  # LRS | ZRS | GRS | RAGRS | GZRS | RAGZRS
    containers: tuple[str, ...] = ()
    blob_soft_delete_days: int = 30
    container_soft_delete_days: int = 30
    versioning: bool = True
    point_in_time_restore_days: int = 14  # 0 = off; needs versioning and change feed
    version_retention_days: int | None = 30  # versions older than this are deleted; None = kept forever
    shared_key_enabled: bool = False  # True only where a consumer cannot use Azure AD
    # with shared keys on: a key-signed SAS valid for longer than this is refused ("Block") or logged ("Log")
    sas_expiration_action: str = "Block"
    sas_expiration_hours: int = 24
    allowed_copy_scope: str = "AAD"  # "AAD" (same tenant) or "PrivateLink" (same private network); never any account
    public_network_access: bool = False  # False: private endpoints only (trusted Azure services bypass)
    customer_managed_key: CustomerManagedKey | None = None  # None: Microsoft-managed keys
    immutability: Immutability | None = None  # None: no WORM policy
    # fixed when the account is created (azurerm: ForceNew); False only to adopt an account created without it
    infrastructure_encryption: bool = True
    # "Account" or "Service", fixed at creation; None: "Account" with a customer-managed key, else Azure's "Service"
    queue_encryption_key_type: str | None = None
    table_encryption_key_type: str | None = None
    lock: Lock | None = Lock(notes="Holds data that cannot be recreated.")
    prevent_destroy: bool = True


class ProtectedStorageAccount(Construct):
    """The account, its containers and its lock; ``.account`` is the azurerm resource."""

    def __init__(self, scope: Construct, id: str, props: StorageProps):
        super().__init__(scope, id)
        restore = props.point_in_time_restore_days
        if restore and (not props.versioning or restore >= props.blob_soft_delete_days):
            raise ValueError("point-in-time restore needs versioning and fewer days than blob soft delete")
        keep = props.version_retention_days if props.versioning else None
        if keep is not None and keep <= restore:
            raise ValueError(f"version_retention_days ({keep}) must exceed point_in_time_restore_days ({restore})")
        self.account = storage_account.StorageAccount(
            self,
            "account",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            account_kind="StorageV2",
            account_tier="Standard",
            account_replication_type=props.replication,
            access_tier="Hot",
            min_tls_version="TLS1_2",
            https_traffic_only_enabled=True,
            infrastructure_encryption_enabled=props.infrastructure_encryption,
            allow_nested_items_to_be_public=False,
            shared_access_key_enabled=props.shared_key_enabled,
            default_to_oauth_authentication=True,
            local_user_enabled=False,
            sftp_enabled=False,
            cross_tenant_replication_enabled=False,
            # where shared keys must stay on (a hub's own storage), a key-signed SAS valid for longer than
            # sas_expiration_hours is refused (Block) or logged (Log). azurerm accepts "Block" since 4.45.0
            # (CHANGELOG-v4.md, "`expiration_action` supports `Block`", #30599). It is updated in place (no
            # ForceNew), so a team that finds an Azure ML operation signing longer SAS can switch to "Log" in one
            # apply. With shared keys off no SAS can be signed with a key: no policy at all.
            sas_policy=storage_account.StorageAccountSasPolicy(
                expiration_period=sas_period(props.sas_expiration_hours), expiration_action=props.sas_expiration_action)
            if props.shared_key_enabled else None,
            # copies into this account only from accounts of the same Entra tenant (unset: from any account)
            allowed_copy_scope=props.allowed_copy_scope,
            # queues and tables follow the account's customer-managed key; unset, azurerm sends "Service" and they
            # stay on Microsoft-managed keys for good (both are fixed at creation)
            queue_encryption_key_type=props.queue_encryption_key_type or ("Account" if props.customer_managed_key else None),
            table_encryption_key_type=props.table_encryption_key_type or ("Account" if props.customer_managed_key else None),
            public_network_access_enabled=props.public_network_access,
            network_rules=storage_account.StorageAccountNetworkRules(
                default_action="Allow" if props.public_network_access else "Deny",
                bypass=["AzureServices", "Logging", "Metrics"],
            ),
            identity=storage_account.StorageAccountIdentity(
                type="UserAssigned", identity_ids=[cmk.identity_id]
            ) if (cmk := props.customer_managed_key) else None,
            customer_managed_key=storage_account.StorageAccountCustomerManagedKey(
                key_vault_key_id=cmk.key_id, user_assigned_identity_id=cmk.identity_id
            ) if cmk else None,
            blob_properties=storage_account.StorageAccountBlobProperties(
                versioning_enabled=props.versioning,
                change_feed_enabled=bool(restore) or None,
                # unset, the change feed is kept forever; restore reads it back over its window only
                change_feed_retention_in_days=(keep or restore + 1) if restore else None,
                delete_retention_policy=storage_account.StorageAccountBlobPropertiesDeleteRetentionPolicy(
                    days=props.blob_soft_delete_days
                ),
                container_delete_retention_policy=storage_account.StorageAccountBlobPropertiesContainerDeleteRetentionPolicy(
                    days=props.container_soft_delete_days
                ),
                restore_policy=storage_account.StorageAccountBlobPropertiesRestorePolicy(days=restore)
                if restore
                else None,
            ),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy),
        )
        self.containers = {
            name: storage_container.StorageContainer(
                self,
                f"container-{name}",
                name=name,
                storage_account_id=self.account.id,
                container_access_type="private",
            )
            for name in props.containers
        }
        self.immutability = {
            name: storage_container_immutability_policy.StorageContainerImmutabilityPolicy(
                self,
                f"immutability-{name}",
                storage_container_resource_manager_id=container.id,
                immutability_period_in_days=props.immutability.days,
                locked=props.immutability.locked,
                protected_append_writes_enabled=False,
            )
            for name, container in self.containers.items()
        } if props.immutability else {}
        # ARM (control plane) only: works with shared keys and public network access off
        self.version_cleanup = storage_management_policy.StorageManagementPolicy(
            self,
            "version-cleanup",
            storage_account_id=self.account.id,
            rule=[storage_management_policy.StorageManagementPolicyRule(
                name="delete-old-versions",
                enabled=True,
                filters=storage_management_policy.StorageManagementPolicyRuleFilters(blob_types=["blockBlob"]),
                actions=storage_management_policy.StorageManagementPolicyRuleActions(
                    version=storage_management_policy.StorageManagementPolicyRuleActionsVersion(
                        delete_after_days_since_creation=keep
                    )
                ),
            )],
        ) if keep is not None else None
        self.lock = add_lock(self, self.account, props.lock, name=f"lock-{props.name}")

    def adopt(self, account_id: str, *, container_ids: dict[str, str] | None = None,
              management_policy_id: str | None = None) -> None:
        """Import an existing account (and its named containers, its lifecycle policy) instead of creating it.

        Emits Terraform ``import`` blocks: the first apply adopts them. An adopted container also gets
        ``prevent_destroy``: no plan may replace it (and so delete its blobs).
        """
        self.account.import_from(account_id)
        for name, container_id in (container_ids or {}).items():
            container = self.containers[name]
            container.import_from(container_id)
            container.add_override("lifecycle.prevent_destroy", True)
        if management_policy_id is not None and self.version_cleanup is not None:
            self.version_cleanup.import_from(management_policy_id)

    @property
    def id(self) -> str:
        return self.account.id
