"""RPO, RTO and durability per data path (training data, images, hub metadata, inference routing).

Example::

    >>> [p["path"] for p in rpo_rto(cfg)][0]
    'training data'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.regions import region
from app.report.common import DURABILITY_NINES, hub_storage_redundancy, spelled
from app.report.figures import timing

if TYPE_CHECKING:  # pragma: no cover
    from app.built import Built
    from app.config import PlatformConfig

def failover_detection_seconds(cfg: PlatformConfig) -> int | None:
    """Worst case until clients resolve the next region: failed probes to mark the endpoint down, then the DNS TTL."""
    if cfg.routing is None:
        return None
    p = cfg.routing.probe
    return p.interval_seconds * (p.tolerated_failures + 1) + cfg.routing.ttl_seconds


def rpo_rto(cfg: PlatformConfig, built: Built, avail: dict[str, Any]) -> list[dict[str, Any]]:
    """Each data path's mechanism, RPO and RTO; the training data's outage read from what the stacks build."""
    from app.report.paths import data_outage

    td, t = cfg.training_data, cfg.targets
    red = cfg.training_data_replication
    pair = region(cfg.regions.primary).pair
    detect = failover_detection_seconds(cfg)
    geo_rpo, acr = timing("storage.geo_rpo_minutes").value, timing("registry.replication_minutes")
    outage = data_outage(cfg, built)
    serving = next(p for p in avail["by_path"] if p["path"].startswith("inference"))
    paths = [
        {
            "path": "training data",
            "mechanism": f"{spelled(red)}: three synchronous copies in {cfg.regions.primary}"
                         + (" across zones" if "Z" in red else "") + f", asynchronous copy to its pair {pair}",
            "rpo": f"typically under {geo_rpo:g} minutes of writes (the account's Last Sync Time); Azure gives no SLA on the lag",
            "rpo_minutes_typical": geo_rpo,
            "sources": ["timing:storage.geo_rpo_minutes"],
            "rto": f"reads: {outage['reads']}; writes: {outage['writes']}",
            "rto_minutes": outage["rto_minutes"],
            "rto_reason": outage["reason"],
            "readable_in_secondary_during_outage": outage["readable_in_secondary"],
            "target_rpo_minutes": t.rpo_minutes,
            "meets_rpo_target": t.rpo_minutes >= geo_rpo,
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
            "rpo": "images pushed and replicated before the loss; Microsoft gives no replication time (\"depends on image "
                   f"size\"): the seed scenario's 5-{acr.value:g} minutes for images under 5 GB is used",
            "rpo_minutes_typical": acr.value,
            "sources": ["timing:registry.replication_minutes"],
            "rto": "pulls: none, the global endpoint routes to a healthy replica; pushes continue at replicas; registry "
                   "configuration changes wait for the home region",
            "target_rpo_minutes": t.rpo_minutes,
            "meets_rpo_target": t.rpo_minutes >= acr.value,
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
            "rto": (f"about {serving['rto_minutes']} min: " + "; ".join(serving["rto_parts"])
                    if serving["rto_minutes"] is not None else serving["reason"]),
            "rto_seconds": detect,
            "rto_minutes": serving["rto_minutes"],
            "target_rto_minutes": t.rto_minutes,
            "meets_rto_target": serving["meets_rto_target"],
            "notes": "Assumes your scoring endpoint in the next region is deployed; scaling out needs the quota to be "
                     "there (quota is permission, not reserved capacity).",
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

