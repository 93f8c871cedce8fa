"""The whole report as plain data (the JSON format): every section, and the warnings an approver must see.

Example::

    >>> rep = build(load_config("config/default.yaml"))
    >>> sorted(rep)[:3]
    ['availability', 'comparisons', 'cost']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.report.availability import availability
from app.report.common import vm_key
from app.report.comparisons import comparisons
from app.report.cost import cost
from app.report.decisions import decisions
from app.report.diagram import deployment, replication, topology
from app.report.figures import source_rows
from app.report.inventory import deployment_order, reads_shared, stacks
from app.report.prices import PriceBook, check_overrides, load_prices
from app.report.recovery import durability, rpo_rto
from app.report.synthesized import Output, synthesize
from app.report.usage import usage

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig


def build(cfg: PlatformConfig, prices_doc: dict[str, Any] | None = None, output: Output | None = None) -> dict[str, Any]:
    """The report as plain data (the JSON format); deterministic for a given config and price table.

    ``output`` is the config's synthesized output (:meth:`Output.read` of a directory synth wrote for this very
    config); without it the config is synthesized into a temporary directory first.
    """
    doc = prices_doc if prices_doc is not None else load_prices()
    check_overrides(cfg, doc)
    out = output if output is not None else synthesize(cfg)
    book = PriceBook(doc, cfg.report.price_overrides)
    all_stacks = stacks(cfg, out)
    topo = topology(cfg)
    avail = availability(cfg, out.built)
    comp = comparisons(cfg, book)
    cost_section, unpriced = cost(cfg, book, out)
    use = usage(cfg, book)
    cost_section["prices"] = book.table()  # comparisons and usage may have used more keys
    warnings = [{"code": w.code, "path": w.path, "message": w.render()} for w in cfg.warnings]
    for size in sorted(set(unpriced) | set(use["unpriced_vm_sizes"])):
        warnings.append({"code": "unpriced-vm-size", "path": "report.price_overrides",
                         "message": f"no price for {size}: its compute cost is counted as 0; set "
                                    f"report.price_overrides.{vm_key(size)} (USD per node-hour)"})
    for address in cost_section["unclassified"]:
        warnings.append({"code": "unclassified-resource", "path": address,
                         "message": f"{address} is neither priced nor known to be free: classify its type in "
                                    "app/report/charges.py (NOT_CHARGED) or price it in app/report/cost.py"})
    tvr = avail["targets_vs_rto"]
    if tvr["conflict"]:
        warnings.append({"code": "rto-exceeds-downtime-budget", "path": "targets.rto_minutes", "message": tvr["statement"]})
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
        "deployment_order": deployment_order(all_stacks, reads_shared(cfg)),
        "topology": topo,
        "diagram": replication(cfg, topo),
        "deployment_diagram": deployment(all_stacks, "tfe_outputs: ids" if cfg.backend.type == "cloud" else "remote state: ids"),
        "availability": avail,
        "rpo_rto": rpo_rto(cfg, out.built, avail),
        "durability": durability(cfg),
        "cost": cost_section,
        "usage": use,
        "comparisons": comp,
        "decisions": decisions(cfg, comp, avail, out),
        "warnings": warnings,
        "sources": source_rows(cost_section["prices"], avail["components"]),
    }

