"""Customer-managed keys: one rotating key per consumer in a protected vault, and the identity that uses them.

Example::

    keys = CustomerManagedKeys(stack, "cmk", CmkProps(
        vault=vault, identity_name="id-fraud-prod-cmk-eus", location="eastus", resource_group=rg,
        operator_principal_id=client.object_id, keys=("training-data", "registry"),
    ))
    StorageProps(..., customer_managed_key=keys.for_key("training-data"))

The keys are RSA-HSM 3072 in a premium vault with purge protection, rotated
automatically (``rotation_days``) with a two-year expiry per version; storage
and the registry reference the *versionless* key id, so they follow rotation
without a plan diff. A hub's key is the exception (``key_sizes={"hub": 2048}``,
:meth:`versioned_key_id`): Microsoft lists "Supported keys: RSA / RSA-HSM 2048"
for hub CMK (MicrosoftDocs/azure-ai-docs
articles/ai-foundry/concepts/hub-encryption-keys-portal.md@1718d33f7106f8b895aa3ed461894d7fa7b31c18),
and azurerm 4.55 accepts only a versioned key id for a hub, so the hub stays on
the version it was created with until someone moves it (see foundry_constructs.hub). Losing a key loses the data encrypted with it: every key
has ``prevent_destroy`` and the vault a CanNotDelete lock. The identity gets
"Key Vault Crypto Service Encryption User" (wrap/unwrap only); whoever runs
Terraform (``operator_principal_id``) gets "Key Vault Crypto Officer" on this
vault alone, to create and rotate the keys.

Azure RBAC takes effect minutes after a role assignment is written (Microsoft,
"Troubleshoot Azure RBAC": up to 10 minutes), and azurerm does not retry a key
create that gets 403 (hashicorp/terraform-provider-azurerm#23927). The keys wait
``rbac_propagation_wait`` (a ``time_sleep``) after both assignments: a wait, not
a retry, because it needs nothing on the runner (HCP Terraform's remote runs have
no Azure CLI to poll with) and it runs only when an assignment is created or
replaced; every later apply passes straight through.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundry_constructs.cdk import TerraformResource, TerraformResourceLifecycle
from constructs import Construct

from foundry_constructs.azurerm import key_vault_key, resource_group, role_assignment, user_assigned_identity
from foundry_constructs.interfaces import CustomerManagedKey
from foundry_constructs.key_vault import ProtectedKeyVault
from foundry_constructs.waits import Wait, WaitProps

ENCRYPTION_USER = "Key Vault Crypto Service Encryption User"
CRYPTO_OFFICER = "Key Vault Crypto Officer"


@dataclass(frozen=True, kw_only=True)
class CmkProps:
    vault: ProtectedKeyVault  # premium, purge protection on (ProtectedKeyVault always is)
    identity_name: str
    location: str
    resource_group: resource_group.ResourceGroup
    operator_principal_id: str  # the principal running Terraform: creates and rotates the keys
    keys: tuple[str, ...]  # one key per consumer, e.g. ("training-data", "registry")
    key_sizes: tuple[tuple[str, int], ...] = ()  # (key, RSA bits) where a consumer needs other than 3072, e.g. ("hub", 2048)
    rotation_days: int = 365
    rbac_propagation_wait: str = "10m"  # Microsoft's bound for a role assignment to take effect


class CustomerManagedKeys(Construct):
    """``.identity``, ``.keys`` (by name) and :meth:`for_key`; ``.vault`` is the vault they live in."""

    def __init__(self, scope: Construct, id: str, props: CmkProps):
        super().__init__(scope, id)
        if not props.keys or len(set(props.keys)) != len(props.keys):
            raise ValueError(f"need distinct key names, got {props.keys!r}")
        sizes = dict(props.key_sizes)
        if not set(sizes) <= set(props.keys) or not all(v in (2048, 3072, 4096) for v in sizes.values()):
            raise ValueError(f"key_sizes must name keys of {props.keys!r} with 2048, 3072 or 4096 bits, got {sizes!r}")
        if not 30 <= props.rotation_days <= 730:
            raise ValueError(f"rotation_days must be 30-730, got {props.rotation_days}")
        self.vault = props.vault
        self.identity = user_assigned_identity.UserAssignedIdentity(
            self, "identity", name=props.identity_name, location=props.location,
            resource_group_name=props.resource_group.name,
        )
        user = role_assignment.RoleAssignment(
            self, "encryption-user", scope=self.vault.id, role_definition_name=ENCRYPTION_USER,
            principal_id=self.identity.principal_id, principal_type="ServicePrincipal",
        )
        officer = role_assignment.RoleAssignment(
            self, "crypto-officer", scope=self.vault.id, role_definition_name=CRYPTO_OFFICER,
            principal_id=props.operator_principal_id,
        )
        # a first apply creates the keys only once both assignments can have taken effect
        self.rbac_propagation = Wait(self, "rbac-propagation", WaitProps(
            duration=props.rbac_propagation_wait,
            triggers={"crypto-officer": officer.id, "encryption-user": user.id},
            depends_on=(officer, user),
        ))
        self.keys = {
            name: key_vault_key.KeyVaultKey(
                self,
                f"key-{name}",
                name=f"cmk-{name}",
                key_vault_id=self.vault.id,
                key_type="RSA-HSM",
                key_size=sizes.get(name, 3072),
                key_opts=["unwrapKey", "wrapKey"],
                # the first version expires two years after creation; rotation then issues new
                # versions with their own expiry (rotation_policy), so later plans ignore the date
                expiration_date='${timeadd(plantimestamp(), "17520h")}',
                rotation_policy=key_vault_key.KeyVaultKeyRotationPolicy(
                    automatic=key_vault_key.KeyVaultKeyRotationPolicyAutomatic(
                        time_after_creation=f"P{props.rotation_days}D"
                    ),
                    expire_after="P730D",
                    notify_before_expiry="P30D",
                ),
                # the key exists only once both roles do: whoever references the key id
                # (storage, registry) is created after its identity may use the key
                depends_on=[officer, user, self.rbac_propagation.resource],
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True, ignore_changes=["expiration_date"]),
            )
            for name in props.keys
        }

    def wait_for(self, *resources: TerraformResource) -> None:
        """Create the keys only after these exist too (e.g. the vault's private endpoint Terraform reaches it by)."""
        from foundry_constructs.addresses import address

        addresses = [address(r) for r in resources]
        for key in self.keys.values():
            key.depends_on = [*(key.depends_on or []), *addresses]

    def versioned_key_id(self, name: str) -> str:
        """Key ``name``'s id with its version (``https://<vault>/keys/<name>/<version>``), where a consumer
        refuses a versionless one (a Foundry hub). It stays the first version: azurerm's key Read keeps the
        id it created, whatever rotation added since."""
        return self.keys[name].id

    def for_key(self, name: str) -> CustomerManagedKey:
        """What a storage account or registry needs to encrypt with key ``name``."""
        key = self.keys[name]
        return CustomerManagedKey(
            key_id=key.versionless_id, identity_id=self.identity.id, identity_client_id=self.identity.client_id
        )
