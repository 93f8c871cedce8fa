"""The stacks and their resources by kind, with the deployment order.

Example::

    >>> from app.report.inventory import stacks
    >>> [s["name"] for s in stacks(load_config("config/default.yaml"))]
    ['fraud-prod-shared', 'fraud-prod-eastus', 'fraud-prod-westus', 'fraud-prod-routing']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from app.report.common import cmk, hub_cmk, hub_storage_redundancy, private_network, \
    registry_cmk, spelled

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

# What the stacks reach privately (one endpoint per target) and the DNS zones each VNet links.
PRIVATE_DNS_ZONES = ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net", "privatelink.vaultcore.azure.net",
                     "privatelink.blob.core.windows.net", "privatelink.file.core.windows.net", "privatelink.azurecr.io")
REGION_METRIC_ALERTS = ("quota utilization", "unusable nodes", "hub storage availability", "key vault availability")
PROJECT_METRIC_ALERTS = ("failed runs", "model deploy failed")
SHARED_METRIC_ALERTS = ("registry storage used", "training data availability")
SHARED_LOG_ALERTS = ("registry pulls",)



Where = Callable[["PlatformConfig", str], int]
Detail = Callable[["PlatformConfig", str], str]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of resource in one kind of stack; ``count`` 0 means absent for that config/location."""

    scope: str  # "shared" | "region" | "routing"
    group: str  # the box it is drawn in
    name: str
    count: Where
    detail: Detail = lambda cfg, loc: ""



def shared_endpoints(cfg: PlatformConfig) -> list[str]:
    """Private endpoints beside the shared resources (for CI runners and Terraform)."""
    return ["registry", "training data (blob)"] + (["CMK key vault"] if cmk(cfg) else []) if private_network(cfg) else []


def region_endpoints(cfg: PlatformConfig) -> list[str]:
    """Private endpoints in each region's VNet: its own hub, vault and storage, and the shared resources."""
    if not private_network(cfg):
        return []
    return (["hub", "hub key vault", "hub storage (blob)", "hub storage (file)", "registry", "training data (blob)"]
            + (["CMK key vault"] if cmk(cfg) else [])
            + (["training data (blob_secondary)"] if cfg.training_data_secondary_readable else []))


def _zr(cfg: PlatformConfig, loc: str) -> str:
    return "zone redundant" if cfg.replica_zone_redundant(loc) else "no zone redundancy"


def _network_kinds(scope: str, endpoints: Callable[[PlatformConfig], list[str]]) -> tuple[Kind, ...]:
    return (
        Kind(scope, "Network", "Virtual network", lambda c, l: int(private_network(c)),
             lambda c, l: c.address_spaces.get(l, "") if scope == "region" else ""),
        Kind(scope, "Network", "Subnet and network security group", lambda c, l: int(private_network(c)),
             lambda c, l: "private endpoints"),
        Kind(scope, "Network", "Private endpoint", lambda c, l: len(endpoints(c)), lambda c, l: ", ".join(endpoints(c))),
        Kind(scope, "Network", "Private DNS zone (linked to the VNet)", lambda c, l: len(PRIVATE_DNS_ZONES) * int(private_network(c))),
        Kind(scope, "Network", "Private DNS A record (registry)",
             lambda c, l: (1 + len(c.hub_regions) * (2 if c.registry.regional_endpoints else 1)) * int(private_network(c)),
             lambda c, l: "login server and the data endpoint of every registry location"
             + (" and its regional endpoint" if c.registry.regional_endpoints else "")
             + ", from the endpoint's network interface"),
    )


# The lead decides the exact resources (stacks/); this table describes them by kind, from the
# config's switches, so the report never needs a synth. Checked against a synth of config/default.yaml
# on 2026-11-22; keep it in step with stacks/.
RESOURCE_KINDS: tuple[Kind, ...] = (
    # shared: <workload>-<env>-shared, in the primary region
    Kind("shared", "Governance", "Resource group", lambda c, l: 1),
    Kind("shared", "Governance", "Management lock (CanNotDelete)", lambda c, l: 2 + int(cmk(c)),
         lambda c, l: "registry, training data" + (", CMK key vault" if cmk(c) else "")),
    Kind("shared", "Governance", "Role assignment", lambda c, l: 2 * int(cmk(c)), lambda c, l: "key vault crypto roles"),
    Kind("shared", "Registry", "Container registry", lambda c, l: 1,
         lambda c, l: f"{c.registry.sku.value}, {_zr(c, l)}, untagged retention {c.registry.untagged_retention_days} d"),
    Kind("shared", "Registry", "Registry geo-replica", lambda c, l: len(c.secondary_regions),
         lambda c, l: ", ".join(f"{r} ({_zr(c, r)})" for r in sorted(c.secondary_regions))),
    Kind("shared", "Data", "Storage account (training data)", lambda c, l: 1,
         lambda c, l: f"{spelled(c.training_data.redundancy.value)}, {c.training_data.size_tb:g} TB, "
         f"soft delete {c.training_data.blob_soft_delete_days} d, versioning"
         + (f", point-in-time restore {c.training_data.point_in_time_restore_days} d" if c.training_data.point_in_time_restore_days else "")),
    Kind("shared", "Data", "Blob container", lambda c, l: 1,
         lambda c, l: c.training_data.container_name
         + (f", WORM {c.training_data.immutability_days} d" + (" (locked)" if c.training_data.immutability_locked else "")
            if c.training_data.immutability_days else "")),
    Kind("shared", "Keys", "Key vault (customer-managed keys)", lambda c, l: int(cmk(c))),
    Kind("shared", "Keys", "Key vault key", lambda c, l: int(cmk(c)) + int(registry_cmk(c)),
         lambda c, l: ("registry, " if registry_cmk(c) else "")
         + f"training data; rotated every {c.encryption.key_rotation_days} d"),
    Kind("shared", "Data", "Lifecycle policy", lambda c, l: 1,
         lambda c, l: f"deletes blob versions after {c.training_data.version_retention_days} d"),
    Kind("shared", "Keys", "User-assigned identity", lambda c, l: int(cmk(c)), lambda c, l: "reads the keys"),
    Kind("shared", "Keys", "Event Grid system topic (key vault)", lambda c, l: int(cmk(c)),
         lambda c, l: "key near expiry / expired events"),
    Kind("shared", "Keys", "Key expiry alert subscription (AzAPI)", lambda c, l: int(cmk(c)),
         lambda c, l: "Azure Monitor alert through the stack's action group"),
    Kind("shared", "Keys", "RBAC propagation wait (time_sleep)", lambda c, l: int(cmk(c)),
         lambda c, l: "keys are created once their role assignments can have taken effect"),
    *_network_kinds("shared", shared_endpoints),
    Kind("shared", "Monitoring", "Log Analytics workspace", lambda c, l: 1),
    Kind("shared", "Monitoring", "Diagnostic setting", lambda c, l: 3 + int(cmk(c))),
    Kind("shared", "Monitoring", "Action group", lambda c, l: 1),
    Kind("shared", "Monitoring", "Resource health alert", lambda c, l: 2 + int(cmk(c)),
         lambda c, l: "registry, training data" + (", CMK key vault" if cmk(c) else "")),
    Kind("shared", "Monitoring", "Metric alert", lambda c, l: len(SHARED_METRIC_ALERTS), lambda c, l: ", ".join(SHARED_METRIC_ALERTS)),
    Kind("shared", "Monitoring", "Log search alert", lambda c, l: len(SHARED_LOG_ALERTS), lambda c, l: ", ".join(SHARED_LOG_ALERTS)),
    # region: <workload>-<env>-<region>, one per hub region
    Kind("region", "Governance", "Resource group", lambda c, l: 1),
    Kind("region", "Governance", "Role assignment", lambda c, l: 2 * (1 + len(c.clusters(l))) + 1 + 2 * int(cmk(c)),
         lambda c, l: "AcrPull and Storage Blob Data Reader for the hub and each cluster identity; the hub approves its "
         "managed network's endpoint to the training data" + ("; key vault crypto roles" if cmk(c) else "")),
    Kind("region", "Governance", "Management lock (CanNotDelete)", lambda c, l: 3 + len(c.hub.projects),
         lambda c, l: "hub, projects, key vault, storage"),
    *_network_kinds("region", region_endpoints),
    Kind("region", "Network", "Hub managed-network outbound rule", lambda c, l: 1, lambda c, l: "training data (blob)"),
    Kind("region", "Network", "Hub managed-network outbound rule (AzAPI)", lambda c, l: int(c.training_data_secondary_readable),
         lambda c, l: "training data (blob_secondary): azurerm 4.55 refuses that sub-resource"),
    Kind("region", "Network", "Managed network provisioning (AzAPI action)", lambda c, l: 1,
         lambda c, l: "before compute: azurerm needs the managed network active"),
    Kind("region", "Data and keys", "Key vault", lambda c, l: 1, lambda c, l: "soft delete, purge protection"),
    Kind("region", "Data and keys", "Storage account (hub default)", lambda c, l: 1,
         lambda c, l: spelled(hub_storage_redundancy(l)) + ", never failed over"),
    Kind("region", "Data and keys", "Key vault key", lambda c, l: int(cmk(c)) + int(hub_cmk(c)),
         lambda c, l: "hub storage" + (", hub metadata (RSA-HSM 2048, the hub keeps its version)" if hub_cmk(c) else "")),
    Kind("region", "Data and keys", "User-assigned identity", lambda c, l: int(cmk(c)), lambda c, l: "reads the key"),
    Kind("region", "Data and keys", "Lifecycle policy", lambda c, l: 1, lambda c, l: "hub storage: deletes blob versions after 30 d"),
    Kind("region", "Data and keys", "Event Grid system topic (key vault)", lambda c, l: int(cmk(c)),
         lambda c, l: "key near expiry / expired events"),
    Kind("region", "Data and keys", "Key expiry alert subscription (AzAPI)", lambda c, l: int(cmk(c)),
         lambda c, l: "Azure Monitor alert through the stack's action group"),
    Kind("region", "Data and keys", "RBAC propagation wait (time_sleep)", lambda c, l: 1 + int(cmk(c)),
         lambda c, l: "the managed network's outbound rules wait for the hub's approver role"
         + ("; the key is created once its role assignments can have taken effect" if cmk(c) else "")),
    Kind("region", "AI", "Foundry hub", lambda c, l: 1,
         lambda c, l: ("passive" if c.is_passive(l) else "active") + (", high business impact" if c.hub.high_business_impact else "")
         + (", customer-managed key (Azure adds Cosmos DB, AI Search and storage in a managed resource group)"
            if hub_cmk(c) else "")),
    Kind("region", "AI", "Foundry project", lambda c, l: len(c.hub.projects), lambda c, l: ", ".join(c.hub.projects)),
    Kind("region", "AI", "Compute cluster", lambda c, l: len(c.clusters(l)),
         lambda c, l: ", ".join(f"{s.name} {s.vm_size} {s.min_nodes}-{s.max_nodes}" for s in c.clusters(l))),
    Kind("region", "Monitoring", "Log Analytics workspace", lambda c, l: 1, lambda c, l: f"{c.monitoring.log_retention_days} d retention"),
    Kind("region", "Monitoring", "Application Insights", lambda c, l: 1),
    Kind("region", "Monitoring", "Diagnostic setting", lambda c, l: 4 + len(c.hub.projects),
         lambda c, l: "hub, projects, key vault, storage account and its blob service"),
    Kind("region", "Monitoring", "Action group", lambda c, l: 1),
    Kind("region", "Monitoring", "Service health alert", lambda c, l: 1),
    Kind("region", "Monitoring", "Resource health alert", lambda c, l: 2, lambda c, l: "hub, key vault"),
    Kind("region", "Monitoring", "Metric alert",
         lambda c, l: len(REGION_METRIC_ALERTS) + len(PROJECT_METRIC_ALERTS) * len(c.hub.projects),
         lambda c, l: ", ".join(REGION_METRIC_ALERTS) + "; per project: " + ", ".join(PROJECT_METRIC_ALERTS)),
    Kind("region", "Release", "Replication gate (terraform_data)",
         lambda c, l: int(c.release_gate.enabled and l in c.secondary_regions), lambda c, l: c.release_gate.image or ""),
    # routing: <workload>-<env>-routing, when the config has a routing section
    Kind("routing", "Routing", "Resource group", lambda c, l: 1),
    Kind("routing", "Routing", "Management lock (CanNotDelete)", lambda c, l: 1, lambda c, l: "profile"),
    Kind("routing", "Routing", "Traffic Manager profile", lambda c, l: 1,
         lambda c, l: f"Priority, {c.active_region} first, TTL {c.routing.ttl_seconds} s"),
    Kind("routing", "Routing", "External endpoint", lambda c, l: len(c.hub_regions),
         lambda c, l: ", ".join(f"{r}: {h}" for r, h in c.routing_hosts.items())),
    Kind("routing", "Monitoring", "Action group", lambda c, l: 1),
    Kind("routing", "Monitoring", "Metric alert", lambda c, l: len(c.hub_regions), lambda c, l: "endpoint down, per region"),
)


def stacks(cfg: PlatformConfig) -> list[dict[str, Any]]:
    """Every stack with its resources by kind and what it depends on, in deployment order."""
    namer, primary = cfg.namer, cfg.regions.primary
    out = [_stack(cfg, "shared", namer.stack("shared"), primary, "shared; home in the primary region", [], 1)]
    for loc in cfg.hub_regions:
        role = ("primary, " if loc == primary else "secondary, ") + ("passive" if cfg.is_passive(loc) else "active")
        if loc == cfg.active_region and cfg.routing is not None:
            role += ", served first"
        deps = [namer.stack("shared")] + ([] if loc == primary else [namer.stack(primary)])
        out.append(_stack(cfg, "region", namer.stack(loc), loc, role, deps, 2 if loc == primary else 3))
    if cfg.routing is not None:
        out.append(_stack(cfg, "routing", namer.stack("routing"), "global", "failover routing; independent", [], None))
    return out


def _stack(cfg: PlatformConfig, scope: str, name: str, loc: str, role: str, deps: list[str],
           wave: int | None) -> dict[str, Any]:
    resources = []
    for k in RESOURCE_KINDS:
        if k.scope != scope:
            continue
        n = k.count(cfg, loc)
        if n:
            resources.append({"kind": k.name, "group": k.group, "count": n, "detail": k.detail(cfg, loc)})
    return {"name": name, "scope": scope, "location": loc, "role": role, "depends_on": deps,
            "deploy_wave": wave, "resources": resources}


def deployment_order(all_stacks: list[dict[str, Any]]) -> dict[str, Any]:
    waves: dict[int, list[str]] = {}
    for s in all_stacks:
        if s["deploy_wave"] is not None:
            waves.setdefault(s["deploy_wave"], []).append(s["name"])
    return {
        "sequence": [waves[w] for w in sorted(waves)],
        "independent": [s["name"] for s in all_stacks if s["deploy_wave"] is None],
        "rule": "shared first (regions read its outputs from state), then the primary region, then the secondaries "
                "(in parallel); routing needs no other stack's state",
    }

