"""Cross-cutting features in one shape for every construct: locks, identity grants, private endpoints.

Example::

    from foundry_constructs.interfaces import Grant, Lock, add_grants, add_lock

    add_lock(self, registry, Lock(notes="Holds every model image"), name="lock-cr")
    add_grants(self, principal_id=hub.identity.principal_id,
               grants=(Grant(role="AcrPull", target=registry),))

Every resource construct that holds something worth keeping takes ``lock`` (on
by default, ``None`` to opt out) and, where it has a managed identity,
``grants``: the Azure RBAC roles its identity gets on other resources.
Anything reachable over Private Link gets its endpoints from
:func:`add_private_endpoint` with a :class:`PrivateLink` (which subnet, which
DNS zones): one shape whatever the target.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Mapping, Protocol, Sequence

from foundry_constructs.cdk import Precondition, TerraformResource, TerraformResourceLifecycle, TerraformStack, Token
from constructs import Construct

from foundry_constructs import azurerm
from foundry_constructs.azurerm import management_lock, private_dns_a_record, private_endpoint, role_assignment


class HasId(Protocol):
    """Any Terraform resource: everything with an ``id`` attribute."""

    @property
    def id(self) -> str: ...


class LockLevel(enum.StrEnum):
    CAN_NOT_DELETE = "CanNotDelete"
    READ_ONLY = "ReadOnly"


@dataclass(frozen=True, kw_only=True)
class Lock:
    """A management lock on a construct's primary resource.

    level: CanNotDelete by default (ReadOnly would block normal operations).
    notes: why the lock is there, shown in the portal to whoever tries to delete.
    """

    notes: str
    level: LockLevel = LockLevel.CAN_NOT_DELETE


@dataclass(frozen=True, kw_only=True)
class Grant:
    """An Azure RBAC role for a construct's managed identity on another resource.

    role: a built-in role name, e.g. "AcrPull", "Storage Blob Data Reader".
    target: the resource the role is scoped to (an object, not an id string).
    """

    role: str
    target: HasId


# Private Link sub-resources and the private DNS zones their records live in (Azure's
# "private endpoint DNS zone values" table). A registry's regional data endpoints
# (<registry>.<region>.data.azurecr.io) are recorded in privatelink.azurecr.io too.
PRIVATE_DNS_ZONES: dict[str, tuple[str, ...]] = {
    "registry": ("privatelink.azurecr.io",),
    "blob": ("privatelink.blob.core.windows.net",),
    "blob_secondary": ("privatelink.blob.core.windows.net",),  # record <account>-secondary
    "file": ("privatelink.file.core.windows.net",),
    "vault": ("privatelink.vaultcore.azure.net",),
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
}


@dataclass(frozen=True, kw_only=True)
class CustomerManagedKey:
    """Encryption with a Key Vault key through a user-assigned identity (not the platform's key).

    key_id: the key's versionless id, so Azure follows automatic rotation.
    identity_id / identity_client_id: the user-assigned identity allowed to use the key.
    """

    key_id: str
    identity_id: str
    identity_client_id: str


@dataclass(frozen=True, kw_only=True)
class PrivateLink:
    """Where a construct's private endpoints go: a subnet of a region's VNet and its DNS zones.

    dns_zone_ids: zone name -> zone id for every zone in :data:`PRIVATE_DNS_ZONES`.
    dns_zone_names: zone name -> the zone's ``name`` reference (records wait for their zone).
    """

    location: str
    resource_group_name: str
    subnet_id: str
    dns_zone_ids: dict[str, str]
    dns_zone_names: dict[str, str]


def add_private_endpoint(
    scope: Construct, id: str, *, target: HasId, subresource: str, link: PrivateLink, name: str,
    hosts: Mapping[str, str] | None = None,
) -> private_endpoint.PrivateEndpoint:
    """A private endpoint to ``target``'s ``subresource`` with its DNS records in the region's zones.

    hosts: key -> host name; manage these host names' A records here instead of through a DNS zone group, each
    from the endpoint's network interface (:func:`add_host_records`). For a geo-replicated registry: Azure
    gives an existing endpoint a private IP for a replica added later, but leaves its DNS record to us
    (Microsoft: "Set up a private endpoint with Private Link for Azure Container Registry", Manually
    configure DNS records).
    """
    zones = PRIVATE_DNS_ZONES[subresource]
    missing = [z for z in zones if z not in link.dns_zone_ids]
    if missing:
        raise ValueError(f"private endpoint {name!r} needs the private DNS zones {missing}")
    endpoint = private_endpoint.PrivateEndpoint(
        scope,
        id,
        name=name,
        location=link.location,
        resource_group_name=link.resource_group_name,
        subnet_id=link.subnet_id,
        custom_network_interface_name=f"{name}-nic",
        private_service_connection=private_endpoint.PrivateEndpointPrivateServiceConnection(
            name=f"{name}-connection",
            private_connection_resource_id=target.id,
            subresource_names=[subresource],
            is_manual_connection=False,
        ),
        private_dns_zone_group=None if hosts else private_endpoint.PrivateEndpointPrivateDnsZoneGroup(
            name="default", private_dns_zone_ids=[link.dns_zone_ids[z] for z in zones]
        ),
    )
    if hosts:
        # in the target's own stack, read the interface only after the target's changes (e.g. a new replica,
        # which adds its IP to the endpoint) are applied; another stack's target was applied before this one
        primary = getattr(target, "registry", target)
        after = (primary,) if isinstance(primary, TerraformResource) and \
            TerraformStack.of(primary) is TerraformStack.of(scope) else ()
        add_host_records(scope, id, endpoint=endpoint, endpoint_name=name, hosts=hosts, zones=zones, link=link,
                         after=after)
    return endpoint


NIC_API = "Microsoft.Network/networkInterfaces@2024-05-01"


def add_host_records(
    scope: Construct, id: str, *, endpoint: private_endpoint.PrivateEndpoint, endpoint_name: str,
    hosts: Mapping[str, str], zones: tuple[str, ...], link: PrivateLink, after: tuple[TerraformResource, ...] = (),
) -> list[private_dns_a_record.PrivateDnsARecord]:
    """An A record per host in the zone that holds it (``privatelink.`` + the host's public suffix).

    Each record's IP is read, at every plan, from the endpoint's network interface: the IP configuration
    whose ``privateLinkConnectionProperties.fqdns`` holds the host (what Microsoft's manual DNS steps read:
    ``az network nic show ... ipConfigurations[...].privateIPAddress``). A replica added later shows up there
    once Azure has given the endpoint its IP, so the next plan of this stack writes its record. A host the
    interface does not serve fails the plan's precondition instead of writing an empty record.
    """
    from foundry_constructs.azapi import ArmRead, ArmReadProps

    from foundry_constructs.addresses import address as address_of

    address = address_of(endpoint)
    nic = ArmRead(scope, f"{id}-nic", ArmReadProps(
        resource_type=NIC_API, resource_id=f"${{{address}.network_interface[0].id}}",
        export=("properties.ipConfigurations",), depends_on=after,
    ))
    out = []
    for key, host in hosts.items():
        zone = next((z for z in zones if host.endswith("." + z.removeprefix("privatelink."))), None)
        if zone is None:
            raise ValueError(f"no private DNS zone among {zones} holds {host!r}")
        label = host[: -len(zone.removeprefix("privatelink.")) - 1]
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", label):
            raise ValueError(f"host {host!r} is not a plain DNS name")
        ips = (f"[for c in {nic.output}.properties.ipConfigurations : c.properties.privateIPAddress "
               f'if contains(try(c.properties.privateLinkConnectionProperties.fqdns, []), "{host}")]')
        if azurerm.major() >= 5:
            # azurerm 5.0 removed `zone_name` and `resource_group_name` from the record: the zone is named by its id,
            # `private_dns_zone_id`, now Required (the 5.x bindings' signature; checked 2026-12-02)
            zone_ref: dict[str, str] = {"private_dns_zone_id": link.dns_zone_ids[zone]}
        else:
            zone_ref = {"zone_name": link.dns_zone_names[zone], "resource_group_name": link.resource_group_name}
        out.append(private_dns_a_record.PrivateDnsARecord(
            scope,
            f"{id}-dns-{key}",
            name=label,
            **zone_ref,
            ttl=10,  # what a DNS zone group writes
            records=Token.as_list(f"${{{ips}}}"),
            lifecycle=TerraformResourceLifecycle(precondition=[Precondition(
                condition=f"${{length({ips}) > 0}}",
                error_message=f"The private endpoint {endpoint_name} has no IP for {host} yet. For a registry "
                "replica: apply the shared stack first (Azure adds the replica's IP to every endpoint), then plan "
                "this stack again. For a regional (.geo) endpoint: enable ACR regional endpoints on the registry "
                "(az acr update --regional-endpoints enabled) or set registry.regional_endpoints: false.",
            )]),
        ))
    return out


def add_lock(
    scope: Construct, target: HasId, lock: Lock | None, *, name: str, id: str = "lock"
) -> management_lock.ManagementLock | None:
    """Lock ``target`` as ``lock`` says; nothing when ``lock`` is None."""
    if lock is None:
        return None
    return management_lock.ManagementLock(
        scope, id, name=name, scope=target.id, lock_level=lock.level.value, notes=lock.notes
    )


def add_grants(
    scope: Construct, *, principal_id: str, grants: Sequence[Grant], id_prefix: str = "grant"
) -> list[role_assignment.RoleAssignment]:
    """One role assignment per grant for a managed identity's ``principal_id``."""
    out = []
    for g in grants:
        slug = g.role.lower().replace(" ", "-")
        out.append(
            role_assignment.RoleAssignment(
                scope,
                f"{id_prefix}-{slug}-{_target_slug(g.target)}",
                scope=g.target.id,
                role_definition_name=g.role,
                principal_id=principal_id,
                principal_type="ServicePrincipal",
            )
        )
    return out


def _target_slug(target: HasId) -> str:
    node = getattr(target, "node", None)
    return node.id if node is not None else "target"
