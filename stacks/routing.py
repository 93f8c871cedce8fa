"""The routing stack: Traffic Manager in front of every region's inference endpoint.

Example::

    RoutingStack(app, cfg)   # stack name "fraud-prod-routing"

Priority routing sends every request to the active region (``regions.active``,
the primary unless promoted) while its health probe passes, and to the next
region when it fails: automatic failover within about
``interval x (tolerated_failures + 1)`` seconds plus the DNS TTL. Promotion
(``synth --active-region westus``) changes only the endpoints' priorities.

The stack references no other stack and lives in a resource group in the first
secondary region, so it can be planned and applied while the primary region
is down. A metric alert per endpoint (probes failing) is the platform's
earliest signal that a region is in trouble.
"""

from __future__ import annotations

from foundry_constructs.cdk import TerraformOutput
from constructs import Construct

from app.config import PlatformConfig
from foundry_constructs.azurerm import resource_group
from foundry_constructs.observability import (
    Alerting,
    AlertingProps,
    MetricAlert,
    MetricAlertProps,
    traffic_manager_endpoint_down,
)
from foundry_constructs.routing import FailoverRouting, FailoverRoutingProps, Probe, ProbeProtocol, RoutedEndpoint
from stacks.common import PlatformStack, receivers


class RoutingStack(PlatformStack):
    def __init__(self, scope: Construct, cfg: PlatformConfig):
        super().__init__(scope, cfg.namer.stack("routing"), cfg)
        routing, n = cfg.routing, cfg.namer
        assert routing is not None
        home = cfg.secondary_regions[0]  # outside the primary's blast radius
        rg = resource_group.ResourceGroup(
            self, "resource-group", name=n.resource_group(home, purpose="routing"), location=home
        )
        probe = routing.probe
        tcp = probe.protocol == "TCP"
        self.routing = FailoverRouting(
            self,
            "routing",
            FailoverRoutingProps(
                name=n.traffic_manager(),
                relative_name=routing.dns_name or n.traffic_manager_dns(),
                resource_group=rg,
                # hub-region order (primary first) is the standby order and stays stable on promotion
                endpoints=tuple(RoutedEndpoint(region=r, host=h) for r, h in cfg.routing_hosts.items()),
                active_region=cfg.active_region,
                probe=Probe(
                    path=None if tcp else probe.path,
                    protocol=ProbeProtocol(probe.protocol),
                    port=probe.port,
                    # Traffic Manager takes ranges only: a single code "200" is the range "200-200"
                    expected_status_codes=() if tcp else tuple(
                        c if "-" in c else f"{c}-{c}" for c in probe.expected_status_codes
                    ),
                    interval_seconds=probe.interval_seconds,
                    timeout_seconds=probe.timeout_seconds,
                    tolerated_failures=probe.tolerated_failures,
                ),
                ttl=routing.ttl_seconds,
            ),
        )
        alerting = Alerting(self, "alerting", AlertingProps(
            name=n.action_group("routing"), short_name=n.action_group_short("routing"), resource_group=rg,
            allow_no_receivers=True, **receivers(cfg),
        ))
        for location in cfg.routing_hosts:
            MetricAlert(self, f"endpoint-down-{location}", MetricAlertProps(
                name=n.alert("routing", f"{location}-endpoint-down"), resource_group=rg, action_group=alerting,
                target=self.routing, spec=traffic_manager_endpoint_down(location),
            ))
        TerraformOutput(self, "fqdn", value=self.routing.fqdn,
                        description="the name clients call (Traffic Manager, Priority routing)")
        TerraformOutput(self, "active_region", value=cfg.active_region,
                        description="the region Traffic Manager answers first (regions.active, else the primary)")
        TerraformOutput(self, "endpoints", value=dict(cfg.routing_hosts),
                        description="each region's health-probed inference host (your ingress)")
