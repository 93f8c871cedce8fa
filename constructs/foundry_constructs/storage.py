"""A storage account with Azure's data-protection features on.

Example::

    ProtectedStorageAccount(stack, "training-data", StorageProps(
        name="stcontosofraudproddata", location="eastus", resource_group=rg,
        replication="GRS", containers=("datasets",),
    ))

On by default: blob soft delete (30 days), container soft delete (30 days),
versioning, change feed and point-in-time restore (14 days, shorter than soft
delete as Azure requires), TLS 1.2, HTTPS only, infrastructure encryption, no
public blob access, no shared keys (Azure AD only), no local users, a
CanNotDelete lock and ``prevent_destroy``. Each is a prop to turn off.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from foundry_constructs.azurerm import resource_group, storage_account, storage_container
from foundry_constructs.interfaces import Lock, add_lock


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
    shared_key_enabled: bool = False  # True only where a consumer cannot use Azure AD
    lock: Lock | None = Lock(notes="Holds data that cannot be recreated.")
    prevent_destroy: bool = True


class ProtectedStorageAccount(Construct):
    """The account, its containers and its lock; ``.account`` is the azurerm resource."""

    def __init__(self, scope: Construct, id: str, props: StorageProps):
        super().__init__(scope, id)
        restore = props.point_in_time_restore_days
        if restore and (not props.versioning or restore >= props.blob_soft_delete_days):
            raise ValueError("point-in-time restore needs versioning and fewer days than blob soft delete")
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
            infrastructure_encryption_enabled=True,
            allow_nested_items_to_be_public=False,
            shared_access_key_enabled=props.shared_key_enabled,
            default_to_oauth_authentication=True,
            local_user_enabled=False,
            sftp_enabled=False,
            cross_tenant_replication_enabled=False,
            blob_properties=storage_account.StorageAccountBlobProperties(
                versioning_enabled=props.versioning,
                change_feed_enabled=bool(restore) or None,
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
        self.lock = add_lock(self, self.account, props.lock, name=f"lock-{props.name}")

    @property
    def id(self) -> str:
        return self.account.id
