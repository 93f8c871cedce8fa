"""Every choice the config made, with its trade-off, in the words an approver reads.

Example::

    >>> [d["topic"] for d in decisions(cfg, comparisons(cfg, book), availability(cfg))][0]
    'Regions: active-passive'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.regions import region
from app.report.common import hub_cmk, hub_storage_redundancy, money, registry_cmk, spelled
from app.report.figures import timing
from app.report.recovery import failover_detection_seconds
from app.report.synthesized import Output

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

def decisions(cfg: PlatformConfig, comp: dict[str, Any], avail: dict[str, Any], built_output: Output) -> list[dict[str, Any]]:
    td, t = cfg.training_data, cfg.targets
    primary, secs = cfg.regions.primary, list(cfg.secondary_regions)
    red = td.redundancy.value
    home = region(primary)
    storage = {row["redundancy"]: row for row in comp["storage_redundancy"]}
    mode = comp["mode"]
    out: list[dict[str, Any]] = []

    def add(topic: str, choice: str, tradeoff: str, details: list[dict[str, Any]] | None = None) -> None:
        out.append({"topic": topic, "choice": choice, "tradeoff": tradeoff, **({"details": details} if details else {})})

    clusters = {loc: built_output.built.region_stacks[loc].clusters for loc in cfg.hub_regions
                if loc in built_output.built.region_stacks}
    running = {loc: {n: low for n, (low, _) in cs.items() if low} for loc, cs in clusters.items()}
    cold = [loc for loc in secs if not running.get(loc)]

    def nodes_text(locs: list[str]) -> str:
        return "; ".join(f"{loc} " + ", ".join(f"{n} {k}" for n, k in sorted(running[loc].items())) for loc in locs)

    if cfg.regions.mode.value == "active-passive":
        warm = mode["per_warm_node"][0] if mode["per_warm_node"] else None
        cost_txt = (f"keeping the primary's minimum warm there would cost {money(mode['delta_usd'])}/month more"
                    if mode["delta_usd"] else
                    "the primary runs no minimum either, so both modes cost the same while idle"
                    + (f"; each node kept warm in {warm['region']} would cost {money(warm['monthly_usd_per_warm_node'])}/month"
                       if warm else ""))
        add("Regions: active-passive",
            f"{primary} runs the work; {', '.join(secs)} {'keep' if len(secs) > 1 else 'keeps'} identical hubs and "
            "clusters at 0 nodes (the config allows no running node in a passive region).",
            f"Compute in the passive regions costs nothing while idle ({cost_txt}). The price is a slower failover: jobs in flight are "
            f"lost, the secondary scales out from zero, and the availability figure sits between "
            f"{avail['single_region_percent']:.4f}% (no failover) and {avail['composite_upper_bound_percent']:.4f}% (instant failover).")
    else:
        if not cold:
            add("Regions: active-active", f"Every hub region ({', '.join(cfg.hub_regions)}) keeps nodes running: "
                + nodes_text([loc for loc in cfg.hub_regions if running.get(loc)]) + ".",
                f"Failover is a routing change rather than a scale-out, for {money(mode['delta_usd'])}/month of compute "
                "in the secondaries; hub metadata is still per region, so work is not shared between them.")
        else:
            add("Regions: active-active", f"Every hub region ({', '.join(cfg.hub_regions)}) is active, but "
                f"{', '.join(cold)} {'keep' if len(cold) > 1 else 'keeps'} 0 nodes (min_nodes 0): nothing runs there "
                "while idle.",
                "Active-active costs no more than active-passive while idle, and failover to "
                f"{', '.join(cold)} still waits for a scale-out from zero (see the inference RTO); set min_nodes above 0 "
                "there to make failover a routing change. Hub metadata is still per region.")
    geo_rpo = timing("storage.geo_rpo_minutes").value
    rpo_ok = t.rpo_minutes >= geo_rpo
    gzrs, ra = storage[spelled("GZRS")], storage[spelled("RAGRS")]
    zone_txt = (f"GZRS would add zone redundancy inside {primary} (a zone loss then needs no failover) for "
                f"{money(gzrs['monthly_usd'] - storage[spelled(red)]['monthly_usd'])}/month more"
                if home.zones else f"GZRS is impossible: {primary} has no availability zones")
    if "Z" in red:
        zone_txt = f"{spelled(red)} already survives a zone loss in {primary} without a failover"
    add(f"Training data: {spelled(red)} against an RPO of {t.rpo_minutes} min",
        f"{td.size_tb:g} TB on {spelled(red)}, replicated asynchronously to {home.pair}.",
        (f"Geo-replication typically lags under {geo_rpo:g} minutes, which fits the RPO, but Azure gives no SLA on the lag: watch "
         "the Last Sync Time. " if rpo_ok else
         f"An RPO of {t.rpo_minutes} min is below what asynchronous geo-replication can promise (typically < {geo_rpo:g} min, no SLA). ")
        + zone_txt + "; " + (f"RA-GRS would make the copy in {home.pair} readable during an outage for "
                             f"{money(ra['monthly_usd'] - storage[spelled(red)]['monthly_usd'])}/month more."
                             if not red.startswith("RA") else "the copy in the pair is readable during an outage."))
    add(f"Registry: {cfg.registry.sku.value}, geo-replicated",
        f"One registry in {primary} with replicas in {', '.join(secs)}; every hub pulls from its own region.",
        "Premium is the only tier that geo-replicates and takes private endpoints; Standard would save about "
        f"{money(comp['registry_tier'][0]['monthly_usd'] - comp['registry_tier'][2]['monthly_usd'])}/month but the secondaries "
        "would pull across regions and fail while the primary region is down. Replication is eventually consistent: "
        "the release gate checks every replica before a secondary rolls forward.")
    if cfg.network.private:
        region_pes = len(built_output.resources(cfg.namer.stack(primary), "azurerm_private_endpoint"))
        shared_pes = len(built_output.resources(cfg.namer.stack("shared"), "azurerm_private_endpoint"))
        zones = len(built_output.resources(cfg.namer.stack("shared"), "azurerm_private_dns_zone"))
        add("Networking: private", f"A VNet per region with {region_pes} private endpoints, one beside the "
            f"shared resources with {shared_pes}, {zones} private DNS zones each; public "
            "access off.",
            "Nothing is reachable from the internet, at the cost of the endpoints and operators needing a network path "
            "(VPN, ExpressRoute or a jump host) to reach the hubs and data.")
    else:
        add("Networking: public (sandbox)", "No VNets or private endpoints; public network access stays on (Azure AD still required).",
            "Cheaper and simpler, but every data-plane endpoint is exposed to the internet (still Azure AD only): "
            "not for production.")
    if cfg.encryption.customer_managed_keys:
        add("Encryption: customer-managed keys", "Training data" + (" and registry" if registry_cmk(cfg) else "")
            + " encrypted with keys in the shared vault in the primary region, each hub's storage"
            + (" and metadata" if hub_cmk(cfg) else "") + " with keys in its own region's vault; rotated every "
            f"{cfg.encryption.key_rotation_days} days"
            + ("." if registry_cmk(cfg) else "; the registry keeps Microsoft-managed keys (its encryption is "
               "chosen at creation: encryption.registry_customer_managed_key)."),
            "You control (and can revoke) the key, which some auditors require; a deleted or disabled key makes the data "
            + ("and images " if registry_cmk(cfg) else "") + "unreadable, and the key vault becomes part of the "
            "availability chain.")
    else:
        add("Encryption: Microsoft-managed keys", "Data and images are encrypted at rest with keys Azure manages.",
            "Nothing to rotate or lose; you cannot revoke Microsoft's access by disabling a key.")
    if hub_cmk(cfg):
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

