"""Availability against ``targets.availability_percent``: published SLAs, serial within a region, parallel across.

Example::

    >>> composite({"a": [90.0], "b": [90.0]}, [99.0], "a")["upper_bound"]   # 1 - 0.1 x 0.1 = 99%, x 99%
    98.01...
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from app.report.common import MINUTES_PER_MONTH, registry_cmk, rounded
from app.report.figures import SLAS, checked

if TYPE_CHECKING:  # pragma: no cover
    from app.built import Built
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



def availability(cfg: PlatformConfig, built: Built) -> dict[str, Any]:
    """SLA figures of the design and of each path (:mod:`app.report.paths`), from the config and what the stacks build."""
    from app.report.paths import ASSUMPTIONS, budget, by_path, read_sla

    region_keys = ["machine_learning", "key_vault", "storage_write", "container_registry"]
    if cfg.network.private:
        region_keys.append("private_link")
    data_sla = read_sla(built)
    data_key = data_sla["key"]
    global_keys = ([data_key] + (["cmk_key_vault"] if cfg.encryption.customer_managed_keys else [])
                   + (["traffic_manager"] if cfg.routing is not None else []))
    role = {"machine_learning": "Foundry hub", "key_vault": "hub key vault", "storage_write": "hub default storage",
            "container_registry": "registry replica in the region", "private_link": "private endpoints",
            "storage_read": "training data", "storage_ra_read": "training data", "traffic_manager": "failover routing",
            "cmk_key_vault": "key of the training data" + (" and the registry" if registry_cmk(cfg) else "")
                             + "; the hubs' keys live in each region's own vault"}
    components = [{"key": k, "service": SLAS[k].service, "role": role[k], "scope": "each region", "percent": SLAS[k].percent,
                   "source": SLAS[k].source, "basis": SLAS[k].basis, "checked": SLAS[k].checked} for k in region_keys]
    components += [{"key": k, "service": SLAS[k].service, "role": role[k], "scope": "global", "percent": SLAS[k].percent,
                    "source": SLAS[k].source, "basis": SLAS[k].basis, "checked": SLAS[k].checked} for k in global_keys]
    ingress = cfg.routing.ingress_sla_percent if cfg.routing is not None else None
    if ingress is not None:
        components.append({
            "key": "ingress", "service": "Scoring ingress and endpoints (yours: external to these stacks)",
            "role": "each region's scoring endpoint, its ingress, and the public health path Traffic Manager probes",
            "scope": "each region, inference only", "percent": ingress, "source": "routing.ingress_sla_percent", "checked": None,
            "basis": "assumed, not built by these stacks; set routing.ingress_sla_percent to your chain's SLA (the "
                     "default, 99.95%, is Azure Application Gateway v2's)"})
    components += [{"key": k, "service": SLAS[k].service, "role": "monitoring, not in the request path",
                    "scope": "excluded", "percent": SLAS[k].percent, "source": SLAS[k].source, "basis": SLAS[k].basis,
                    "checked": SLAS[k].checked} for k in ("log_analytics", "application_insights")]
    chains = {loc: [SLAS[k].percent for k in region_keys] for loc in cfg.hub_regions}
    figures = composite(chains, [SLAS[k].percent for k in global_keys], cfg.regions.primary)
    target = cfg.targets.availability_percent
    limiting = min(global_keys, key=lambda k: SLAS[k].percent)

    def downtime(p: float) -> float:
        return rounded((1 - p / 100) * MINUTES_PER_MONTH, 1)

    paths = by_path(cfg, built, region_keys, global_keys, ingress)

    notes = [
        ("The parallel formula assumes a secondary takes over the instant the primary fails. Active-passive failover "
         "takes time (detection, promotion, scale-out from zero nodes) and hub metadata is not replicated, so the real "
         "figure lies between the single-region figure and the upper bound." if cfg.regions.mode.value == "active-passive"
         else "The parallel formula assumes a secondary takes over the instant the primary fails. In active-active mode "
              "every region already runs its clusters' minimum, so serving fails over by routing alone (detection and "
              "DNS TTL); hub metadata is still per region, and training still depends on where its data is readable."),
        "Per path (below), the upper bound counts the regions in parallel only where the path can continue in another "
        "region: training on data the secondary cannot read waits for an account failover.",
        "Regions are treated as failing independently; a shared dependency (Microsoft Entra ID, a global outage, a "
        "bad deployment applied everywhere) breaks that assumption.",
        f"The global factors are in series with everything: {', '.join(SLAS[k].service for k in global_keys)}. "
        f"The lowest of them ({SLAS[limiting].service}, {SLAS[limiting].percent}%) caps the design however many regions it has.",
        "SLAs are financially backed minimums, not measurements; monitoring is left out because it is not in the path "
        "of a training job or an inference call.",
    ]
    notes.append(data_sla["reason"][0].upper() + data_sla["reason"][1:] + "."
                 + (" Reads count only when jobs retry failed reads on the account's -secondary endpoint; writes stay "
                    "at 99.9%." if data_sla["counts_read_access"] else ""))
    month_budget = budget(target)
    rto_target = cfg.targets.rto_minutes
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
        # with 3+ regions the percentage rounds to 100: the downtime keeps its significant digits
        # (computed as the product of the regions' unavailabilities, which float keeps where 1 - it rounds to 1)
        "parallel_regions_unavailability_percent": float(f"{100 * math.prod(1 - v / 100 for v in figures['per_region'].values()):.3g}"),
        "parallel_regions_downtime_seconds_per_month": float(
            f"{math.prod(1 - v / 100 for v in figures['per_region'].values()) * MINUTES_PER_MONTH * 60:.3g}"),
        "global_percent": rounded(figures["global"]),
        "single_region_percent": rounded(figures["single_region"]),
        "composite_upper_bound_percent": rounded(figures["upper_bound"]),
        "meets_target": {"single_region": figures["single_region"] >= target, "upper_bound": figures["upper_bound"] >= target},
        "downtime_minutes_per_month": {"target": downtime(target), "single_region": downtime(figures["single_region"]),
                                       "upper_bound": downtime(figures["upper_bound"])},
        "limiting_component": SLAS[limiting].service,
        "by_path": paths,
        "training_data_read_sla": {"percent": SLAS[data_key].percent, **data_sla},
        "expected_assumptions": ASSUMPTIONS,
        "targets_vs_rto": {
            "downtime_budget_minutes_per_month": round(month_budget, 1),
            "rto_target_minutes": rto_target,
            "budget_months_per_failover_at_rto_target": round(rto_target / month_budget, 2),
            "conflict": rto_target > month_budget,
            "statement": (f"The targets conflict: {target}% allows {month_budget:.1f} min down a month, and one failover at "
                          f"the {rto_target}-min RTO target spends {rto_target / month_budget:.1f} months of that budget."
                          if rto_target > month_budget else
                          f"One failover at the {rto_target}-min RTO target fits in the {month_budget:.1f} min a month "
                          f"that {target}% allows."),
        },
        "notes": notes,
    }

