"""Priority (active/passive) DNS failover across regions with Azure Traffic Manager.

Example::

    FailoverRouting(stack, "routing", FailoverRoutingProps(
        name="tm-fraud-prod", relative_name="fraud-prod", resource_group=rg,
        endpoints=(RoutedEndpoint(region="eastus", host="fraud-eus.contoso.com"),
                   RoutedEndpoint(region="westus", host="fraud-wus.contoso.com")),
        active_region="eastus",
        probe=Probe(path="/healthz"),
    ))

Clients resolve ``<relative_name>.trafficmanager.net`` and get the healthiest
endpoint with the lowest priority. Promotion is a one-field change: set
``active_region`` to another region and apply. Only the endpoints' ``priority``
attributes change, in place: endpoint names and construct ids are the region
names, so nothing is destroyed or recreated.

Priorities are owned by regions, not by ranks. Azure refuses two endpoints with
the same priority, and Terraform updates endpoints in parallel, so swapping the
values 1 and 2 between two endpoints can fail halfway. Here the region at
position ``i`` of ``endpoints`` only ever holds ``i + 1`` (while active) or
``501 + i`` (while standing by): no two regions ever share a value, before,
during or after a promotion, in any update order. The active region always
wins (1-500 < 501-1000); standbys take over in the order of ``endpoints``. So
keep that order stable; append new regions at the end.

External endpoints need ``endpoint_location`` only for Performance routing, so
it is not set. ``always_serve_enabled`` is false: an endpoint must pass its
probe to receive traffic. If every endpoint fails its probe, Traffic Manager
answers with all of them (it fails open).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from foundry_constructs.cdk import Token
from constructs import Construct

from foundry_constructs.azurerm import resource_group, traffic_manager_external_endpoint, traffic_manager_profile
from foundry_constructs.interfaces import Lock, add_lock

STANDBY_OFFSET = 500  # standby priorities are 501..1000, active ones 1..500
MAX_ENDPOINTS = STANDBY_OFFSET


class ProbeProtocol(enum.StrEnum):
    HTTP = "HTTP"
    HTTPS = "HTTPS"
    TCP = "TCP"


@dataclass(frozen=True, kw_only=True)
class Probe:
    """How Traffic Manager decides an endpoint is healthy.

    Detection takes about interval x (tolerated_failures + 1) seconds, then
    clients follow the DNS TTL. Fast probing (interval 10) costs more per endpoint.
    """

    path: str | None = None  # required for HTTP/HTTPS ("/healthz"), forbidden for TCP
    protocol: ProbeProtocol = ProbeProtocol.HTTPS
    port: int = 443
    expected_status_codes: tuple[str, ...] = ("200-299",)  # HTTP/HTTPS only
    interval_seconds: int = 30  # 30 or 10 (fast probing)
    timeout_seconds: int = 10  # 5-10; 5-9 when interval_seconds is 10
    tolerated_failures: int = 3  # 0-9 failed probes before the endpoint is degraded


@dataclass(frozen=True, kw_only=True)
class RoutedEndpoint:
    """One region's public entry point.

    region: the Azure region name ("eastus"); also the endpoint's name and construct id.
    host: the DNS name the region serves on; Traffic Manager answers with a CNAME to it.
    """

    region: str
    host: str


@dataclass(frozen=True, kw_only=True)
class FailoverRoutingProps:
    name: str
    relative_name: str  # <relative_name>.trafficmanager.net; globally unique, cannot change in place
    resource_group: resource_group.ResourceGroup
    endpoints: tuple[RoutedEndpoint, ...]  # in failover order; keep it stable, append new regions
    active_region: str
    probe: Probe
    ttl: int = 30  # seconds resolvers may cache the answer; lower = faster failover, more queries
    lock: Lock | None = Lock(notes="The platform's public DNS entry point; deleting it is an outage.")


class FailoverRouting(Construct):
    """``.profile`` and ``.endpoints`` (by region); ``.fqdn`` is the name clients use."""

    def __init__(self, scope: Construct, id: str, props: FailoverRoutingProps):
        check_routing(props)  # before the node exists: a refusal leaves nothing behind
        super().__init__(scope, id)
        probe = props.probe
        http = probe.protocol is not ProbeProtocol.TCP
        self.profile = traffic_manager_profile.TrafficManagerProfile(
            self,
            "profile",
            name=props.name,
            resource_group_name=props.resource_group.name,
            traffic_routing_method="Priority",
            profile_status="Enabled",
            dns_config=traffic_manager_profile.TrafficManagerProfileDnsConfig(
                relative_name=props.relative_name, ttl=props.ttl
            ),
            monitor_config=traffic_manager_profile.TrafficManagerProfileMonitorConfig(
                protocol=probe.protocol.value,
                port=probe.port,
                path=probe.path if http else None,
                expected_status_code_ranges=list(probe.expected_status_codes) if http else None,
                interval_in_seconds=probe.interval_seconds,
                timeout_in_seconds=probe.timeout_seconds,
                tolerated_number_of_failures=probe.tolerated_failures,
            ),
        )
        priorities = endpoint_priorities(props.endpoints, props.active_region)
        self.endpoints = {
            e.region: traffic_manager_external_endpoint.TrafficManagerExternalEndpoint(
                self,
                e.region,
                name=e.region,
                profile_id=self.profile.id,
                target=e.host,
                priority=priorities[e.region],
                enabled=True,
                always_serve_enabled=False,
            )
            for e in props.endpoints
        }
        self.lock = add_lock(self, self.profile, props.lock, name=f"lock-{props.name}")

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def fqdn(self) -> str:
        return self.profile.fqdn


def endpoint_priorities(endpoints: tuple[RoutedEndpoint, ...], active_region: str) -> dict[str, int]:
    """Region -> priority: position i holds i + 1 while active, 501 + i while standing by."""
    return {
        e.region: i + 1 if e.region == active_region else STANDBY_OFFSET + 1 + i for i, e in enumerate(endpoints)
    }


_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.(?!-)(?=[a-z0-9-]*[a-z])[a-z0-9-]{{2,63}}(?<!-)$")
_RELATIVE_NAME = re.compile(rf"^{_LABEL}$")
_REGION = re.compile(r"^[a-z]+[0-9]*$")
_STATUS_RANGE = re.compile(r"^([0-9]{3})-([0-9]{3})$")


def check_routing(props: FailoverRoutingProps) -> None:
    """Refuse what Traffic Manager or azurerm 4.55 would refuse, in the props' own words."""
    if not props.endpoints:
        raise ValueError("failover routing needs at least one endpoint")
    if len(props.endpoints) > MAX_ENDPOINTS:
        raise ValueError(f"at most {MAX_ENDPOINTS} endpoints (priorities must stay within 1-1000)")
    regions = [e.region for e in props.endpoints]
    dupes = sorted({r for r in regions if regions.count(r) > 1})
    if dupes:
        raise ValueError(f"each region may have one endpoint; repeated: {dupes}")
    for e in props.endpoints:
        if not _REGION.match(e.region):
            raise ValueError(f"endpoint region {e.region!r} must be an Azure region name such as 'eastus'")
        if not Token.is_unresolved(e.host) and not _HOST.match(e.host.lower()):
            raise ValueError(
                f"endpoint {e.region!r}: host {e.host!r} is not a DNS name "
                "(no scheme, port, path or IP address: e.g. 'fraud-eus.contoso.com')"
            )
    if props.active_region not in regions:
        raise ValueError(f"active_region {props.active_region!r} is not one of the endpoints' regions {regions}")
    if not _RELATIVE_NAME.match(props.relative_name):
        raise ValueError(
            f"relative_name {props.relative_name!r} must be one DNS label: 1-63 lowercase letters, digits, hyphens"
        )
    if not 0 <= props.ttl <= 2_147_483_647:
        raise ValueError(f"ttl {props.ttl} must be 0-2147483647 seconds")
    check_probe(props.probe)


def check_probe(probe: Probe) -> None:
    """The provider's and Traffic Manager's rules for monitor_config."""
    if not 1 <= probe.port <= 65535:
        raise ValueError(f"probe port {probe.port} must be 1-65535")
    if probe.interval_seconds not in (10, 30):
        raise ValueError(f"probe interval_seconds {probe.interval_seconds} must be 10 or 30")
    high = 9 if probe.interval_seconds == 10 else 10
    if not 5 <= probe.timeout_seconds <= high:
        raise ValueError(
            f"probe timeout_seconds {probe.timeout_seconds} must be 5-{high} "
            f"when interval_seconds is {probe.interval_seconds}"
        )
    if not 0 <= probe.tolerated_failures <= 9:
        raise ValueError(f"probe tolerated_failures {probe.tolerated_failures} must be 0-9")
    if probe.protocol is ProbeProtocol.TCP:
        if probe.path is not None:
            raise ValueError("a TCP probe has no path; set path=None or probe over HTTP/HTTPS")
        return
    if not probe.path or not probe.path.startswith("/"):
        raise ValueError(f"an {probe.protocol} probe needs a path starting with '/', got {probe.path!r}")
    if not probe.expected_status_codes:
        raise ValueError("an HTTP/HTTPS probe needs at least one expected status code range, e.g. '200-299'")
    for r in probe.expected_status_codes:
        m = _STATUS_RANGE.match(r)
        if not m or not 100 <= int(m[1]) <= int(m[2]) <= 599:
            raise ValueError(f"expected status code range {r!r} must look like '200-299' (100-599, low-high)")
