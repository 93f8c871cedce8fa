"""The report as a list of blocks (headings, paragraphs, lists, tables, the diagram) that every text renderer walks.

Example::

    >>> blocks(rep)[0]
    ('h', 1, 'contoso fraud prod: resilient multi-region Microsoft Foundry')
"""

from __future__ import annotations

from typing import Any

from app.report.common import money
from app.report.diagram import ordinal
from app.report.usage import blocks as usage_blocks

Block = tuple  # ("h", level, text) | ("p", text) | ("ul", [text]) | ("table", headers, rows) | ("mermaid", src, id)


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

    out.append(("h", 2, "What replicates where"))
    out.append(("p", "Solid arrows carry traffic, dotted ones take over on failure or replicate asynchronously, the thick "
                     "one is the training data's geo-replication to its pair; the double-edged box is the primary region. The table "
                     "says the same in words."))
    out.append(("mermaid", rep["diagram"], "replication-diagram"))
    out.append(("table", ["region", "role", "Traffic Manager", "compute", "registry", "training data", "hub storage"],
                [[t["region"], t["role"], ordinal(t["served"]) if t["served"] else "", t["compute"], t["registry"],
                  t["training_data"], t["hub_storage"]] for t in rep["topology"]]))
    out.append(("h", 2, "Stacks and deployment order"))
    order = rep["deployment_order"]
    seq = " -> ".join(" + ".join(f"`{n}`" for n in wave) for wave in order["sequence"])
    out.append(("p", f"Deploy {seq}" + (f"; {', '.join(f'`{n}`' for n in order['independent'])} is independent" if order["independent"] else "")
                + f". {order['rule'][0].upper()}{order['rule'][1:]}."))
    out.append(("mermaid", rep["deployment_diagram"], "deployment-diagram"))
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
                [[ln["component"] + (" *" if ln["estimate"] else ""), ln["stack"], ln["region"], money(ln["monthly_usd"]), ln["formula"]]
                 for ln in c["lines"]]))
    out.append(("table", ["region", "per month"], [[r, money(v)] for r, v in c["by_region"].items()]
                + [["**total**", f"**{money(c['total_monthly_usd'])}**"]]))
    out.append(("table", ["one-time", "amount", "how"], [[ln["component"], money(ln["monthly_usd"]), ln["formula"]] for ln in c["one_time"]]))
    if c["not_priced"]:
        out.append(("p", "Billed but not priced here (no published figure):"))
        out.append(("table", ["component", "stack", "region", "why no figure", "source"],
                    [[x["component"], x["stack"], x["region"], x["reason"], x["source"]] for x in c["not_priced"]]))
    out.append(("p", c["not_charged"]))

    out += usage_blocks(rep["usage"])

    cm = rep["comparisons"]
    out.append(("h", 3, "Training data redundancy"))
    out.append(("table", ["redundancy", "per month", "vs chosen", "durability", "read / write SLA", "zone loss", "region loss", "allowed here"],
                [[("**" + s["redundancy"] + "** (chosen)") if s["chosen"] else s["redundancy"], money(s["monthly_usd"]),
                  money(s["delta_vs_chosen_usd"]), f"{s['durability_nines']} nines",
                  f"{s['read_sla_percent']}% / {s['write_sla_percent']}%", "survives" if s["survives_zone_loss_without_failover"] else "failover",
                  _yn(s["survives_region_loss"]),
                  _yn(s["allowed_for_training_data"] and s["possible_in_primary"])] for s in cm["storage_redundancy"]]))
    out.append(("h", 3, "Registry tier"))
    out.append(("table", ["option", "per month", "what you would lose"],
                [[("**" + r["option"] + "** (chosen)") if r["chosen"] else r["option"], money(r["monthly_usd"]), r["loses"]]
                 for r in cm["registry_tier"]]))
    md = cm["mode"]
    um = rep["usage"]["modes"]
    out.append(("h", 3, "Active-passive vs active-active (compute)"))
    out.append(("p", "Nodes kept running (min_nodes) plus the usage estimate, both modes priced from the same assumptions:"))
    out.append(("table", ["mode", "nodes kept running", "training jobs", "inference", "data and images", "total per month"], [
        [name + (" (chosen)" if md["chosen"] == name else ""), money(md[f"{key}_monthly_compute_usd"]),
         money(um[name]["training_usd"]), money(um[name]["inference_usd"]), money(um[name]["data_usd"]),
         money(md[f"{key}_monthly_compute_usd"] + um[name]["total_usd"])]
        for name, key in (("active-passive", "active_passive"), ("active-active", "active_active"))]))
    if md["per_warm_node"]:
        out.append(("table", ["cluster", "region", "VM size", "per warm node per month"],
                    [[w["cluster"], w["region"], w["vm_size"], money(w["monthly_usd_per_warm_node"])] for w in md["per_warm_node"]]))
    out.append(("p", md["basis"][0].upper() + md["basis"][1:] + ". " + md["note"]))

    out.append(("h", 3, "Figures and their sources"))
    out.append(("p", "Every price, usage assumption, SLA, durability figure and timing above, with where it comes from and "
                     "when that was checked (`app/prices.yaml`, `app/slas.yaml`). Basis: `price` a Microsoft page or a copy "
                     "of its retail price feed; `microsoft` a Microsoft page; `estimate`/`unverified` no such source "
                     "could be read; `seed` the scenario's figure, which Microsoft does not publish; `assumption` usage "
                     "to measure and override; `override`/`config` set in the config."))
    out.append(("table", ["figure", "value", "unit", "basis", "checked", "source"],
                [[f"`{x['id']}`", f"{x['value']:g}", x["unit"], x["basis"], x["checked"] or "", x["source"]]
                 for x in rep["sources"]]))

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

