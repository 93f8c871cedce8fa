"""A Key Vault that cannot be purged: purge protection, RBAC, soft delete 90 days.

Example::

    ProtectedKeyVault(stack, "key-vault", KeyVaultProps(
        name="kv-contosofraudprod-eus", location="eastus", resource_group=rg,
        tenant_id=client.tenant_id,
    ))

Purge protection cannot be turned off once on, so it is not a prop. Access is
Azure RBAC (no access policies); no public network access unless asked
(private endpoints; trusted Azure services bypass the firewall). A CanNotDelete lock and ``prevent_destroy``
guard it: a hub's key vault is bound to the hub for life (changing it forces a
new hub).
"""

from __future__ import annotations

from dataclasses import dataclass

from foundry_constructs.cdk import TerraformResourceLifecycle
from constructs import Construct

from foundry_constructs.azurerm import key_vault, resource_group
from foundry_constructs.interfaces import Lock, add_lock


@dataclass(frozen=True, kw_only=True)
class KeyVaultProps:
    name: str
    location: str
    resource_group: resource_group.ResourceGroup
    tenant_id: str
    sku: str = "premium"  # premium keeps HSM-backed keys possible for customer-managed keys
    soft_delete_days: int = 90
    public_network_access: bool = False  # False: private endpoints only (trusted Azure services bypass)
    allowed_ip_ranges: tuple[str, ...] = ()  # public ranges admitted by the firewall (e.g. Terraform runners)
    lock: Lock | None = Lock(notes="Bound to a Foundry hub for life; holds its secrets.")
    prevent_destroy: bool = True


class ProtectedKeyVault(Construct):
    """The vault and its lock; ``.vault`` is the azurerm resource."""

    def __init__(self, scope: Construct, id: str, props: KeyVaultProps):
        super().__init__(scope, id)
        self.vault = key_vault.KeyVault(
            self,
            "vault",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            tenant_id=props.tenant_id,
            sku_name=props.sku,
            purge_protection_enabled=True,
            soft_delete_retention_days=props.soft_delete_days,
            rbac_authorization_enabled=True,
            # "selected networks" when ranges are admitted; otherwise private endpoints only
            public_network_access_enabled=props.public_network_access or bool(props.allowed_ip_ranges),
            network_acls=key_vault.KeyVaultNetworkAcls(
                default_action="Allow" if props.public_network_access else "Deny",
                bypass="AzureServices",
                ip_rules=list(props.allowed_ip_ranges) or None,
            ),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy),
        )
        self.lock = add_lock(self, self.vault, props.lock, name=f"lock-{props.name}")

    @property
    def id(self) -> str:
        return self.vault.id
