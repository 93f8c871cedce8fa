"""``python main.py report``: the design document for the people who approve it, from the config alone.

Example::

    python main.py report                                   # markdown on stdout
    python main.py report --format json                     # the same data, structured and deterministic
    python main.py report --format html --out report.html   # one self-contained page, diagram rendered

Sections: the stacks and their resources by kind with the deployment order (a Mermaid
diagram), availability against ``targets.availability_percent`` (published SLAs, the
formula, the single-region figure and the multi-region upper bound), RPO/RTO and
durability per data path, a monthly cost estimate by component and region with the
comparisons the design rests on, and every choice the config made with its trade-off.

Nothing here synthesizes or imports cdktf: the stacks are derived from the validated
config and the small table :data:`RESOURCE_KINDS` (keep it in step with ``stacks/``).
Prices come from ``app/prices.yaml`` (source and date per entry), overridable per key in
``report.price_overrides``; SLAs from :data:`SLAS`. This module is imported when the
CLI builds its parser, so it loads only the standard library and the light ``app``
modules at import time; the config model (pydantic) and YAML load inside :func:`run`.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from app.errors import EXIT_OK, ConfigError, Problem
from app.regions import region

if TYPE_CHECKING:  # pragma: no cover - typing only; importing the model loads pydantic
    from app.config import PlatformConfig

FORMATS = ("markdown", "json", "html")
DEFAULT_CONFIG = "config/default.yaml"
HERE = Path(__file__).resolve().parent
PRICES_FILE = HERE / "prices.yaml"
MERMAID_JS = HERE / "vendor" / "mermaid" / "mermaid.min.js"
MERMAID_VERSION = "11.17.2"
MERMAID_SHA256 = "581ed7d74bd9048d0e3a91363927d72ef22942d7722546b27f7cc29e35390eb8"

HOURS_PER_MONTH = 730  # Azure's billing month
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
MINUTES_PER_MONTH = HOURS_PER_MONTH * 60
GB_PER_TB = 1024  # Azure storage bills binary gigabytes

DURABILITY_NINES = {"LRS": 11, "ZRS": 12, "GRS": 16, "RAGRS": 16, "GZRS": 16, "RAGZRS": 16}
REDUNDANCIES = ("LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS")
SPELLED = {"RAGRS": "RA-GRS", "RAGZRS": "RA-GZRS"}
ACR_INCLUDED_GB = {"Basic": 10, "Standard": 100, "Premium": 500}

# What the stacks reach privately (one endpoint per target) and the DNS zones each VNet links.
PRIVATE_DNS_ZONES = ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net", "privatelink.vaultcore.azure.net",
                     "privatelink.blob.core.windows.net", "privatelink.file.core.windows.net", "privatelink.azurecr.io")
REGION_METRIC_ALERTS = ("quota utilization", "unusable nodes", "hub storage availability", "key vault availability")
PROJECT_METRIC_ALERTS = ("failed runs", "model deploy failed")
SHARED_METRIC_ALERTS = ("registry storage used", "training data availability")
SHARED_LOG_ALERTS = ("registry pulls",)


def spelled(redundancy: str) -> str:
    """``RAGRS`` -> ``RA-GRS``: how Microsoft's pages write it."""
    return SPELLED.get(redundancy, redundancy)


def vm_key(vm_size: str) -> str:
    """Price key of a VM size: ``Standard_D4s_v3`` -> ``vm.standard_d4s_v3``."""
    return "vm." + vm_size.lower()


# --------------------------------------------------------------------------- resources by kind

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


def _private(cfg: PlatformConfig) -> bool:
    return cfg.network.private


def _registry_cmk(cfg: PlatformConfig) -> bool:
    return cfg.encryption.customer_managed_keys and cfg.encryption.registry_customer_managed_key


def _cmk(cfg: PlatformConfig) -> bool:
    return cfg.encryption.customer_managed_keys


def _hub_cmk(cfg: PlatformConfig) -> bool:
    """Each hub's metadata under a key in its region's vault (``encryption.hub_customer_managed_key``)."""
    return cfg.encryption.customer_managed_keys and cfg.encryption.hub_key


def hub_storage_redundancy(loc: str) -> str:
    """A hub's default storage, as the config model decides it (and stacks/region.py builds it)."""
    from app.config import PlatformConfig

    return PlatformConfig.hub_storage_replication(loc)


def shared_endpoints(cfg: PlatformConfig) -> list[str]:
    """Private endpoints beside the shared resources (for CI runners and Terraform)."""
    return ["registry", "training data (blob)"] + (["CMK key vault"] if _cmk(cfg) else []) if _private(cfg) else []


def region_endpoints(cfg: PlatformConfig) -> list[str]:
    """Private endpoints in each region's VNet: its own hub, vault and storage, and the shared resources."""
    if not _private(cfg):
        return []
    return (["hub", "hub key vault", "hub storage (blob)", "hub storage (file)", "registry", "training data (blob)"]
            + (["CMK key vault"] if _cmk(cfg) else [])
            + (["training data (blob_secondary)"] if cfg.training_data_secondary_readable else []))


def _zr(cfg: PlatformConfig, loc: str) -> str:
    return "zone redundant" if cfg.replica_zone_redundant(loc) else "no zone redundancy"


def _network_kinds(scope: str, endpoints: Callable[[PlatformConfig], list[str]]) -> tuple[Kind, ...]:
    return (
        Kind(scope, "Network", "Virtual network", lambda c, l: int(_private(c)),
             lambda c, l: c.address_spaces.get(l, "") if scope == "region" else ""),
        Kind(scope, "Network", "Subnet and network security group", lambda c, l: int(_private(c)),
             lambda c, l: "private endpoints"),
        Kind(scope, "Network", "Private endpoint", lambda c, l: len(endpoints(c)), lambda c, l: ", ".join(endpoints(c))),
        Kind(scope, "Network", "Private DNS zone (linked to the VNet)", lambda c, l: len(PRIVATE_DNS_ZONES) * int(_private(c))),
        Kind(scope, "Network", "Private DNS A record (registry)",
             lambda c, l: (1 + len(c.hub_regions) * (2 if c.registry.regional_endpoints else 1)) * int(_private(c)),
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
    Kind("shared", "Governance", "Management lock (CanNotDelete)", lambda c, l: 2 + int(_cmk(c)),
         lambda c, l: "registry, training data" + (", CMK key vault" if _cmk(c) else "")),
    Kind("shared", "Governance", "Role assignment", lambda c, l: 2 * int(_cmk(c)), lambda c, l: "key vault crypto roles"),
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
    Kind("shared", "Keys", "Key vault (customer-managed keys)", lambda c, l: int(_cmk(c))),
    Kind("shared", "Keys", "Key vault key", lambda c, l: int(_cmk(c)) + int(_registry_cmk(c)),
         lambda c, l: ("registry, " if _registry_cmk(c) else "")
         + f"training data; rotated every {c.encryption.key_rotation_days} d"),
    Kind("shared", "Data", "Lifecycle policy", lambda c, l: 1,
         lambda c, l: f"deletes blob versions after {c.training_data.version_retention_days} d"),
    Kind("shared", "Keys", "User-assigned identity", lambda c, l: int(_cmk(c)), lambda c, l: "reads the keys"),
    Kind("shared", "Keys", "Event Grid system topic (key vault)", lambda c, l: int(_cmk(c)),
         lambda c, l: "key near expiry / expired events"),
    Kind("shared", "Keys", "Key expiry alert subscription (AzAPI)", lambda c, l: int(_cmk(c)),
         lambda c, l: "Azure Monitor alert through the stack's action group"),
    Kind("shared", "Keys", "RBAC propagation wait (time_sleep)", lambda c, l: int(_cmk(c)),
         lambda c, l: "keys are created once their role assignments can have taken effect"),
    *_network_kinds("shared", shared_endpoints),
    Kind("shared", "Monitoring", "Log Analytics workspace", lambda c, l: 1),
    Kind("shared", "Monitoring", "Diagnostic setting", lambda c, l: 3 + int(_cmk(c))),
    Kind("shared", "Monitoring", "Action group", lambda c, l: 1),
    Kind("shared", "Monitoring", "Resource health alert", lambda c, l: 2 + int(_cmk(c)),
         lambda c, l: "registry, training data" + (", CMK key vault" if _cmk(c) else "")),
    Kind("shared", "Monitoring", "Metric alert", lambda c, l: len(SHARED_METRIC_ALERTS), lambda c, l: ", ".join(SHARED_METRIC_ALERTS)),
    Kind("shared", "Monitoring", "Log search alert", lambda c, l: len(SHARED_LOG_ALERTS), lambda c, l: ", ".join(SHARED_LOG_ALERTS)),
    # region: <workload>-<env>-<region>, one per hub region
    Kind("region", "Governance", "Resource group", lambda c, l: 1),
    Kind("region", "Governance", "Role assignment", lambda c, l: 2 * (1 + len(c.clusters(l))) + 1 + 2 * int(_cmk(c)),
         lambda c, l: "AcrPull and Storage Blob Data Reader for the hub and each cluster identity; the hub approves its "
         "managed network's endpoint to the training data" + ("; key vault crypto roles" if _cmk(c) else "")),
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
    Kind("region", "Data and keys", "Key vault key", lambda c, l: int(_cmk(c)) + int(_hub_cmk(c)),
         lambda c, l: "hub storage" + (", hub metadata (RSA-HSM 2048, the hub keeps its version)" if _hub_cmk(c) else "")),
    Kind("region", "Data and keys", "User-assigned identity", lambda c, l: int(_cmk(c)), lambda c, l: "reads the key"),
    Kind("region", "Data and keys", "Lifecycle policy", lambda c, l: 1, lambda c, l: "hub storage: deletes blob versions after 30 d"),
    Kind("region", "Data and keys", "Event Grid system topic (key vault)", lambda c, l: int(_cmk(c)),
         lambda c, l: "key near expiry / expired events"),
    Kind("region", "Data and keys", "Key expiry alert subscription (AzAPI)", lambda c, l: int(_cmk(c)),
         lambda c, l: "Azure Monitor alert through the stack's action group"),
    Kind("region", "Data and keys", "RBAC propagation wait (time_sleep)", lambda c, l: 1 + int(_cmk(c)),
         lambda c, l: "the managed network's outbound rules wait for the hub's approver role"
         + ("; the key is created once its role assignments can have taken effect" if _cmk(c) else "")),
    Kind("region", "AI", "Foundry hub", lambda c, l: 1,
         lambda c, l: ("passive" if c.is_passive(l) else "active") + (", high business impact" if c.hub.high_business_impact else "")
         + (", customer-managed key (Azure adds Cosmos DB, AI Search and storage in a managed resource group)"
            if _hub_cmk(c) else "")),
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


def mermaid(all_stacks: list[dict[str, Any]]) -> str:
    """A flowchart: one subgraph per stack, one box per group of resources, edges for dependencies."""
    ids = {s["name"]: f"st{i}" for i, s in enumerate(all_stacks)}
    lines = ["flowchart TB"]  # stacks top to bottom in deployment order; each stack a row of boxes
    for s in all_stacks:
        sid = ids[s["name"]]
        where = "global" if s["location"] == "global" else s["location"]
        lines.append(f'  subgraph {sid}["{_mm(s["name"])} ({where})"]')
        groups: dict[str, list[str]] = {}
        for r in s["resources"]:
            groups.setdefault(r["group"], []).append(f'{r["kind"]} x{r["count"]}')
        for gi, (group, items) in enumerate(groups.items()):
            label = "<br/>".join([f"<b>{_mm(group)}</b>"] + [_mm(i) for i in items])
            lines.append(f'    {sid}g{gi}["{label}"]')
        if len(groups) > 1:  # invisible links keep a stack's boxes in one row
            lines.append("    " + " ~~~ ".join(f"{sid}g{gi}" for gi in range(len(groups))))
        lines.append("  end")
    shared = next(s for s in all_stacks if s["scope"] == "shared")
    for s in all_stacks:
        if s["scope"] == "region":
            lines.append(f'  {ids[shared["name"]]} -- "remote state: ids" --> {ids[s["name"]]}')
            for dep in s["depends_on"]:
                if dep != shared["name"]:
                    lines.append(f'  {ids[dep]} -. "deploy after" .-> {ids[s["name"]]}')
    for s in all_stacks:
        if s["scope"] == "routing":
            for r in all_stacks:
                if r["scope"] == "region":
                    lines.append(f'  {ids[s["name"]]} -. "probe, failover" .-> {ids[r["name"]]}')
    return "\n".join(lines) + "\n"


def _mm(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return re.sub(r'["#;]', "", text).replace("&", "and")


# --------------------------------------------------------------------------- availability

SLA_CHECKED = "2026-11-22"
SLA_DOC = "https://www.microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services"


@dataclass(frozen=True, slots=True)
class Sla:
    service: str
    percent: float
    source: str
    basis: str


SLAS: dict[str, Sla] = {
    "machine_learning": Sla(
        "Azure Machine Learning (Foundry hub)", 99.9, SLA_DOC,
        "secondary sources agree on 99.9% (nextsignal.io Azure ML SLA guide; gmicloud.ai, 2026-04); "
        "the SLA document itself was not readable offline"),
    "container_registry": Sla(
        "Container Registry (each replica)", 99.9, SLA_DOC,
        "most references list 99.9%, one lists 99.95% for Premium; Microsoft's reliability guide "
        "(learn.microsoft.com/azure/reliability/reliability-container-registry) defers to the SLA document; the lower figure is used"),
    "key_vault": Sla(
        "Key Vault", 99.99, SLA_DOC,
        "most references list 99.99% (one guide says 99.9%); not confirmed against the SLA document"),
    "storage_read": Sla(
        "Storage, reads (LRS, ZRS, GRS, GZRS; hot tier)", 99.9,
        "https://azure.microsoft.com/ja-jp/support/legal/sla/storage/v1_1/",
        "Microsoft's Storage SLA text: 99.9% for reads from LRS/ZRS/GRS (99% cool tier)"),
    "storage_write": Sla(
        "Storage, writes (all redundancies; hot tier)", 99.9,
        "https://azure.microsoft.com/ja-jp/support/legal/sla/storage/v1_1/",
        "Microsoft's Storage SLA text: 99.9% for writes to LRS/ZRS/GRS/RA-GRS"),
    "storage_ra_read": Sla(
        "Storage, reads (RA-GRS, RA-GZRS; hot tier)", 99.99,
        "https://azure.microsoft.com/ja-jp/support/legal/sla/storage/v1_1/",
        "Microsoft's Storage SLA text: 99.99% for RA-GRS reads when failed reads are retried on the secondary"),
    "cmk_key_vault": Sla(
        "Key Vault (shared, customer-managed keys)", 99.99, SLA_DOC,
        "as Key Vault above; with customer-managed keys the registry, the training data and the hubs' storage stop "
        "serving when the key cannot be read"),
    "traffic_manager": Sla(
        "Traffic Manager", 99.99, SLA_DOC,
        "every reference found lists 99.99% (DNS answers); Microsoft's reliability guide defers to the SLA document"),
    "private_link": Sla(
        "Private Link (private endpoints)", 99.99, SLA_DOC,
        "not verified: no stored source gave a figure; 99.99% is the figure commonly quoted"),
    "log_analytics": Sla("Log Analytics", 99.9, SLA_DOC, "secondary sources (architecture references) list 99.9%"),
    "application_insights": Sla("Application Insights", 99.9, SLA_DOC, "secondary sources list 99.9%"),
}


def serial(percents: list[float]) -> float:
    """Components that must all work: the product of their availabilities (percent in, percent out)."""
    return 100 * math.prod(p / 100 for p in percents)


def parallel(percents: list[float]) -> float:
    """Any one suffices: 1 - product of the unavailabilities (percent in, percent out)."""
    return 100 * (1 - math.prod(1 - p / 100 for p in percents))


def composite(region_chains: dict[str, list[float]], global_chain: list[float], primary: str) -> dict[str, float]:
    """Single-region, parallel-regions and composite figures (percent) of an active-passive design."""
    per_region = {r: serial(chain) for r, chain in region_chains.items()}
    regions_any = parallel(list(per_region.values()))
    global_part = serial(global_chain)
    return {
        "per_region": per_region,
        "parallel_regions": regions_any,
        "global": global_part,
        "upper_bound": serial([regions_any, global_part]),
        "single_region": serial([per_region[primary], global_part]),
    }


def _r(x: float, digits: int = 6) -> float:
    return round(x, digits)


def availability(cfg: PlatformConfig) -> dict[str, Any]:
    region_keys = ["machine_learning", "key_vault", "storage_write", "container_registry"]
    if cfg.network.private:
        region_keys.append("private_link")
    data_key = "storage_ra_read" if cfg.training_data.redundancy.value.startswith("RA") else "storage_read"
    global_keys = ([data_key] + (["cmk_key_vault"] if cfg.encryption.customer_managed_keys else [])
                   + (["traffic_manager"] if cfg.routing is not None else []))
    role = {"machine_learning": "Foundry hub", "key_vault": "hub key vault", "storage_write": "hub default storage",
            "container_registry": "registry replica in the region", "private_link": "private endpoints",
            "storage_read": "training data", "storage_ra_read": "training data", "traffic_manager": "failover routing",
            "cmk_key_vault": "keys of the registry, the training data and the hub storage"}
    components = [{"key": k, "service": SLAS[k].service, "role": role[k], "scope": "each region", "percent": SLAS[k].percent,
                   "source": SLAS[k].source, "basis": SLAS[k].basis} for k in region_keys]
    components += [{"key": k, "service": SLAS[k].service, "role": role[k], "scope": "global", "percent": SLAS[k].percent,
                    "source": SLAS[k].source, "basis": SLAS[k].basis} for k in global_keys]
    ingress = cfg.routing.ingress_sla_percent if cfg.routing is not None else None
    if ingress is not None:
        components.append({
            "key": "ingress", "service": "Inference ingress (yours: an external dependency)",
            "role": "serves each region's scoring endpoint and the public health path Traffic Manager probes",
            "scope": "each region, inference only", "percent": ingress, "source": "routing.ingress_sla_percent",
            "basis": "assumed, not built by these stacks; the default is Azure Application Gateway v2's SLA"})
    components += [{"key": k, "service": SLAS[k].service, "role": "monitoring, not in the request path",
                    "scope": "excluded", "percent": SLAS[k].percent, "source": SLAS[k].source, "basis": SLAS[k].basis}
                   for k in ("log_analytics", "application_insights")]
    chains = {loc: [SLAS[k].percent for k in region_keys] for loc in cfg.hub_regions}
    figures = composite(chains, [SLAS[k].percent for k in global_keys], cfg.regions.primary)
    target = cfg.targets.availability_percent
    limiting = min(global_keys, key=lambda k: SLAS[k].percent)

    def downtime(p: float) -> float:
        return _r((1 - p / 100) * MINUTES_PER_MONTH, 1)

    # The same formula per path: serving needs routing but not the training data; training the reverse.
    paths = []
    for name, keys in (("inference (serving)", [k for k in global_keys if k in ("traffic_manager", "cmk_key_vault")]),
                       ("training", [k for k in global_keys if k != "traffic_manager"])):
        serving = name.startswith("inference") and ingress is not None
        path_chains = {loc: chain + [ingress] for loc, chain in chains.items()} if serving else chains
        f = composite(path_chains, [SLAS[k].percent for k in keys], cfg.regions.primary)
        paths.append({"path": name, "global_components": [SLAS[k].service for k in keys],
                      "external_dependencies": ["inference ingress"] if serving else [],
                      "single_region_percent": _r(f["single_region"]), "upper_bound_percent": _r(f["upper_bound"]),
                      "meets_target": {"single_region": f["single_region"] >= target, "upper_bound": f["upper_bound"] >= target}})

    notes = [
        "The parallel formula assumes a secondary takes over the instant the primary fails. Active-passive failover "
        "takes time (detection, promotion, scale-out from zero nodes) and hub metadata is not replicated, so the real "
        "figure lies between the single-region figure and the upper bound.",
        "Regions are treated as failing independently; a shared dependency (Microsoft Entra ID, a global outage, a "
        "bad deployment applied everywhere) breaks that assumption.",
        f"The global factors are in series with everything: {', '.join(SLAS[k].service for k in global_keys)}. "
        f"The lowest of them ({SLAS[limiting].service}, {SLAS[limiting].percent}%) caps the design however many regions it has.",
        "SLAs are financially backed minimums, not measurements; monitoring is left out because it is not in the path "
        "of a training job or an inference call.",
    ]
    if data_key == "storage_read":
        notes.append(f"Training data on {spelled(cfg.training_data.redundancy.value)} has no read access to the "
                     "secondary, so its 99.9% applies; RA-GRS/RA-GZRS give 99.99% for reads that retry on the secondary endpoint.")
    else:
        notes.append("The 99.99% read figure holds only if jobs retry failed reads on the account's -secondary endpoint; "
                     "writes stay at 99.9%.")
    return {
        "target_percent": target,
        "sla_checked": SLA_CHECKED,
        "components": components,
        "formula": {
            "region": "A_region = " + " x ".join(f"A_{k}" for k in region_keys),
            "regions": "A_regions = 1 - " + " x ".join(f"(1 - A_{loc})" for loc in cfg.hub_regions),
            "global": "A_global = " + " x ".join(f"A_{k}" for k in global_keys),
            "upper_bound": "A_design <= A_regions x A_global",
            "single_region": f"A_single = A_{cfg.regions.primary} x A_global",
        },
        "regions": [{"region": loc, "role": "passive" if cfg.is_passive(loc) else "active",
                     "percent": _r(figures["per_region"][loc])} for loc in cfg.hub_regions],
        "parallel_regions_percent": _r(figures["parallel_regions"]),
        "global_percent": _r(figures["global"]),
        "single_region_percent": _r(figures["single_region"]),
        "composite_upper_bound_percent": _r(figures["upper_bound"]),
        "meets_target": {"single_region": figures["single_region"] >= target, "upper_bound": figures["upper_bound"] >= target},
        "downtime_minutes_per_month": {"target": downtime(target), "single_region": downtime(figures["single_region"]),
                                       "upper_bound": downtime(figures["upper_bound"])},
        "limiting_component": SLAS[limiting].service,
        "by_path": paths,
        "notes": notes,
    }


# --------------------------------------------------------------------------- RPO / RTO and durability


def failover_detection_seconds(cfg: PlatformConfig) -> int | None:
    """Worst case until clients resolve the next region: failed probes to mark the endpoint down, then the DNS TTL."""
    if cfg.routing is None:
        return None
    p = cfg.routing.probe
    return p.interval_seconds * (p.tolerated_failures + 1) + cfg.routing.ttl_seconds


def rpo_rto(cfg: PlatformConfig) -> list[dict[str, Any]]:
    from app.failure_modes import training_data_outage

    td, t = cfg.training_data, cfg.targets
    red = cfg.training_data_replication
    pair = region(cfg.regions.primary).pair
    detect = failover_detection_seconds(cfg)
    # what the stacks build for this config: the blob_secondary endpoints and outbound rules exist with RA-GRS/RA-GZRS
    outage = training_data_outage(red, cfg.regions.primary, worm=bool(td.immutability_days),
                                  secondary_reachable=cfg.training_data_secondary_readable,
                                  cmk=cfg.encryption.customer_managed_keys)
    paths = [
        {
            "path": "training data",
            "mechanism": f"{spelled(red)}: three synchronous copies in {cfg.regions.primary}"
                         + (" across zones" if "Z" in red else "") + f", asynchronous copy to its pair {pair}",
            "rpo": "typically under 15 minutes of writes (the account's Last Sync Time); Azure gives no SLA on the lag",
            "rpo_minutes_typical": 15,
            "rto": f"reads: {outage['reads']}; writes: {outage['writes']}",
            "rto_minutes": outage["rto_minutes"],
            "rto_reason": outage["reason"],
            "readable_in_secondary_during_outage": outage["readable_in_secondary"],
            "target_rpo_minutes": t.rpo_minutes,
            "meets_rpo_target": t.rpo_minutes >= 15,
            "notes": ("An immutability (WORM) policy is on: Azure refuses to fail the account over, so the data waits for "
                      "the region. " if td.immutability_days else "")
                     + "Failover is your decision and makes the pair the primary (LRS there until you re-enable geo-replication). "
                     + ("" if pair in cfg.hub_regions else f"The pair {pair} is not a hub region: after failover the hubs read the data across regions. ")
                     + "Deletions and overwrites replicate too: soft delete, versioning and point-in-time restore are the guard against them.",
        },
        {
            "path": "model images (registry)",
            "mechanism": f"{cfg.registry.sku.value} registry in {cfg.regions.primary}, geo-replicated to "
                         + ", ".join(cfg.secondary_regions) + "; eventually consistent",
            "rpo": "images pushed and replicated before the loss; replication of a multi-GB image takes minutes (5-15 typical)",
            "rpo_minutes_typical": 15,
            "rto": "pulls: none, the global endpoint routes to a healthy replica; pushes continue at replicas; registry "
                   "configuration changes wait for the home region",
            "target_rpo_minutes": t.rpo_minutes,
            "meets_rpo_target": t.rpo_minutes >= 15,
            "notes": "The release gate (python main.py gate) holds secondaries back until every replica serves the digest.",
        },
        {
            "path": "hub metadata (projects, connections, run history, registered assets)",
            "mechanism": "not replicated by Azure; each region's hub, projects, compute and role assignments are created "
                         "from the same config",
            "rpo": "since the last IaC apply for what the config describes; run history, experiments, hand-made "
                   "connections and assets registered in the lost region are gone",
            "rpo_minutes_typical": None,
            "rto": "the secondary hub already exists; resubmit jobs there (in-flight jobs are lost)",
            "target_rpo_minutes": t.rpo_minutes,
            "meets_rpo_target": False,
            "notes": "Keep models and data outside the hub (registry, training data account) and register them by pipeline, "
                     "so a redeploy restores them.",
        },
        {
            "path": "inference routing",
            "mechanism": ("Traffic Manager, Priority routing, " + cfg.active_region + " first") if cfg.routing else "none configured",
            "rpo": "not applicable (no data)",
            "rpo_minutes_typical": None,
            "rto": (f"about {detect} s until clients resolve the next region (probe every {cfg.routing.probe.interval_seconds} s, "
                    f"{cfg.routing.probe.tolerated_failures} tolerated failures, TTL {cfg.routing.ttl_seconds} s)"
                    if cfg.routing else "a manual DNS or client change"),
            "rto_seconds": detect,
            "target_rto_minutes": t.rto_minutes,
            "meets_rto_target": detect is not None and detect <= t.rto_minutes * 60,
            "notes": "Assumes the secondary's inference endpoint is deployed and warm; scaling a passive region's "
                     "compute out from zero adds minutes, and needs the quota to be there.",
        },
    ]
    return paths


def durability(cfg: PlatformConfig) -> dict[str, Any]:
    red = cfg.training_data.redundancy.value
    return {
        "scale": {spelled(r): f"{n} nines" for r, n in DURABILITY_NINES.items()},
        "paths": [
            {"path": "training data", "redundancy": spelled(red), "nines": DURABILITY_NINES[red],
             "annual_durability": "99." + "9" * (DURABILITY_NINES[red] - 2) + "%",
             "survives": "a zone and a region" if "Z" in red else "a region (a zone loss needs the failover)"},
            *({"path": f"hub default storage, {loc}", "redundancy": spelled(hub_storage_redundancy(loc)),
               "nines": DURABILITY_NINES[hub_storage_redundancy(loc)],
               "annual_durability": "99." + "9" * (DURABILITY_NINES[hub_storage_redundancy(loc)] - 2) + "%",
               "survives": ("a zone; a copy survives the region, but Azure ML cannot fail a hub's default storage over"
                            if "Z" in hub_storage_redundancy(loc) else
                            "a region as a copy only (Azure ML cannot fail it over); a zone loss takes the hub down")}
              for loc in cfg.hub_regions),
            {"path": "model images", "redundancy": f"one copy per replica region ({len(cfg.hub_regions)})", "nines": None,
             "annual_durability": "not published per image", "survives": "the loss of any region but the last"},
        ],
        "summary": f"Single-region LRS keeps data at 11 nines; the training data's {spelled(red)} keeps it at "
                   f"{DURABILITY_NINES[red]} nines.",
    }


# --------------------------------------------------------------------------- prices and cost


class PriceBook:
    """Prices from app/prices.yaml with the config's overrides applied; remembers which keys were used."""

    def __init__(self, doc: dict[str, Any], overrides: dict[str, float]):
        self.meta = {k: doc[k] for k in ("currency", "region", "checked")}
        self.entries: dict[str, dict[str, Any]] = doc["prices"]
        self.overrides = dict(overrides)
        self.used: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self.overrides or key in self.entries

    def __call__(self, key: str) -> float:
        self.used.add(key)
        if key in self.overrides:
            return float(self.overrides[key])
        return float(self.entries[key]["value"])

    def estimate(self, key: str) -> bool:
        return key not in self.overrides and bool(self.entries.get(key, {}).get("estimate", True))

    def table(self) -> list[dict[str, Any]]:
        rows = []
        for key in sorted(self.used):
            e = self.entries.get(key, {})
            rows.append({"key": key, "value": self(key), "unit": e.get("unit", "USD per node-hour"),
                         "source": "report.price_overrides" if key in self.overrides else e.get("source", ""),
                         "checked": e.get("checked", ""), "estimate": self.estimate(key),
                         "overridden": key in self.overrides, "note": e.get("note", "")})
        return rows


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, entry in doc["prices"].items():
        if not re.fullmatch(r"[a-z0-9_.]+", key) or not isinstance(entry.get("value"), (int, float)):
            raise ValueError(f"{path}: bad price entry {key!r}")
    return doc


def check_overrides(cfg: PlatformConfig, doc: dict[str, Any]) -> None:
    """Every key in report.price_overrides must name a price of ``doc``: the config's own check, on this price list."""
    from app.config import price_override_problems

    problems = price_override_problems(cfg.raw, set(doc["prices"]))
    if problems:
        raise ConfigError(cfg.source, problems)


@dataclass
class CostLine:
    component: str
    stack: str
    region: str
    monthly: float
    formula: str
    keys: tuple[str, ...]

    def as_dict(self, book: PriceBook) -> dict[str, Any]:
        return {"component": self.component, "stack": self.stack, "region": self.region,
                "monthly_usd": round(self.monthly, 2), "formula": self.formula, "price_keys": list(self.keys),
                "estimate": any(book.estimate(k) for k in self.keys)}


def _money(x: float) -> str:
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def _unit(x: float) -> str:
    """A unit price with its significant digits: $0.0368, $1.667, $0.192."""
    return f"${x:.4g}"


def _registry_lines(cfg: PlatformConfig, book: PriceBook, stack: str) -> list[CostLine]:
    sku = cfg.registry.sku.value
    day = f"acr.{sku.lower()}.registry_day"
    home = cfg.regions.primary
    lines = [CostLine(f"Container registry ({sku})", stack, home, book(day) * DAYS_PER_MONTH,
                      f"{_unit(book(day))}/day x {DAYS_PER_MONTH:.2f} days", (day,))]
    if sku == "Premium":
        for loc in cfg.secondary_regions:
            lines.append(CostLine("Registry geo-replica", stack, loc, book("acr.premium.replica_day") * DAYS_PER_MONTH,
                                  f"{_unit(book('acr.premium.replica_day'))}/day x {DAYS_PER_MONTH:.2f} days",
                                  ("acr.premium.replica_day",)))
    over = max(0.0, book("assume.registry_gb") - ACR_INCLUDED_GB[sku])
    if over:
        copies = 1 + (len(cfg.secondary_regions) if sku == "Premium" else 0)
        lines.append(CostLine("Registry storage above the included", stack, home,
                              over * book("acr.storage.gb_month") * copies,
                              f"{over:g} GB x {_unit(book('acr.storage.gb_month'))}/GB-month x {copies} copies",
                              ("assume.registry_gb", "acr.storage.gb_month")))
    else:
        book("acr.storage.gb_month")
    return lines


def _alert_lines(book: PriceBook, stack: str, loc: str, metric: int, log: int = 0) -> list[CostLine]:
    out = [CostLine("Metric alerts", stack, loc, metric * book("monitor.metric_alert_month"),
                    f"{metric} rule{'s' * (metric != 1)} x {_unit(book('monitor.metric_alert_month'))}",
                    ("monitor.metric_alert_month",))]
    if log:
        out.append(CostLine("Log search alerts", stack, loc, log * book("monitor.log_alert_month"),
                            f"{log} rule{'s' * (log != 1)} x {_unit(book('monitor.log_alert_month'))}",
                            ("monitor.log_alert_month",)))
    return out


def _network_lines(cfg: PlatformConfig, book: PriceBook, stack: str, loc: str, endpoints: int) -> list[CostLine]:
    if not cfg.network.private:
        return []
    n_dns = len(PRIVATE_DNS_ZONES)
    return [CostLine("Private endpoints", stack, loc, endpoints * book("private_endpoint.hour") * HOURS_PER_MONTH,
                     f"{endpoints} x {_unit(book('private_endpoint.hour'))}/h x {HOURS_PER_MONTH} h", ("private_endpoint.hour",)),
            CostLine("Private DNS zones", stack, loc, n_dns * book("private_dns_zone.month"),
                     f"{n_dns} x {_unit(book('private_dns_zone.month'))}", ("private_dns_zone.month",))]


def storage_monthly(book: PriceBook, redundancy: str, gb: float) -> float:
    return gb * book(f"storage.hot.{redundancy.lower()}.gb_month")


def _workspace_line(cfg: PlatformConfig, book: PriceBook, stack: str, loc: str) -> CostLine:
    gb_day = book("assume.log_gb_per_day_per_workspace")
    extra_days = max(0, cfg.monitoring.log_retention_days - 31)
    ingest = gb_day * DAYS_PER_MONTH * book("log_analytics.ingestion_gb")
    retain = gb_day * extra_days * book("log_analytics.retention_gb_month")
    return CostLine("Log Analytics (ingestion and retention)", stack, loc, ingest + retain,
                    f"{gb_day:g} GB/day x {DAYS_PER_MONTH:.2f} d x {_unit(book('log_analytics.ingestion_gb'))}/GB"
                    f" + {gb_day:g} GB/day x {extra_days} d beyond 31 x {_unit(book('log_analytics.retention_gb_month'))}/GB-month",
                    ("assume.log_gb_per_day_per_workspace", "log_analytics.ingestion_gb", "log_analytics.retention_gb_month"))


def compute_lines(cfg: PlatformConfig, book: PriceBook, loc: str, stack: str,
                  min_nodes: Callable[[Any], int] | None = None) -> tuple[list[CostLine], list[str]]:
    """Running-node cost of each cluster in ``loc`` (min_nodes x hourly price x 730 h) and the sizes without a price."""
    lines, unpriced = [], []
    for s in cfg.clusters(loc):
        n = s.min_nodes if min_nodes is None else min_nodes(s)
        key = vm_key(s.vm_size)
        if not book.has(key):
            unpriced.append(s.vm_size)
            lines.append(CostLine(f"Compute {s.name} ({s.vm_size})", stack, loc, 0.0,
                                  f"{n} nodes x unknown price (set report.price_overrides.{key})", ()))
            continue
        keys: tuple[str, ...] = (key,)
        price = book(key)
        factor_txt = ""
        if s.vm_priority == "LowPriority":
            price *= book("compute.low_priority_factor")
            keys += ("compute.low_priority_factor",)
            factor_txt = f" x {book('compute.low_priority_factor'):g} (LowPriority)"
        idle = " (passive: holds quota for " + str(s.max_nodes) + " nodes, runs none)" if cfg.is_passive(loc) else ""
        lines.append(CostLine(f"Compute {s.name} ({s.vm_size})", stack, loc, n * price * HOURS_PER_MONTH,
                              f"{n} min nodes x {_unit(book(key))}/h{factor_txt} x {HOURS_PER_MONTH} h{idle}", keys))
    return lines, unpriced


def cost(cfg: PlatformConfig, book: PriceBook) -> tuple[dict[str, Any], list[str]]:
    namer, td = cfg.namer, cfg.training_data
    shared = namer.stack("shared")
    home = cfg.regions.primary
    lines: list[CostLine] = _registry_lines(cfg, book, shared)
    gb = td.size_tb * GB_PER_TB
    red = td.redundancy.value
    key = f"storage.hot.{red.lower()}.gb_month"
    lines.append(CostLine(f"Training data ({spelled(red)}, hot)", shared, home, storage_monthly(book, red, gb),
                          f"{td.size_tb:g} TB = {gb:,.0f} GB x {_unit(book(key))}/GB-month", (key,)))
    churn = book("assume.data_change_fraction_month")
    lines.append(CostLine("Training data geo-replication transfer", shared, home,
                          gb * churn * book("storage.geo_replication.gb"),
                          f"{gb:,.0f} GB x {churn:g} rewritten/month x {_unit(book('storage.geo_replication.gb'))}/GB",
                          ("assume.data_change_fraction_month", "storage.geo_replication.gb")))
    one_time = [CostLine("Initial geo-replication of the training data", shared, home, gb * book("storage.geo_replication.gb"),
                         f"{gb:,.0f} GB x {_unit(book('storage.geo_replication.gb'))}/GB, once", ("storage.geo_replication.gb",))]
    if cfg.encryption.customer_managed_keys:
        # training data (+ registry), each hub's storage (+ each hub's metadata)
        keys_n = 1 + int(_registry_cmk(cfg)) + len(cfg.hub_regions) * (1 + int(_hub_cmk(cfg)))
        rot = keys_n * DAYS_PER_MONTH / cfg.encryption.key_rotation_days
        ops = book("assume.key_vault_10k_operations_month")
        lines.append(CostLine("Key vault for customer-managed keys", shared, home,
                              ops * book("key_vault.operations_10k") + rot * book("key_vault.key_rotation"),
                              f"{ops:g} x 10k ops x {_unit(book('key_vault.operations_10k'))} + {keys_n} keys x "
                              f"{DAYS_PER_MONTH:.2f}/{cfg.encryption.key_rotation_days} d = {rot:.3f} rotations/month x "
                              f"{_unit(book('key_vault.key_rotation'))}",
                              ("assume.key_vault_10k_operations_month", "key_vault.operations_10k", "key_vault.key_rotation")))
    lines.append(_workspace_line(cfg, book, shared, home))
    lines += _alert_lines(book, shared, home, metric=len(SHARED_METRIC_ALERTS), log=len(SHARED_LOG_ALERTS))
    lines += _network_lines(cfg, book, shared, home, len(shared_endpoints(cfg)))

    unpriced: list[str] = []
    for loc in cfg.hub_regions:
        stack = namer.stack(loc)
        c_lines, missing = compute_lines(cfg, book, loc, stack)
        lines += c_lines
        unpriced += missing
        hs = hub_storage_redundancy(loc)
        hub_gb = book("assume.hub_storage_gb")
        skey = f"storage.hot.{hs.lower()}.gb_month"
        lines.append(CostLine(f"Hub default storage ({hs})", stack, loc, storage_monthly(book, hs, hub_gb),
                              f"{hub_gb:g} GB x {_unit(book(skey))}/GB-month", ("assume.hub_storage_gb", skey)))
        ops = book("assume.key_vault_10k_operations_month")
        lines.append(CostLine("Hub key vault", stack, loc, ops * book("key_vault.operations_10k"),
                              f"{ops:g} x 10k ops x {_unit(book('key_vault.operations_10k'))}",
                              ("assume.key_vault_10k_operations_month", "key_vault.operations_10k")))
        lines.append(_workspace_line(cfg, book, stack, loc))
        lines += _alert_lines(book, stack, loc, metric=len(REGION_METRIC_ALERTS))
        lines += _network_lines(cfg, book, stack, loc, len(region_endpoints(cfg)))
    if cfg.routing is not None:
        stack = namer.stack("routing")
        q = book("assume.tm_million_queries_month")
        n = len(cfg.hub_regions)
        amount = q * book("traffic_manager.million_queries") + n * book("traffic_manager.external_endpoint_month")
        formula = (f"{q:g} M queries x {_unit(book('traffic_manager.million_queries'))} + {n} endpoints x "
                   f"{_unit(book('traffic_manager.external_endpoint_month'))}")
        keys: tuple[str, ...] = ("assume.tm_million_queries_month", "traffic_manager.million_queries",
                                 "traffic_manager.external_endpoint_month")
        if cfg.routing.probe.interval_seconds == 10:
            amount += n * book("traffic_manager.fast_interval_endpoint_month")
            formula += f" + {n} x {_unit(book('traffic_manager.fast_interval_endpoint_month'))} (10 s probes)"
            keys += ("traffic_manager.fast_interval_endpoint_month",)
        lines.append(CostLine("Traffic Manager", stack, "global", amount, formula, keys))
        lines += _alert_lines(book, stack, "global", metric=n)

    order = [*cfg.hub_regions, "global"]
    by_region = {r: round(sum(line.monthly for line in lines if line.region == r), 2) for r in order}
    by_region = {r: v for r, v in by_region.items() if r != "global" or cfg.routing is not None}
    stack_names = [shared, *(namer.stack(loc) for loc in cfg.hub_regions)] + ([namer.stack("routing")] if cfg.routing else [])
    by_stack = {s: round(sum(line.monthly for line in lines if line.stack == s), 2) for s in stack_names}
    return {
        "currency": book.meta["currency"],
        "price_region": book.meta["region"],
        "prices_checked": book.meta["checked"],
        "hours_per_month": HOURS_PER_MONTH,
        "lines": [line.as_dict(book) for line in lines],
        "by_region": by_region,
        "by_stack": by_stack,
        "total_monthly_usd": round(sum(line.monthly for line in lines), 2),
        "one_time": [line.as_dict(book) for line in one_time],
        "unpriced_vm_sizes": sorted(set(unpriced)),
        "not_priced": not_priced(cfg),
        "not_charged": "Foundry hubs and projects, resource groups, VNets and subnets, identities, role assignments, locks, "
                       "diagnostic settings, action groups and activity-log alerts have no charge of their own; data "
                       "transfer, storage transactions and inference endpoints are not included.",
        "prices": book.table(),
    }, sorted(set(unpriced))


HUB_CMK_COST_SOURCE = ("Microsoft, \"Customer-managed keys for Azure Machine Learning\" "
                       "(https://learn.microsoft.com/azure/machine-learning/concept-customer-managed-keys)")


def not_priced(cfg: PlatformConfig) -> list[dict[str, str]]:
    """What the stacks cause Azure to bill that no price can be put on: listed with the reason, never a guess."""
    if not _hub_cmk(cfg):
        return []
    return [{
        "component": "Hub customer-managed key: Cosmos DB, AI Search and storage in a Microsoft-managed resource group",
        "stack": cfg.namer.stack(loc),
        "region": loc,
        "reason": "Azure creates these for a hub with a customer-managed key (resource group azureml-rg-"
                  f"{cfg.namer.hub(loc)}_<GUID>) and bills them to this subscription: \"the costs for your subscription "
                  "are higher\". Microsoft publishes no figure (Cosmos DB request units \"automatically scale as needed\", "
                  "no AI Search tier is named), so none is estimated here: read Cost Management after the first apply, "
                  "or set encryption.hub_customer_managed_key: false before the hubs exist.",
        "source": HUB_CMK_COST_SOURCE,
    } for loc in cfg.hub_regions]


def comparisons(cfg: PlatformConfig, book: PriceBook) -> dict[str, Any]:
    td = cfg.training_data
    gb = td.size_tb * GB_PER_TB
    chosen = td.redundancy.value
    home = region(cfg.regions.primary)
    base = storage_monthly(book, chosen, gb)
    storage = []
    for r in REDUNDANCIES:
        m = storage_monthly(book, r, gb)
        geo = r not in ("LRS", "ZRS")
        storage.append({
            "redundancy": spelled(r), "monthly_usd": round(m, 2), "delta_vs_chosen_usd": round(m - base, 2),
            "durability_nines": DURABILITY_NINES[r],
            "read_sla_percent": SLAS["storage_ra_read"].percent if r.startswith("RA") else SLAS["storage_read"].percent,
            "write_sla_percent": SLAS["storage_write"].percent,
            "survives_zone_loss_without_failover": "Z" in r,
            "survives_region_loss": geo,
            "allowed_for_training_data": geo,
            "possible_in_primary": ("Z" not in r or home.zones) and (not geo or home.pair is not None),
            "chosen": r == chosen,
        })
    sku = cfg.registry.sku.value
    n_sec, n_all = len(cfg.secondary_regions), len(cfg.hub_regions)
    prem = (1 * book("acr.premium.registry_day") + n_sec * book("acr.premium.replica_day")) * DAYS_PER_MONTH
    std_each = book("acr.standard.registry_day") * DAYS_PER_MONTH
    registry = [
        {"option": f"Premium, geo-replicated to {n_sec} region(s)", "monthly_usd": round(prem, 2), "chosen": sku == "Premium",
         "loses": "nothing: one name, local pulls in every region, pulls survive the home region's loss"},
        {"option": f"Standard, one registry per region ({n_all})", "monthly_usd": round(n_all * std_each, 2), "chosen": False,
         "loses": "geo-replication: each region's registry is pushed to separately (version drift between regions); "
                  "no private endpoints, so public access stays on; no zone redundancy; lower throughput for big images"},
        {"option": "Standard, one registry in the primary region", "monthly_usd": round(std_each, 2), "chosen": False,
         "loses": "every secondary pulls across regions, and pulls fail while the primary region is down: the "
                  "secondaries cannot start anything then"},
    ]
    primary = cfg.regions.primary
    ap_lines, _ = compute_lines(cfg, book, primary, "")
    ap = sum(line.monthly for line in ap_lines)
    primary_min = {s.name: s.min_nodes for s in cfg.clusters(primary)}
    aa = ap
    warm = []
    for loc in cfg.secondary_regions:
        lines, _ = compute_lines(cfg, book, loc, "", min_nodes=lambda s: max(s.min_nodes, primary_min.get(s.name, 0)))
        aa += sum(line.monthly for line in lines)
        for s in cfg.clusters(loc):
            if book.has(vm_key(s.vm_size)):
                factor = book("compute.low_priority_factor") if s.vm_priority == "LowPriority" else 1.0
                warm.append({"cluster": s.name, "region": loc, "vm_size": s.vm_size,
                             "monthly_usd_per_warm_node": round(book(vm_key(s.vm_size)) * factor * HOURS_PER_MONTH, 2)})
    if cfg.regions.mode.value == "active-active":
        current = ap + sum(sum(line.monthly for line in compute_lines(cfg, book, loc, "")[0]) for loc in cfg.secondary_regions)
        ap_cost, aa_cost = ap, current
    else:
        ap_cost, aa_cost = ap, aa
    mode = {
        "chosen": cfg.regions.mode.value,
        "active_passive_monthly_compute_usd": round(ap_cost, 2),
        "active_active_monthly_compute_usd": round(aa_cost, 2),
        "delta_usd": round(aa_cost - ap_cost, 2),
        "per_warm_node": warm,
        "basis": "active-active here means every secondary keeps the primary's min_nodes of each cluster running",
        "note": ("With min_nodes 0 in the primary too, both modes cost the same while idle; the difference is each node "
                 "kept warm in a secondary (per_warm_node) and a failover that is a routing change instead of a scale-out."
                 if all(v == 0 for v in primary_min.values()) else
                 "Active-active pays for the warm minimum in every secondary; active-passive pays for nothing there and "
                 "scales out after a failover."),
    }
    return {"storage_redundancy": storage, "registry_tier": registry, "mode": mode}


# --------------------------------------------------------------------------- decisions


def decisions(cfg: PlatformConfig, comp: dict[str, Any], avail: dict[str, Any]) -> list[dict[str, Any]]:
    td, t = cfg.training_data, cfg.targets
    primary, secs = cfg.regions.primary, list(cfg.secondary_regions)
    red = td.redundancy.value
    home = region(primary)
    storage = {row["redundancy"]: row for row in comp["storage_redundancy"]}
    mode = comp["mode"]
    out: list[dict[str, Any]] = []

    def add(topic: str, choice: str, tradeoff: str, details: list[dict[str, Any]] | None = None) -> None:
        out.append({"topic": topic, "choice": choice, "tradeoff": tradeoff, **({"details": details} if details else {})})

    if cfg.regions.mode.value == "active-passive":
        warm = mode["per_warm_node"][0] if mode["per_warm_node"] else None
        cost_txt = (f"keeping the primary's minimum warm there would cost {_money(mode['delta_usd'])}/month more"
                    if mode["delta_usd"] else
                    "the primary runs no minimum either, so both modes cost the same while idle"
                    + (f"; each node kept warm in {warm['region']} would cost {_money(warm['monthly_usd_per_warm_node'])}/month"
                       if warm else ""))
        add("Regions: active-passive",
            f"{primary} runs the work; {', '.join(secs)} {'keep' if len(secs) > 1 else 'keeps'} identical hubs and "
            "clusters at 0 nodes.",
            f"Compute in the passive regions costs nothing while idle ({cost_txt}). The price is a slower failover: jobs in flight are "
            f"lost, the secondary scales out from zero, and the availability figure sits between "
            f"{avail['single_region_percent']:.4f}% (no failover) and {avail['composite_upper_bound_percent']:.4f}% (instant failover).")
    else:
        add("Regions: active-active", f"Every hub region ({', '.join(cfg.hub_regions)}) keeps nodes running.",
            f"Failover is a routing change rather than a scale-out, for {_money(mode['delta_usd'])}/month of compute in the "
            "secondaries; hub metadata is still per region, so work is not shared between them.")
    rpo_ok = t.rpo_minutes >= 15
    gzrs, ra = storage[spelled("GZRS")], storage[spelled("RAGRS")]
    zone_txt = (f"GZRS would add zone redundancy inside {primary} (a zone loss then needs no failover) for "
                f"{_money(gzrs['monthly_usd'] - storage[spelled(red)]['monthly_usd'])}/month more"
                if home.zones else f"GZRS is impossible: {primary} has no availability zones")
    if "Z" in red:
        zone_txt = f"{spelled(red)} already survives a zone loss in {primary} without a failover"
    add(f"Training data: {spelled(red)} against an RPO of {t.rpo_minutes} min",
        f"{td.size_tb:g} TB on {spelled(red)}, replicated asynchronously to {home.pair}.",
        ("Geo-replication typically lags under 15 minutes, which fits the RPO, but Azure gives no SLA on the lag: watch "
         "the Last Sync Time. " if rpo_ok else
         f"An RPO of {t.rpo_minutes} min is below what asynchronous geo-replication can promise (typically < 15 min, no SLA). ")
        + zone_txt + "; " + (f"RA-GRS would make the copy in {home.pair} readable during an outage for "
                             f"{_money(ra['monthly_usd'] - storage[spelled(red)]['monthly_usd'])}/month more."
                             if not red.startswith("RA") else "the copy in the pair is readable during an outage."))
    add(f"Registry: {cfg.registry.sku.value}, geo-replicated",
        f"One registry in {primary} with replicas in {', '.join(secs)}; every hub pulls from its own region.",
        "Premium is the only tier that geo-replicates and takes private endpoints; Standard would save about "
        f"{_money(comp['registry_tier'][0]['monthly_usd'] - comp['registry_tier'][2]['monthly_usd'])}/month but the secondaries "
        "would pull across regions and fail while the primary region is down. Replication is eventually consistent: "
        "the release gate checks every replica before a secondary rolls forward.")
    if cfg.network.private:
        add("Networking: private", f"A VNet per region with {len(region_endpoints(cfg))} private endpoints, one beside the "
            f"shared resources with {len(shared_endpoints(cfg))}, {len(PRIVATE_DNS_ZONES)} private DNS zones each; public "
            "access off.",
            "Nothing is reachable from the internet, at the cost of the endpoints and operators needing a network path "
            "(VPN, ExpressRoute or a jump host) to reach the hubs and data.")
    else:
        add("Networking: public (sandbox)", "No VNets or private endpoints; public network access stays on (Azure AD still required).",
            "Cheaper and simpler, but every data-plane endpoint is exposed to the internet (still Azure AD only): "
            "not for production.")
    if cfg.encryption.customer_managed_keys:
        add("Encryption: customer-managed keys", "Training data" + (", registry" if _registry_cmk(cfg) else "")
            + " and each hub's storage encrypted with keys in a "
            f"key vault, rotated every {cfg.encryption.key_rotation_days} days"
            + ("." if _registry_cmk(cfg) else "; the registry keeps Microsoft-managed keys (its encryption is "
               "chosen at creation: encryption.registry_customer_managed_key)."),
            "You control (and can revoke) the key, which some auditors require; a deleted or disabled key makes the data "
            + ("and images " if _registry_cmk(cfg) else "") + "unreadable, and the key vault becomes part of the "
            "availability chain.")
    else:
        add("Encryption: Microsoft-managed keys", "Data and images are encrypted at rest with keys Azure manages.",
            "Nothing to rotate or lose; you cannot revoke Microsoft's access by disabling a key.")
    if _hub_cmk(cfg):
        add("Hub metadata: customer-managed key",
            f"Each hub ({len(cfg.hub_regions)}) is created with an `encryption` block: an RSA-HSM 2048 key in its "
            "own region's vault, reached through the region's user-assigned identity; the hub's system-assigned "
            "identity stays its primary identity.",
            "Job history, compute and asset metadata stay under a key you control and can revoke, which auditors of a "
            "regulated platform ask for; Microsoft allows it only when a hub is created, and never back. The price: "
            "Azure creates Cosmos DB, AI Search and a storage account per hub in a Microsoft-managed resource group and "
            "bills them to the subscription (no published figure, so the cost estimate lists them unpriced; one "
            "public report puts a base configuration near EUR 700 a month per workspace, Azure/Bio-Compliancy#23, "
            "not a Microsoft figure); their quota must be there or creation fails; only Microsoft can modify that "
            "group, so Azure Policy findings on its resources cannot be fixed or exempted there (Azure/Bio-Compliancy#23); "
            "and a hub stays on the "
            "key version it was created with until it is moved outside Terraform, before that version expires.")
    elif cfg.encryption.customer_managed_keys:
        add("Hub metadata: Microsoft-managed keys",
            "The hubs' own metadata (job history, asset metadata) stays under Microsoft-managed keys; their storage "
            "uses your key.",
            "No extra Cosmos DB, AI Search and storage in your subscription; a key cannot be added to a hub later "
            "(it would be a new hub, which loses its run history).")
    if td.immutability_days:
        add("Training data: WORM", f"Blobs in {td.container_name} cannot be changed or deleted for {td.immutability_days} days"
            + (" (policy locked: it can never be shortened or removed)." if td.immutability_locked else " (policy unlocked)."),
            "Protects against ransomware and insiders with write access; corrections mean writing new blobs, and storage "
            "for superseded data is paid until the retention ends.")
    else:
        add("Training data: no WORM", "No immutability policy.",
            f"Deletions are guarded by soft delete ({td.blob_soft_delete_days} d), versioning"
            + (f", point-in-time restore ({td.point_in_time_restore_days} d)" if td.point_in_time_restore_days else "")
            + " and the CanNotDelete lock; someone allowed to lift the lock and purge can still destroy the data.")
    if cfg.regions.mode.value == "active-passive":
        details = [{"region": loc, "cluster": s.name, "vm_size": s.vm_size, "nodes_running": s.min_nodes,
                    "quota_for_nodes": s.max_nodes} for loc in secs for s in cfg.clusters(loc)]
        add("Passive regions hold quota, not nodes", "Clusters exist in every secondary with min_nodes 0.",
            "Failover only works if the VM family's quota is approved there in advance; quota is permission, not reserved "
            "capacity, so a region-wide rush can still delay the scale-out.", details)
    b = cfg.backend
    if b.type == "local":
        where, trade = f"local files under {b.path}/ on the machine that runs Terraform", \
            "Fine for one person; lose the machine and you lose the state, and nobody else can apply safely (no locking)."
    elif b.type == "azurerm":
        where = (f"Azure storage account {b.storage_account_name} (container {b.container_name}, resource group "
                 f"{b.resource_group_name}), Azure AD auth, one key per stack")
        trade = ("Shared and locked; keep that account outside the regions it describes (or on geo-redundant storage) so "
                 "a regional outage does not take the state with it.")
    else:
        where = f"HCP Terraform organization {b.organization} on {b.hostname}, workspaces {b.workspace_prefix}-<stack>"
        trade = "Shared, locked, audited and independent of Azure regions; one more service and its access to manage."
    add(f"State: {b.type} backend", f"State lives in {where}.", trade)
    zone_rows = []
    for loc in cfg.hub_regions:
        z = region(loc).zones
        zone_rows.append({"region": loc, "availability_zones": z,
                          "registry_copy": "zone redundant" if cfg.replica_zone_redundant(loc) else
                          ("not requested" if z else "impossible (no zones)"),
                          "hub_storage": spelled(hub_storage_redundancy(loc))})
    no_zone = [row["region"] for row in zone_rows if not row["availability_zones"]]
    add("Zone redundancy per region", "Zone-redundant registry copies and GZRS hub storage wherever the region has zones "
        "(GRS elsewhere).",
        ("Impossible in " + ", ".join(no_zone) + " (no availability zones): a datacenter failure there takes the "
         "region's copy down, and only the other regions cover it.") if no_zone else
        "Every hub region has zones, so a zone loss is absorbed inside the region.", zone_rows)
    if cfg.routing is not None:
        add("Failover routing", f"Traffic Manager (Priority) serves {cfg.active_region} first; promote another region with "
            "python main.py synth --active-region <region>.",
            f"Detection plus DNS TTL is about {failover_detection_seconds(cfg)} s against an RTO of {t.rto_minutes} min; "
            "clients that cache DNS longer than the TTL fail over later.")
    else:
        add("Failover routing", "None configured.", "Clients must be repointed by hand (or by your own DNS) after a failover.")
    add("Release gate", "In Terraform for workstation deploys." if cfg.release_gate.enabled else
        "Pipelines run python main.py gate between the image push and the secondary regions.",
        "Secondaries never roll forward to an image their replica does not serve yet; a slow replication blocks the release "
        "until it finishes or times out.")
    return out


# --------------------------------------------------------------------------- the whole report


def build(cfg: PlatformConfig, prices_doc: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report as plain data (the JSON format); deterministic for a given config and price table."""
    doc = prices_doc if prices_doc is not None else load_prices()
    check_overrides(cfg, doc)
    book = PriceBook(doc, cfg.report.price_overrides)
    all_stacks = stacks(cfg)
    avail = availability(cfg)
    comp = comparisons(cfg, book)
    cost_section, unpriced = cost(cfg, book)
    cost_section["prices"] = book.table()  # comparisons may have used more keys
    warnings = [{"code": w.code, "path": w.path, "message": w.render()} for w in cfg.warnings]
    for size in unpriced:
        warnings.append({"code": "unpriced-vm-size", "path": "report.price_overrides",
                         "message": f"no price for {size}: its compute cost is counted as 0; set "
                                    f"report.price_overrides.{vm_key(size)} (USD per node-hour)"})
    if not avail["meets_target"]["upper_bound"]:
        warnings.append({"code": "below-target", "path": "targets.availability_percent",
                         "message": f"even the upper bound ({avail['composite_upper_bound_percent']:.4f}%) is below the target "
                                    f"({avail['target_percent']}%); the limiting component is {avail['limiting_component']}"})
    elif not avail["meets_target"]["single_region"]:
        warnings.append({"code": "target-needs-failover", "path": "targets.availability_percent",
                         "message": f"the target ({avail['target_percent']}%) is met only with a working failover: one region "
                                    f"alone gives {avail['single_region_percent']:.4f}%"})
    return {
        "meta": {
            "title": f"{cfg.naming.org} {cfg.naming.workload} {cfg.naming.environment}: resilient multi-region Microsoft Foundry",
            "workload": cfg.naming.workload, "environment": cfg.naming.environment,
            "primary": cfg.regions.primary, "secondaries": list(cfg.secondary_regions), "mode": cfg.regions.mode.value,
            "targets": {"availability_percent": cfg.targets.availability_percent, "rpo_minutes": cfg.targets.rpo_minutes,
                        "rto_minutes": cfg.targets.rto_minutes},
        },
        "stacks": all_stacks,
        "deployment_order": deployment_order(all_stacks),
        "diagram": mermaid(all_stacks),
        "availability": avail,
        "rpo_rto": rpo_rto(cfg),
        "durability": durability(cfg),
        "cost": cost_section,
        "comparisons": comp,
        "decisions": decisions(cfg, comp, avail),
        "warnings": warnings,
    }


# --------------------------------------------------------------------------- document model and renderers

Block = tuple  # ("h", level, text) | ("p", text) | ("ul", [text]) | ("table", headers, rows) | ("mermaid", src)


def _pct(x: float) -> str:
    return f"{x:.4f}%"


def _yn(b: bool) -> str:
    return "yes" if b else "no"


def blocks(rep: dict[str, Any]) -> list[Block]:
    m, a, c = rep["meta"], rep["availability"], rep["cost"]
    out: list[Block] = [("h", 1, m["title"])]
    out.append(("p", f"Primary **{m['primary']}**, secondaries **{', '.join(m['secondaries'])}**, mode **{m['mode']}**. "
                     f"Targets: availability {m['targets']['availability_percent']}%, RPO {m['targets']['rpo_minutes']} min, "
                     f"RTO {m['targets']['rto_minutes']} min. Generated from the config by `python main.py report`; "
                     "nothing here was synthesized or deployed."))
    if rep["warnings"]:
        out.append(("h", 2, "Warnings"))
        out.append(("ul", [w["message"] for w in rep["warnings"]]))

    out.append(("h", 2, "Stacks and deployment order"))
    order = rep["deployment_order"]
    seq = " -> ".join(" + ".join(f"`{n}`" for n in wave) for wave in order["sequence"])
    out.append(("p", f"Deploy {seq}" + (f"; {', '.join(f'`{n}`' for n in order['independent'])} is independent" if order["independent"] else "")
                + f". {order['rule'][0].upper()}{order['rule'][1:]}."))
    out.append(("mermaid", rep["diagram"]))
    for s in rep["stacks"]:
        out.append(("h", 3, f"{s['name']} ({s['location']})"))
        out.append(("p", f"Role: {s['role']}." + (f" Depends on: {', '.join(f'`{d}`' for d in s['depends_on'])}." if s["depends_on"] else "")))
        out.append(("table", ["resource", "count", "detail"], [[r["kind"], str(r["count"]), r["detail"]] for r in s["resources"]]))

    out.append(("h", 2, "Availability"))
    out.append(("p", f"Published SLAs (checked {a['sla_checked']}):"))
    out.append(("table", ["component", "role", "scope", "SLA", "source", "how it was checked"],
                [[x["service"], x["role"], x["scope"], f"{x['percent']}%", x["source"], x["basis"]] for x in a["components"]]))
    f = a["formula"]
    out.append(("p", "Serial within a region, parallel across regions, then in series with the global components:"))
    out.append(("code", "\n".join([f["region"], f["regions"], f["global"], f["upper_bound"], f["single_region"]])))
    rows = [[r["region"], r["role"], _pct(r["percent"])] for r in a["regions"]]
    rows += [["any region (parallel)", "", _pct(a["parallel_regions_percent"])], ["global components", "", _pct(a["global_percent"])]]
    out.append(("table", ["", "role", "availability"], rows))
    dm = a["downtime_minutes_per_month"]
    out.append(("table", ["figure", "availability", "downtime per month", f"meets {a['target_percent']}%"], [
        ["target", f"{a['target_percent']}%", f"{dm['target']} min", ""],
        ["single region, no failover", _pct(a["single_region_percent"]), f"{dm['single_region']} min", _yn(a["meets_target"]["single_region"])],
        ["active-passive, upper bound", _pct(a["composite_upper_bound_percent"]), f"{dm['upper_bound']} min", _yn(a["meets_target"]["upper_bound"])],
    ]))
    out.append(("p", "The same formula for each path alone (inference does not read the training data; training does not "
                     "go through Traffic Manager):"))
    out.append(("table", ["path", "global components", "single region", "upper bound", f"meets {a['target_percent']}%"],
                [[p["path"], ", ".join(p["global_components"]) or "none", _pct(p["single_region_percent"]),
                  _pct(p["upper_bound_percent"]),
                  "with failover" if p["meets_target"]["upper_bound"] and not p["meets_target"]["single_region"]
                  else _yn(p["meets_target"]["upper_bound"])] for p in a["by_path"]]))
    out.append(("ul", a["notes"]))

    out.append(("h", 2, "RPO, RTO and durability"))
    out.append(("table", ["data path", "mechanism", "RPO", "RTO", "notes"],
                [[p["path"], p["mechanism"], p["rpo"], p["rto"], p["notes"]] for p in rep["rpo_rto"]]))
    d = rep["durability"]
    out.append(("p", d["summary"] + " Scale: " + ", ".join(f"{k} {v}" for k, v in d["scale"].items()) + "."))
    out.append(("table", ["data", "redundancy", "annual durability", "survives"],
                [[p["path"], p["redundancy"], p["annual_durability"], p["survives"]] for p in d["paths"]]))

    out.append(("h", 2, "Monthly cost estimate"))
    out.append(("p", f"{c['currency']}, pay-as-you-go retail prices for {c['price_region']} from `app/prices.yaml` (checked "
                     f"{c['prices_checked']}), applied to every region (regional prices differ by a few percent), "
                     f"{c['hours_per_month']} hours a month. Lines marked * rest on an estimated price or usage assumption; "
                     "override any figure with `report.price_overrides`."))
    out.append(("table", ["component", "stack", "region", "per month", "how"],
                [[ln["component"] + (" *" if ln["estimate"] else ""), ln["stack"], ln["region"], _money(ln["monthly_usd"]), ln["formula"]]
                 for ln in c["lines"]]))
    out.append(("table", ["region", "per month"], [[r, _money(v)] for r, v in c["by_region"].items()]
                + [["**total**", f"**{_money(c['total_monthly_usd'])}**"]]))
    out.append(("table", ["one-time", "amount", "how"], [[ln["component"], _money(ln["monthly_usd"]), ln["formula"]] for ln in c["one_time"]]))
    if c["not_priced"]:
        out.append(("p", "Billed but not priced here (no published figure):"))
        out.append(("table", ["component", "stack", "region", "why no figure", "source"],
                    [[x["component"], x["stack"], x["region"], x["reason"], x["source"]] for x in c["not_priced"]]))
    out.append(("p", c["not_charged"]))

    cm = rep["comparisons"]
    out.append(("h", 3, "Training data redundancy"))
    out.append(("table", ["redundancy", "per month", "vs chosen", "durability", "read / write SLA", "zone loss", "region loss", "allowed here"],
                [[("**" + s["redundancy"] + "** (chosen)") if s["chosen"] else s["redundancy"], _money(s["monthly_usd"]),
                  _money(s["delta_vs_chosen_usd"]), f"{s['durability_nines']} nines",
                  f"{s['read_sla_percent']}% / {s['write_sla_percent']}%", "survives" if s["survives_zone_loss_without_failover"] else "failover",
                  _yn(s["survives_region_loss"]),
                  _yn(s["allowed_for_training_data"] and s["possible_in_primary"])] for s in cm["storage_redundancy"]]))
    out.append(("h", 3, "Registry tier"))
    out.append(("table", ["option", "per month", "what you would lose"],
                [[("**" + r["option"] + "** (chosen)") if r["chosen"] else r["option"], _money(r["monthly_usd"]), r["loses"]]
                 for r in cm["registry_tier"]]))
    md = cm["mode"]
    out.append(("h", 3, "Active-passive vs active-active (compute)"))
    out.append(("table", ["mode", "compute per month"], [
        ["active-passive" + (" (chosen)" if md["chosen"] == "active-passive" else ""), _money(md["active_passive_monthly_compute_usd"])],
        ["active-active" + (" (chosen)" if md["chosen"] == "active-active" else ""), _money(md["active_active_monthly_compute_usd"])]]))
    if md["per_warm_node"]:
        out.append(("table", ["cluster", "region", "VM size", "per warm node per month"],
                    [[w["cluster"], w["region"], w["vm_size"], _money(w["monthly_usd_per_warm_node"])] for w in md["per_warm_node"]]))
    out.append(("p", md["basis"][0].upper() + md["basis"][1:] + ". " + md["note"]))

    out.append(("h", 3, "Prices used"))
    out.append(("table", ["key", "value", "unit", "source", "checked", "estimate"],
                [[f"`{p['key']}`", f"{p['value']:g}", p["unit"], p["source"], p["checked"], "yes" if p["estimate"] else "no"]
                 for p in c["prices"]]))

    out.append(("h", 2, "Decisions and trade-offs"))
    for dcs in rep["decisions"]:
        out.append(("h", 3, dcs["topic"]))
        out.append(("p", f"**Choice.** {dcs['choice']} **Trade-off.** {dcs['tradeoff']}"))
        if dcs.get("details"):
            headers = list(dcs["details"][0])
            out.append(("table", [h.replace("_", " ") for h in headers],
                        [[_cell(row[h]) for h in headers] for row in dcs["details"]]))
    return out


def _cell(v: Any) -> str:
    return _yn(v) if isinstance(v, bool) else str(v)


def render_markdown(rep: dict[str, Any]) -> str:
    parts: list[str] = []
    for b in blocks(rep):
        kind = b[0]
        if kind == "h":
            parts.append("#" * b[1] + " " + b[2])
        elif kind == "p":
            parts.append(b[1])
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in b[1]))
        elif kind == "code":
            parts.append("```text\n" + b[1] + "\n```")
        elif kind == "mermaid":
            parts.append("```mermaid\n" + b[1].rstrip("\n") + "\n```")
        elif kind == "table":
            def row(cells: list[str]) -> str:
                return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
            parts.append("\n".join([row(b[1]), "|" + "---|" * len(b[1])] + [row(r) for r in b[2]]))
    return "\n\n".join(parts) + "\n"


def _inline(text: str) -> str:
    out = html.escape(text, quote=True)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(https://[^\s<,;)]+)", r'<a href="\1">\1</a>', out)


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:75rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}h3{margin-top:1.4rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:13px}th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}code,pre{font-family:ui-monospace,Consolas,monospace;font-size:12.5px}pre{background:#f6f8fa;padding:.6rem;overflow:auto}
.diagram{border:1px solid #ddd;padding:.5rem;overflow:auto}details{margin:.5rem 0}
"""


def render_html(rep: dict[str, Any]) -> str:
    js = mermaid_js()
    body: list[str] = []
    for b in blocks(rep):
        kind = b[0]
        if kind == "h":
            body.append(f"<h{b[1]}>{_inline(b[2])}</h{b[1]}>")
        elif kind == "p":
            body.append(f"<p>{_inline(b[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b[1]) + "</ul>")
        elif kind == "code":
            body.append(f"<pre>{html.escape(b[1])}</pre>")
        elif kind == "mermaid":
            body.append(f'<div class="diagram"><pre class="mermaid" id="stacks-diagram">{html.escape(b[1])}</pre></div>')
            body.append(f"<details><summary>Diagram source (Mermaid)</summary><pre>{html.escape(b[1])}</pre></details>")
        elif kind == "table":
            head = "".join(f"<th>{_inline(h)}</th>" for h in b[1])
            rows = "".join("<tr>" + "".join(f"<td>{_inline(str(c))}</td>" for c in r) + "</tr>" for r in b[2])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    title = html.escape(rep["meta"]["title"])
    csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body data-diagram=\"pending\">\n"
        + "\n".join(body)
        + f"\n<!-- mermaid {MERMAID_VERSION} (MIT licence, Copyright (c) 2014 - 2022 Knut Sveidqvist), inlined from "
          "app/vendor/mermaid/mermaid.min.js; bundled licence notices are kept inside it -->\n"
        + "<script>\n" + js + "\n</script>\n"
        + "<script>\n"
          "mermaid.initialize({startOnLoad: false, securityLevel: 'strict', theme: 'neutral'});\n"
          "mermaid.run({querySelector: 'pre.mermaid'}).then(\n"
          "  function () { document.body.setAttribute('data-diagram', 'rendered'); },\n"
          "  function (e) { document.body.setAttribute('data-diagram', 'failed: ' + e); });\n"
          "</script>\n</body>\n</html>\n"
    )


def mermaid_js() -> str:
    """The vendored mermaid bundle, checked against its recorded sha256 before it goes into a page."""
    data = MERMAID_JS.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != MERMAID_SHA256:
        raise RuntimeError(f"{MERMAID_JS}: sha256 {digest} does not match the recorded {MERMAID_SHA256} "
                           "(see app/vendor/mermaid/README.md)")
    text = data.decode("utf-8")
    if "</script" in text.lower():
        raise RuntimeError(f"{MERMAID_JS} contains '</script' and cannot be inlined")
    return text


def render(rep: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rep, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        return render_html(rep)
    return render_markdown(rep)


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the report options to a (sub)parser."""
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help=f"config file (default: {DEFAULT_CONFIG})")
    parser.add_argument("--format", choices=FORMATS, default="markdown",
                        help="markdown (with a mermaid diagram), json (the same data, stable keys) or html "
                             "(one self-contained page, diagram rendered in the browser; default: markdown)")
    parser.add_argument("--out", metavar="FILE", default=None,
                        help="write to FILE (a regular file, replaced whole) instead of stdout; '-' is stdout")
    parser.epilog = ("Prices: app/prices.yaml, overridable per key with report.price_overrides in the config. "
                     "Exit codes: 0 written, 2 usage or config error, or --out not a regular file (a directory, "
                     "symlink or device is refused and left as it was) or not writable; 141 stdout closed early.")


def run(args: argparse.Namespace) -> int:
    from app.config import load_config
    from app.output import check_file, write_text

    check_file(args.out)  # before the work: a wrong --out fails fast and is left as it was
    cfg = load_config(args.config)
    for w in cfg.warnings:
        print(f"warning: {w.render()}", file=sys.stderr)
    text = render(build(cfg), args.format)
    write_text(args.out, text)
    if args.out not in (None, "-"):
        print(f"wrote {args.out} ({args.format}, {len(text.encode('utf-8')):,} bytes)", file=sys.stderr)
    return EXIT_OK
