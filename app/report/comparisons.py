"""The comparisons the design rests on: training data redundancy, registry tier, active-passive vs active-active.

Example::

    >>> [r["redundancy"] for r in comparisons(cfg, book)["storage_redundancy"]]
    ['LRS', 'ZRS', 'GRS', 'RA-GRS', 'GZRS', 'RA-GZRS']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from app.regions import region
from app.report.availability import SLAS
from app.report.common import DAYS_PER_MONTH, DURABILITY_NINES, HOURS_PER_MONTH, REDUNDANCIES, spelled, training_data_gb, vm_key
from app.report.cost import storage_monthly
from app.report.prices import PriceBook

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig


def compute_monthly(cfg: PlatformConfig, book: PriceBook, loc: str, min_nodes: Callable[[Any], int] | None = None) -> float:
    """What the clusters in ``loc`` would cost running ``min_nodes`` (default: their own) all month: a what-if."""
    total = 0.0
    for s in cfg.clusters(loc):
        if not book.has(vm_key(s.vm_size)):
            continue
        n = s.min_nodes if min_nodes is None else min_nodes(s)
        factor = book("compute.low_priority_factor") if s.vm_priority == "LowPriority" else 1.0
        total += n * book(vm_key(s.vm_size)) * factor * HOURS_PER_MONTH
    return total


def comparisons(cfg: PlatformConfig, book: PriceBook) -> dict[str, Any]:
    td = cfg.training_data
    gb = training_data_gb(cfg)
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
                  "no private endpoints, so public access stays on; lower throughput for big images (zone redundancy stays: "
                  "Microsoft gives it to every tier in regions with zones, at no cost)"},
        {"option": "Standard, one registry in the primary region", "monthly_usd": round(std_each, 2), "chosen": False,
         "loses": "every secondary pulls across regions, and pulls fail while the primary region is down: the "
                  "secondaries cannot start anything then"},
    ]
    primary = cfg.regions.primary
    ap = compute_monthly(cfg, book, primary)
    primary_min = {s.name: s.min_nodes for s in cfg.clusters(primary)}
    aa = ap
    warm = []
    for loc in cfg.secondary_regions:
        aa += compute_monthly(cfg, book, loc, min_nodes=lambda s: max(s.min_nodes, primary_min.get(s.name, 0)))
        for s in cfg.clusters(loc):
            if book.has(vm_key(s.vm_size)):
                factor = book("compute.low_priority_factor") if s.vm_priority == "LowPriority" else 1.0
                warm.append({"cluster": s.name, "region": loc, "vm_size": s.vm_size,
                             "monthly_usd_per_warm_node": round(book(vm_key(s.vm_size)) * factor * HOURS_PER_MONTH, 2)})
    if cfg.regions.mode.value == "active-active":
        current = ap + sum(compute_monthly(cfg, book, loc) for loc in cfg.secondary_regions)
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

