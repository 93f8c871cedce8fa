"""A Premium, zone-redundant, geo-replicated Azure Container Registry.

Example::

    GeoReplicatedRegistry(stack, "registry", RegistryProps(
        name="crcontosofraudprod", location="eastus", resource_group=rg,
        replicas=(Replica(location="westus", zone_redundant=False),),
    ))

Secure by default: admin user and anonymous pull off (pulls use Azure AD and
AcrPull), untagged manifests cleaned after ``untagged_retention_days``,
dedicated data endpoints on, no public network access (pull through private
endpoints; export off; trusted Azure services bypass), a CanNotDelete lock and
``prevent_destroy``. Optional: a customer-managed key.
Replicas are emitted sorted by location: Azure returns them sorted, and any
other order shows a diff on every plan. The home region is never a replica.
Every replica takes part in the global endpoint's routing
(``regional_endpoint_enabled = true``; azurerm 5.x calls it
``global_endpoint_routing_enabled`` and requires it): unset, azurerm 4.55 sends
``false`` and the replica syncs images but serves no pull through ``NAME.azurecr.io``.
Note: the lock also blocks removing a replica until it is lifted.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundry_constructs.cdk import TerraformResourceLifecycle
from constructs import Construct

from foundry_constructs import azurerm, tagging
from foundry_constructs.azurerm import container_registry, resource_group
from foundry_constructs.interfaces import CustomerManagedKey, Lock, add_lock


@dataclass(frozen=True, kw_only=True)
class Replica:
    """One geo-replica of the registry.

    zone_redundant: cannot change in place (Azure recreates the replica).
    """

    location: str
    zone_redundant: bool = True


@dataclass(frozen=True, kw_only=True)
class RegistryProps:
    name: str
    location: str
    resource_group: resource_group.ResourceGroup
    replicas: tuple[Replica, ...] = ()
    sku: str = "Premium"  # geo-replication and retention need Premium
    zone_redundant: bool = True  # home region; needs availability zones there
    untagged_retention_days: int = 7  # 0 turns the retention policy off
    public_network_access: bool = False  # False: private endpoints only
    customer_managed_key: CustomerManagedKey | None = None  # None: Microsoft-managed keys
    lock: Lock | None = Lock(notes="Holds every model image of the platform; replicas serve each hub region.")
    prevent_destroy: bool = True


class GeoReplicatedRegistry(Construct):
    """The registry and its lock; ``.registry`` is the azurerm resource."""

    def __init__(self, scope: Construct, id: str, props: RegistryProps):
        super().__init__(scope, id)
        homes = [r.location for r in props.replicas if r.location == props.location]
        if homes:
            raise ValueError(f"a replica must not name the home region {props.location!r}")
        if props.replicas and props.sku != "Premium":
            raise ValueError(f"geo-replication needs sku Premium, not {props.sku!r}")
        premium = props.sku == "Premium"
        if not premium and (not props.public_network_access or props.customer_managed_key):
            raise ValueError("private endpoints and customer-managed keys need sku Premium")
        self.registry = container_registry.ContainerRegistry(
            self,
            "registry",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            sku=props.sku,
            admin_enabled=False,
            anonymous_pull_enabled=False,
            zone_redundancy_enabled=props.zone_redundant if premium else None,
            data_endpoint_enabled=True if premium else None,
            retention_policy_in_days=props.untagged_retention_days or None if premium else None,
            public_network_access_enabled=props.public_network_access,
            export_policy_enabled=props.public_network_access,  # no export of images when private
            network_rule_bypass_option="AzureServices",  # e.g. Foundry's managed network
            identity=container_registry.ContainerRegistryIdentity(
                type="UserAssigned", identity_ids=[cmk.identity_id]
            ) if (cmk := props.customer_managed_key) else None,
            encryption=[container_registry.ContainerRegistryEncryption(
                key_vault_key_id=cmk.key_id, identity_client_id=cmk.identity_client_id
            )] if cmk else None,
            georeplications=[
                container_registry.ContainerRegistryGeoreplications(
                    location=r.location,
                    zone_redundancy_enabled=r.zone_redundant,
                    **_global_endpoint_routing(True),
                    # a replica is a resource of its own and takes tags; adding them later re-PUTs it, so
                    # they are set in the same change as its routing flag
                    tags=dict(tagging.merged(None) or {}) or None,
                )
                for r in sorted(props.replicas, key=lambda r: r.location)
            ],
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy),
        )
        self.lock = add_lock(self, self.registry, props.lock, name=f"lock-{props.name}")

    def adopt(self, registry_id: str) -> None:
        """Import an existing registry instead of creating it (a Terraform ``import`` block)."""
        self.registry.import_from(registry_id)

    @property
    def id(self) -> str:
        return self.registry.id


def _global_endpoint_routing(enabled: bool) -> dict[str, bool]:
    """A replica's "takes part in the global endpoint's routing" flag, under the provider's name for it.

    Example::

        _global_endpoint_routing(True)   # {'regional_endpoint_enabled': True} on azurerm 4.x

    Both names map to the replication's ``regionEndpointEnabled`` in Azure (same meaning, same polarity).
    """
    if azurerm.major() >= 5:
        # azurerm 5.0 removed `regional_endpoint_enabled` and made `global_endpoint_routing_enabled` Required
        # (hashicorp/terraform-provider-azurerm#32680 added it, #32882 made it Required; checked 2026-12-02)
        return {"global_endpoint_routing_enabled": enabled}
    # azurerm 4.x: Optional without a default, and the provider sends false when it is unset
    # (container_registry_resource.go, expandReplications:
    # RegionEndpointEnabled: pointer.To(value["regional_endpoint_enabled"].(bool))), and Azure routes no
    # request of NAME.azurecr.io to such a replica. State reads back false too, so plans stay clean while
    # the replica serves nothing.
    return {"regional_endpoint_enabled": enabled}
