"""Availability and recovery time per path (inference, training), as the built stacks allow them.

Example::

    >>> inference, training = availability(cfg, synthesize(cfg).built)["by_path"]
    >>> training["rto_minutes"], training["readable_in_secondary_during_outage"]
    (70, False)          # GRS: an account failover (about an hour), then a cluster starts from 0 nodes

Each path gets its SLA bounds (one region alone; the regions in parallel where the path
can really continue in another region), its recovery time with the parts it adds up
from, an expected availability under stated assumptions, and what one failover costs
against the availability target's monthly downtime budget.

- Training data on GRS/GZRS, or RA-GRS/RA-GZRS without the secondary endpoints in every
  hub region: the copy in the pair is unreadable until a customer-initiated account
  failover, which Microsoft says "typically takes about an hour"
  (https://learn.microsoft.com/azure/storage/common/storage-disaster-recovery-guidance,
  checked 2026-12-02). The secondary hub region adds nothing to training until then, so
  its upper bound is the single-region figure.
- RA-GRS/RA-GZRS with a blob_secondary private endpoint and an approved managed-network
  outbound rule in every hub region (what the stacks build with ``training_data.redundancy``
  RA-* and ``network.private: true``): reads continue at the secondary endpoint.
- An immutability (WORM) policy (``training_data.immutability_days``) blocks account
  failover: "If GRS, GZRS, or RA-GRS is chosen, customer-initiated failover is not
  supported" (Microsoft Tech Community, "Immutable Blobs Inside Azure Storage (WORM)",
  https://techcommunity.microsoft.com/t5/core-infrastructure-and-security/immutable-blobs-inside-azure-storage-worm/ba-p/3843611;
  and https://learn.microsoft.com/azure/storage/common/storage-failover-customer-managed-unplanned;
  checked 2026-12-02). Training's RTO is then null with that reason.
- Inference: the scoring ingress and endpoints are yours, outside these stacks, at the SLA
  ``routing.ingress_sla_percent`` assumes; recovery is Traffic Manager's detection plus the
  DNS TTL, plus a scale-out when the standby region's clusters run no node.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from app.report.availability import composite
from app.report.figures import SLAS
from app.report.common import MINUTES_PER_MONTH, rounded, spelled

if TYPE_CHECKING:  # pragma: no cover
    from app.built import Built
    from app.config import PlatformConfig

MINUTES_PER_YEAR = MINUTES_PER_MONTH * 12
STORAGE_FAILOVER_SOURCE = "https://learn.microsoft.com/azure/storage/common/storage-disaster-recovery-guidance"
WORM_SOURCE = ("https://techcommunity.microsoft.com/t5/core-infrastructure-and-security/"
               "immutable-blobs-inside-azure-storage-worm/ba-p/3843611")

# Assumptions of the expected availability: not Microsoft's figures, shown with every result.
ASSUMPTIONS = {
    "regional_outages_per_year": {
        "value": 1, "unit": "regional outages of the primary region a year",
        "basis": "assumption for illustration: Microsoft publishes no regional outage rate"},
    "outage_hours": {
        "value": 4, "unit": "hours each outage lasts",
        "basis": "assumption for illustration: a long regional incident; shorter ones favour waiting over failing over"},
    "scale_out_minutes": {
        "value": 10, "unit": "minutes for a cluster at 0 nodes to start its first node (allocation and image pull)",
        "basis": "assumption: Microsoft publishes no figure for Azure ML compute cluster scale-out; measure it in a "
                 "failover drill"},
}


def secondary_reachable(built: Built) -> bool:
    """Every hub region has a blob_secondary private endpoint and an approved outbound rule to it."""
    return bool(built.region_stacks) and all(
        s.secondary_endpoint and bool(s.approved_rules.get("blob_secondary")) for s in built.region_stacks.values())


def data_outage(cfg: PlatformConfig, built: Built) -> dict[str, Any]:
    """The training data while its region is down, from what the stacks build (app.failure_modes tells the same)."""
    from app.failure_modes import training_data_outage

    return training_data_outage(built.data_replication, built.data_location, worm=built.worm,
                                secondary_reachable=secondary_reachable(built), cmk=built.data_cmk)


def read_sla(built: Built) -> dict[str, Any]:
    """Which read SLA the training data's factor uses, and why."""
    red = built.data_replication
    if red.startswith("RA") and secondary_reachable(built):
        return {"key": "storage_ra_read", "counts_read_access": True,
                "reason": f"{spelled(red)} and every hub region reaches the secondary endpoint (a blob_secondary private "
                          "endpoint and an approved outbound rule): reads retried there count toward 99.99%"}
    if red.startswith("RA"):
        return {"key": "storage_read", "counts_read_access": False,
                "reason": f"{spelled(red)}, but not every hub region has a blob_secondary private endpoint and an approved "
                          "outbound rule (the stacks build them with network.private: true), so no hub can read the "
                          "secondary: the 99.99% read SLA does not count and 99.9% applies"}
    return {"key": "storage_read", "counts_read_access": False,
            "reason": f"{spelled(red)} gives no read access to the copy in the pair: 99.9% applies"}


def standby(cfg: PlatformConfig, built: Built) -> str | None:
    """The region Traffic Manager serves next (lowest priority number after the active one)."""
    order = sorted(built.endpoint_priorities, key=lambda name: built.endpoint_priorities[name])
    rest = [r for r in order if r != cfg.active_region]
    if rest:
        return rest[0]
    others = [r for r in cfg.hub_regions if r != cfg.active_region]
    return others[0] if others else None


def scale_out(cfg: PlatformConfig, built: Built, loc: str | None) -> dict[str, Any]:
    """Minutes until the standby's clusters run a node: 0 when each keeps one warm, else the assumed scale-out."""
    clusters = built.region_stacks[loc].clusters if loc in built.region_stacks else {}
    cold = sorted(name for name, (low, _) in clusters.items() if low == 0)
    promoted = {c.name: c.failover_min_nodes for c in cfg.raw.compute.clusters if c.failover_min_nodes}
    if clusters and not cold:
        return {"minutes": 0, "text": f"{loc}'s clusters keep " + ", ".join(
            f"{n} {low} node{'s' * (low != 1)}" for n, (low, _) in sorted(clusters.items())) + " running: no scale-out wait"}
    minutes = ASSUMPTIONS["scale_out_minutes"]["value"]
    text = (f"{loc}'s cluster{'s' * (len(cold) != 1)} {', '.join(cold)} {'run' if len(cold) != 1 else 'runs'} 0 nodes: "
            f"about {minutes} min to start the first node (assumption)")
    if promoted:
        text += ("; promoting the region (synth --active-region, apply) raises the minimum to failover_min_nodes ("
                 + ", ".join(f"{n} {v}" for n, v in sorted(promoted.items())) + ") to claim capacity early, which does not "
                 "make the first node start sooner")
    return {"minutes": minutes, "text": text}


def budget(target_percent: float) -> float:
    """Minutes a month the availability target allows down."""
    return (1 - target_percent / 100) * MINUTES_PER_MONTH


def expected(rto_minutes: float | None, recovers: bool) -> dict[str, Any]:
    """Expected availability from regional outages alone, under :data:`ASSUMPTIONS`."""
    n = ASSUMPTIONS["regional_outages_per_year"]["value"]
    hours = ASSUMPTIONS["outage_hours"]["value"]
    per_outage = hours * 60 if rto_minutes is None or not recovers else min(hours * 60, rto_minutes)
    down = n * per_outage
    return {"percent": rounded(100 * (1 - down / MINUTES_PER_YEAR), 4), "downtime_minutes_per_year": round(down, 1),
            "per_outage_minutes": round(per_outage, 1),
            "basis": f"{n} outage{'s' * (n != 1)} a year of {hours} h in the primary region; each costs "
                     + ("the whole outage (no failover)" if rto_minutes is None or not recovers
                        else f"min({hours} h, the recovery time {rto_minutes:g} min)")}


def by_path(cfg: PlatformConfig, built: Built, region_keys: list[str], global_keys: list[str],
            ingress: float | None) -> list[dict[str, Any]]:
    """The inference and training paths: SLA bounds, recovery time, expected availability, the target's budget."""
    target = cfg.targets.availability_percent
    primary = cfg.regions.primary
    chains = {loc: [SLAS[k].percent for k in region_keys] for loc in cfg.hub_regions}
    month_budget = budget(target)
    nxt = standby(cfg, built)
    warm = scale_out(cfg, built, nxt)
    paths = []

    # inference: routing and keys in series; each region's chain with the scoring ingress and endpoints
    keys = [k for k in global_keys if k in ("traffic_manager", "cmk_key_vault")]
    serving = {loc: chain + ([ingress] if ingress is not None else []) for loc, chain in chains.items()}
    f = composite(serving, [SLAS[k].percent for k in keys], primary)
    if cfg.routing is not None:
        p = cfg.routing.probe
        detect = p.interval_seconds * (p.tolerated_failures + 1) + cfg.routing.ttl_seconds
        rto: float | None = math.ceil(detect / 60 + warm["minutes"])
        parts = [f"detection and DNS: {detect} s (probe every {p.interval_seconds} s, {p.tolerated_failures} failures "
                 f"tolerated, TTL {cfg.routing.ttl_seconds} s)", f"scale-out: {warm['text']}"]
        reason = ""
    else:
        rto, parts = None, []
        reason = "no failover routing (no routing section): clients are repointed by hand, with no known time bound"
    paths.append(_path(cfg, "inference (serving)", f, keys, rto, reason, parts, month_budget,
                       upper=f["upper_bound"], upper_basis="the regions in parallel: Traffic Manager sends clients to "
                       f"{nxt} when {cfg.active_region}'s endpoint fails its probes",
                       external=["scoring ingress and endpoints (yours)"] if ingress is not None else []))

    # training: the data (and its key) in series; the regions in parallel only when the secondary can read the data
    keys = [k for k in global_keys if k != "traffic_manager"]
    f = composite(chains, [SLAS[k].percent for k in keys], primary)
    data = data_outage(cfg, built)
    readable = bool(data["readable_in_secondary"])
    data_rto = data["rto_minutes"]
    rto = None if data_rto is None else data_rto + warm["minutes"]
    parts = []
    if data_rto is not None:
        parts.append("training data: readable at once, read-only, at the secondary endpoint (writes wait)" if readable
                     else f"training data: a customer-initiated account failover, about {data_rto} min (Microsoft: it "
                          f"\"typically takes about an hour\", {STORAGE_FAILOVER_SOURCE})")
        parts.append(f"scale-out: {warm['text']}")
    reason = "" if rto is not None else str(data["reason"]) + (f" ({WORM_SOURCE})" if built.worm else "")
    if readable:
        upper, basis = f["upper_bound"], (f"the regions in parallel: {nxt} keeps reading the data at the secondary "
                                          "endpoint while the primary region is down (writes wait)")
    else:
        upper, basis = f["single_region"], ("the single-region figure: the copy in the pair is unreadable until an "
                                            "account failover" + (", which WORM blocks" if built.worm else "")
                                            + ", so the secondary hub region adds nothing to training during an outage")
    entry = _path(cfg, "training", f, keys, rto, reason, parts, month_budget, upper=upper, upper_basis=basis,
                  external=[])
    entry["readable_in_secondary_during_outage"] = readable
    entry["instant_failover_bound_percent"] = rounded(f["upper_bound"])
    paths.append(entry)
    return paths


def _path(cfg: PlatformConfig, name: str, f: dict[str, Any], keys: list[str], rto: float | None, reason: str,
          parts: list[str], month_budget: float, *, upper: float, upper_basis: str, external: list[str]) -> dict[str, Any]:
    target = cfg.targets.availability_percent
    months = None if rto is None else round(rto / month_budget, 2)
    if rto is None:
        conflict = f"recovery has no known time bound: one outage can spend any amount of the {month_budget:.1f}-min monthly budget"
    elif rto > month_budget:
        conflict = (f"conflict: one failover of {rto:g} min spends {months:g} months of the {month_budget:.1f} min a month "
                    f"that {target}% allows")
    else:
        conflict = f"one failover of {rto:g} min fits in the {month_budget:.1f} min a month that {target}% allows"
    return {
        "path": name,
        "global_components": [SLAS[k].service for k in keys],
        "external_dependencies": external,
        "single_region_percent": rounded(f["single_region"]),
        "upper_bound_percent": rounded(upper),
        "upper_bound_basis": upper_basis,
        "meets_target": {"single_region": f["single_region"] >= target, "upper_bound": upper >= target},
        "rto_minutes": rto,
        "reason": reason,
        "rto_parts": parts,
        "meets_rto_target": rto is not None and rto <= cfg.targets.rto_minutes,
        "expected": expected(rto, rto is not None),
        "budget_months_per_failover": months,
        "target_vs_rto": conflict,
    }
