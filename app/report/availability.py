"""Availability against ``targets.availability_percent``: published SLAs, serial within a region, parallel across.

Example::

    >>> composite({"a": [90.0], "b": [90.0]}, [99.0], "a")["upper_bound"]   # 1 - 0.1 x 0.1 = 99%, x 99%
    98.01...
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from app.report.common import MINUTES_PER_MONTH, rounded, spelled
from app.report.figures import SLAS, checked

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

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
                   "source": SLAS[k].source, "basis": SLAS[k].basis, "checked": SLAS[k].checked} for k in region_keys]
    components += [{"key": k, "service": SLAS[k].service, "role": role[k], "scope": "global", "percent": SLAS[k].percent,
                    "source": SLAS[k].source, "basis": SLAS[k].basis, "checked": SLAS[k].checked} for k in global_keys]
    ingress = cfg.routing.ingress_sla_percent if cfg.routing is not None else None
    if ingress is not None:
        components.append({
            "key": "ingress", "service": "Inference ingress (yours: an external dependency)",
            "role": "serves each region's scoring endpoint and the public health path Traffic Manager probes",
            "scope": "each region, inference only", "percent": ingress, "source": "routing.ingress_sla_percent", "checked": None,
            "basis": "assumed, not built by these stacks; the default is Azure Application Gateway v2's SLA"})
    components += [{"key": k, "service": SLAS[k].service, "role": "monitoring, not in the request path",
                    "scope": "excluded", "percent": SLAS[k].percent, "source": SLAS[k].source, "basis": SLAS[k].basis,
                    "checked": SLAS[k].checked} for k in ("log_analytics", "application_insights")]
    chains = {loc: [SLAS[k].percent for k in region_keys] for loc in cfg.hub_regions}
    figures = composite(chains, [SLAS[k].percent for k in global_keys], cfg.regions.primary)
    target = cfg.targets.availability_percent
    limiting = min(global_keys, key=lambda k: SLAS[k].percent)

    def downtime(p: float) -> float:
        return rounded((1 - p / 100) * MINUTES_PER_MONTH, 1)

    # The same formula per path: serving needs routing but not the training data; training the reverse.
    paths = []
    for name, keys in (("inference (serving)", [k for k in global_keys if k in ("traffic_manager", "cmk_key_vault")]),
                       ("training", [k for k in global_keys if k != "traffic_manager"])):
        serving = name.startswith("inference") and ingress is not None
        path_chains = {loc: chain + [ingress] for loc, chain in chains.items()} if serving else chains
        f = composite(path_chains, [SLAS[k].percent for k in keys], cfg.regions.primary)
        paths.append({"path": name, "global_components": [SLAS[k].service for k in keys],
                      "external_dependencies": ["inference ingress"] if serving else [],
                      "single_region_percent": rounded(f["single_region"]), "upper_bound_percent": rounded(f["upper_bound"]),
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
        "sla_checked": checked(),
        "components": components,
        "formula": {
            "region": "A_region = " + " x ".join(f"A_{k}" for k in region_keys),
            "regions": "A_regions = 1 - " + " x ".join(f"(1 - A_{loc})" for loc in cfg.hub_regions),
            "global": "A_global = " + " x ".join(f"A_{k}" for k in global_keys),
            "upper_bound": "A_design <= A_regions x A_global",
            "single_region": f"A_single = A_{cfg.regions.primary} x A_global",
        },
        "regions": [{"region": loc, "role": "passive" if cfg.is_passive(loc) else "active",
                     "percent": rounded(figures["per_region"][loc])} for loc in cfg.hub_regions],
        "parallel_regions_percent": rounded(figures["parallel_regions"]),
        "global_percent": rounded(figures["global"]),
        "single_region_percent": rounded(figures["single_region"]),
        "composite_upper_bound_percent": rounded(figures["upper_bound"]),
        "meets_target": {"single_region": figures["single_region"] >= target, "upper_bound": figures["upper_bound"] >= target},
        "downtime_minutes_per_month": {"target": downtime(target), "single_region": downtime(figures["single_region"]),
                                       "upper_bound": downtime(figures["upper_bound"])},
        "limiting_component": SLAS[limiting].service,
        "by_path": paths,
        "notes": notes,
    }

