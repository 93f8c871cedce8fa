"""What replicates where, and how (a Mermaid flowchart and its table), and the deployment order (a smaller one).

Example::

    >>> rows = topology(cfg)
    >>> [(r["region"], r["role"]) for r in rows]
    [('eastus', 'primary, active'), ('westus', 'secondary, passive')]
    >>> print(replication(cfg, rows))   # doctest: +SKIP
    flowchart TB
      tm(["Traffic Manager (Priority)<br/>contoso-fraud-prod.trafficmanager.net"])
      subgraph r0["eastus: primary, active, served 1st"]
      ...

The replication diagram has one box per region (its hub, its registry copy, its copy of the
training data) and draws the replication between them: the training data's geo-replication
to the primary's pair (asynchronous), the registry's geo-replication to every replica, and
Traffic Manager to every region in priority order. Regions are laid out in rows of
:data:`PER_ROW`, so eight regions grow downward instead of into a thin strip; the table
(:func:`topology`) says the same in words. The deployment order is a small left-to-right chart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.regions import region
from app.report.common import hub_storage_redundancy, spelled
from app.report.figures import timing

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

PER_ROW = 3  # secondaries side by side in the group; more go to the next row
GROUP_ABOVE = 4  # regions drawn one edge each up to this many


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def serving_order(cfg: PlatformConfig) -> dict[str, int]:
    """Region -> the order Traffic Manager serves it in (the active region first, then the config's order)."""
    order = [cfg.active_region] + [r for r in cfg.hub_regions if r != cfg.active_region]
    return {r: i + 1 for i, r in enumerate(order)}


def topology(cfg: PlatformConfig) -> list[dict[str, Any]]:
    """One row per region that holds something: its role, Traffic Manager order, registry copy and training data copy."""
    td, primary = cfg.training_data_replication, cfg.regions.primary
    pair = region(primary).pair
    premium = cfg.registry.sku.value == "Premium"
    order = serving_order(cfg) if cfg.routing is not None else {}
    secondary_copy = ("readable at the -secondary endpoint during an outage" if cfg.training_data_secondary_readable
                      else "read-only after a customer-initiated account failover")
    def active(loc: str) -> bool:  # serves: every region in active-active, else the one Traffic Manager serves first
        return cfg.regions.mode.value == "active-active" or loc == cfg.active_region

    rows = []
    for loc in [*cfg.hub_regions, *([pair] if pair and pair not in cfg.hub_regions else [])]:
        hub = loc in cfg.hub_regions
        zr = "zone redundant" if cfg.replica_zone_redundant(loc) else "no zones" if not region(loc).zones else "not zone redundant"
        if loc == primary:
            reg = f"home ({cfg.registry.sku.value}, {zr})"
        elif hub and premium:
            reg = f"geo-replica ({zr}), asynchronous from {primary}"
        elif hub:
            reg = f"none: pulls from {primary} across regions"
        else:
            reg = ""
        data = (f"primary copy ({spelled(td)}: {'3 zones' if 'Z' in td else '3 copies'} in {primary})" if loc == primary
                else f"secondary copy ({spelled(td)}, asynchronous from {primary}; {secondary_copy})" if loc == pair else "")
        rows.append({
            "region": loc,
            "role": (("primary" if loc == primary else "secondary") + (", active" if active(loc) else ", passive")
                     + (", promoted" if cfg.is_promoted(loc) else "")) if hub else f"pair of {primary} (no hub)",
            "served": order.get(loc),
            "compute": ", ".join(f"{s.name} {s.min_nodes}-{s.max_nodes} nodes" for s in cfg.clusters(loc)) if hub else "",
            "registry": reg,
            "training_data": data,
            "hub_storage": spelled(hub_storage_redundancy(loc)) + " (never failed over)" if hub else "",
        })
    return rows


def replication(cfg: PlatformConfig, rows: list[dict[str, Any]]) -> str:
    """The flowchart of :func:`topology`: one box per region, the replication between them drawn.

    Up to :data:`GROUP_ABOVE` regions every edge is drawn. With more, the secondaries sit in one
    group, in rows of :data:`PER_ROW` (the diagram grows downward), and Traffic Manager and the
    registry reach the group with one edge each; each box still says its order and its copies.
    """
    primary = cfg.regions.primary
    ids = {r["region"]: f"r{i}" for i, r in enumerate(rows)}
    red = spelled(cfg.training_data_replication)
    rpo = timing("storage.geo_rpo_minutes").value
    grouped = len(rows) > GROUP_ABOVE
    lines = ["flowchart TB"]
    if cfg.routing is not None:
        lines.append(f'  tm(["Traffic Manager, Priority<br/>{_mm(cfg.routing.dns_name or "")}.trafficmanager.net"])')
    others = [r for r in rows if r["region"] != primary]
    lines.append(_box(rows[0], primary, red, ids, "  "))
    if grouped:
        served = [r["served"] for r in others if r["served"]]
        title = f"{len(others)} other regions" + (f", served {ordinal(min(served))} to {ordinal(max(served))} on failure"
                                                  if served else "")
        lines.append(f'  subgraph grp["{title}"]')
    lines += [_box(r, primary, red, ids, "    " if grouped else "  ") for r in others]
    if grouped:
        lines += [f"    {ids[others[i - PER_ROW]['region']]} ~~~ {ids[others[i]['region']]}" for i in range(PER_ROW, len(others))]
        lines.append("  end")
    p = ids[primary]
    for r in rows:
        if r["served"] == 1 or (r["served"] and not grouped):
            lines.append(f'  tm {"-->" if r["served"] == 1 else "-.->"}|"{ordinal(r["served"])}"| {ids[r["region"]]}')
    if grouped and cfg.routing is not None:
        lines.append('  tm -.->|"then each in its order, on failure"| grp')
    replicas = [r for r in others if r["registry"].startswith("geo")]
    if grouped and replicas:
        lines.append(f'  {p} -.->|"registry, async: a replica in each"| grp')
    for r in others:
        rid = ids[r["region"]]
        what = (["registry, async"] if r["registry"].startswith("geo") and not grouped else []) + (
            [f"{red} data to the pair, async, under {rpo:g} min typical"] if r["training_data"] else [])
        if what:
            lines.append(f'  {p} {"==>" if r["training_data"] else "-.->"}|"{" + ".join(what)}"| {rid}')
        if r["registry"].startswith("none"):
            lines.append(f'  {rid} -.->|"image pulls"| {p}')
    return "\n".join(lines) + "\n"


def _box(r: dict[str, Any], primary: str, red: str, ids: dict[str, str], indent: str) -> str:
    parts = [f"<b>{_mm(r['region'])}</b>: {_mm(r['role'])}" + (f", served {ordinal(r['served'])}" if r["served"] else "")]
    if r["compute"]:
        parts.append("Foundry hub, " + _mm(r["compute"]))
    if r["registry"]:
        parts.append("registry: " + ("home" if r["region"] == primary else
                                     "replica" if r["registry"].startswith("geo") else "none, pulls across regions"))
    if r["training_data"]:
        parts.append(f"training data ({red}): " + ("primary copy" if r["region"] == primary else "secondary copy"))
    open_, close = ('[["', '"]]') if r["region"] == primary else ('["', '"]')
    return f'{indent}{ids[r["region"]]}{open_}{"<br/>".join(parts)}{close}'


def deployment(all_stacks: list[dict[str, Any]], label: str = "remote state: ids") -> str:
    """The deployment order as a small left-to-right flowchart: one node per stack, an edge per dependency."""
    ids = {s["name"]: f"s{i}" for i, s in enumerate(all_stacks)}
    lines = ["flowchart LR"]
    for s in all_stacks:
        where = "global" if s["location"] == "global" else s["location"]
        note = "<br/>independent" if s["scope"] == "routing" else ""
        lines.append(f'  {ids[s["name"]]}["{_mm(s["name"])} ({where}){note}"]')
    for s in all_stacks:  # solid: a Terraform dependency (manifest.json); dotted: the release policy's order
        for dep in s["depends_on"]:
            lines.append(f'  {ids[dep]} -- "{label}" --> {ids[s["name"]]}')
        for before in s["deploy_after"]:
            lines.append(f'  {ids[before]} -. "deploy after (release gate)" .-> {ids[s["name"]]}')
    return "\n".join(lines) + "\n"


def _mm(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return re.sub(r'["#;]', "", text).replace("&", "and")
