"""A region's private network: VNet, private-endpoint subnet with its NSG, private DNS zones.

Example::

    net = RegionalNetwork(stack, "network", NetworkProps(
        name="vnet-fraud-prod-eus", location="eastus", resource_group=rg,
        address_space="10.10.0.0/16", nsg_name="nsg-fraud-prod-endpoints-eus",
    ))
    add_private_endpoint(stack, "pe-vault", target=vault, subresource="vault",
                         link=net.link, name="pe-kv-contosofraudprod-eus-vault-eus")

Each region owns its VNet and its own copy of the private DNS zones, linked
only to that VNet: a region resolves and reaches everything it needs (the
shared registry's replicas, the training data, its hub) without any resource
of another region, so it keeps working while the other region is down.
The endpoint subnet takes the first quarter of the address space; the rest
is left for the workloads that call the hub (compute runs in the hub's
managed network, not here). Its NSG admits HTTPS (443) and SMB (445, file
shares) from the VNet and peered networks and denies every other inbound
flow; network policies are on for the subnet, so these rules apply.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Mapping

from constructs import Construct

from foundry_constructs import azurerm
from foundry_constructs.azurerm import (
    network_security_group,
    private_dns_zone,
    private_dns_zone_virtual_network_link,
    resource_group,
    subnet,
    subnet_network_security_group_association,
    virtual_network,
)
from foundry_constructs.interfaces import PRIVATE_DNS_ZONES, HasId, PrivateLink, add_private_endpoint


@dataclass(frozen=True, kw_only=True)
class NetworkProps:
    name: str
    location: str
    resource_group: resource_group.ResourceGroup
    address_space: str  # a private IPv4 range, /8-/24
    nsg_name: str
    endpoint_subnet_name: str = "snet-private-endpoints"


class RegionalNetwork(Construct):
    """``.vnet``, ``.endpoints`` (subnet), ``.zones`` (by name), ``.link``; :meth:`connect` adds private endpoints."""

    def __init__(self, scope: Construct, id: str, props: NetworkProps):
        super().__init__(scope, id)
        space = ipaddress.IPv4Network(props.address_space, strict=True)
        if not space.is_private or not 8 <= space.prefixlen <= 24:
            raise ValueError(f"address space {props.address_space} must be a private range between /8 and /24")
        endpoints_prefix = next(space.subnets(prefixlen_diff=2))
        rg = props.resource_group
        self.vnet = virtual_network.VirtualNetwork(
            self, "vnet", name=props.name, location=props.location, resource_group_name=rg.name,
            address_space=[str(space)],
        )
        self.endpoints = subnet.Subnet(
            self, "endpoints", name=props.endpoint_subnet_name, resource_group_name=rg.name,
            virtual_network_name=self.vnet.name, address_prefixes=[str(endpoints_prefix)],
            private_endpoint_network_policies="Enabled",  # NSGs apply to endpoint traffic too
            default_outbound_access_enabled=False,
        )
        # network policies are on for the endpoint subnet, so these rules apply to endpoint traffic: clients in
        # this VNet (and peered ones) reach the endpoints on HTTPS, and SMB for file shares; nothing else gets in
        self.nsg = network_security_group.NetworkSecurityGroup(
            self, "nsg", name=props.nsg_name, location=props.location, resource_group_name=rg.name,
            security_rule=[
                _rule("allow-vnet-https", 100, "Allow", "VirtualNetwork", str(endpoints_prefix), "443"),
                _rule("allow-vnet-smb", 110, "Allow", "VirtualNetwork", str(endpoints_prefix), "445"),
                _rule("deny-all-inbound", 4096, "Deny", "*", "*", "*"),
            ],
        )
        subnet_network_security_group_association.SubnetNetworkSecurityGroupAssociation(
            self, "endpoints-nsg", subnet_id=self.endpoints.id, network_security_group_id=self.nsg.id
        )
        self.zones: dict[str, private_dns_zone.PrivateDnsZone] = {}
        for zone in sorted({z for zones in PRIVATE_DNS_ZONES.values() for z in zones}):
            self.zones[zone] = private_dns_zone.PrivateDnsZone(
                self, f"zone-{zone}", name=zone, resource_group_name=rg.name
            )
            if azurerm.major() >= 5:
                # azurerm 5.0 removed `resource_group_name` and `private_dns_zone_name` from the link: the zone is
                # named by its id, `private_dns_zone_id`, now Required (the 5.x bindings' signature; checked 2026-12-02)
                zone_ref: dict[str, str] = {"private_dns_zone_id": self.zones[zone].id}
            else:
                zone_ref = {"resource_group_name": rg.name, "private_dns_zone_name": self.zones[zone].name}
            private_dns_zone_virtual_network_link.PrivateDnsZoneVirtualNetworkLink(
                self, f"link-{zone}", name=f"{props.name}-link", **zone_ref, virtual_network_id=self.vnet.id,
                registration_enabled=False,
            )
        self.link = PrivateLink(
            location=props.location,
            resource_group_name=rg.name,
            subnet_id=self.endpoints.id,
            dns_zone_ids={name: z.id for name, z in self.zones.items()},
            dns_zone_names={name: z.name for name, z in self.zones.items()},
        )
        self.private_endpoints: dict[str, object] = {}

    def connect(self, key: str, *, target: HasId, subresource: str, name: str, hosts: Mapping[str, str] | None = None):
        """A private endpoint from this network to ``target``'s ``subresource`` (records in this network's zones;
        ``hosts``: A records managed one by one instead of a DNS zone group, see :func:`add_private_endpoint`)."""
        endpoint = add_private_endpoint(self, f"pe-{key}", target=target, subresource=subresource, link=self.link,
                                        name=name, hosts=hosts)
        self.private_endpoints[key] = endpoint
        return endpoint


def _rule(name: str, priority: int, access: str, source: str, destination: str, port: str):
    """One inbound TCP rule (``*`` protocol for the final deny) of the endpoint subnet's NSG."""
    return network_security_group.NetworkSecurityGroupSecurityRule(
        name=name, priority=priority, direction="Inbound", access=access,
        protocol="*" if access == "Deny" else "Tcp",
        source_address_prefix=source, source_port_range="*",
        destination_address_prefix=destination, destination_port_range=port,
    )
