"""The costs that follow from use (``report.usage``): training and inference compute, data read, images pushed.

Example::

    >>> u = usage(load_config("config/default.yaml"), PriceBook(load_prices(), {}))
    >>> [ln["component"] for ln in u["lines"]][:2]
    ['Training jobs cpu-train (Standard_D4s_v3)', 'Inference instances (Standard_D4s_v3)']
    >>> u["modes"]["active-active"]["total_usd"] > u["modes"]["active-passive"]["total_usd"]
    True

The cost section prices what the stacks hold (a cluster's ``min_nodes``, storage, endpoints);
this one prices what the work does with them, from assumptions the config states (every one
has a documented default, shown beside the figure, to be measured and overridden):

- training node-hours a month per cluster, in the active region (active-passive) or spread
  evenly over every hub region (active-active);
- inference instances serving all month in each serving region (the active one, or every
  hub region in active-active) plus standby instances in each passive region; the scoring
  deployments are the team's, not these stacks', so their size is an assumption too;
- training data read a month (full passes), billed as private-endpoint data processing;
- images pushed a month, copied across regions to every registry replica;
- cross-region reads in a month after a storage account failover (conditional: not in the total).

Both modes are priced the same way (``modes``), so active-passive and active-active differ by
what each actually runs, not by two zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.regions import region
from app.report.common import HOURS_PER_MONTH, money, training_data_gb, unit_price, vm_key
from app.report.prices import PriceBook

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

U = "report.usage."
MODES = ("active-passive", "active-active")


@dataclass
class UsageLine:
    component: str
    region: str
    monthly: float
    formula: str
    keys: tuple[str, ...]
    assumptions: tuple[str, ...]  # the report.usage keys it rests on

    def as_dict(self) -> dict[str, Any]:
        return {"component": self.component, "region": self.region, "monthly_usd": round(self.monthly, 2),
                "formula": self.formula, "price_keys": list(self.keys), "assumptions": list(self.assumptions),
                "estimate": True}


def _node_price(book: PriceBook, size: str, priority: str) -> tuple[float | None, tuple[str, ...], str]:
    """Hourly price of one node (None when the size has no price), its price keys and the formula's words."""
    key = vm_key(size)
    if not book.has(key):
        return None, (), f"unknown price (set report.price_overrides.{key})"
    price, keys, txt = book(key), (key,), f"{unit_price(book(key))}/h"
    if priority == "LowPriority":
        price *= book("compute.low_priority_factor")
        keys += ("compute.low_priority_factor",)
        txt += f" x {book('compute.low_priority_factor'):g} (LowPriority)"
    return price, keys, txt


def _training(cfg: PlatformConfig, book: PriceBook, mode: str, unpriced: set[str]) -> list[UsageLine]:
    u = cfg.report.usage
    where = [cfg.active_region] if mode == "active-passive" else list(cfg.hub_regions)
    lines = []
    for c in cfg.raw.compute.clusters:
        hours = u.training_node_hours_by_cluster.get(c.name, u.training_node_hours_month)
        path = U + ("training_node_hours_by_cluster." + c.name if c.name in u.training_node_hours_by_cluster
                    else "training_node_hours_month")
        for loc in where:
            s = next(x for x in cfg.clusters(loc) if x.name == c.name)
            share = hours / len(where)
            price, keys, txt = _node_price(book, s.vm_size, s.vm_priority)
            if price is None:
                unpriced.add(s.vm_size)
            spread = f" / {len(where)} regions" if len(where) > 1 else ""
            lines.append(UsageLine(f"Training jobs {c.name} ({s.vm_size})", loc, share * (price or 0.0),
                                   f"{hours:g} node-hours{spread} x {txt}", keys, (path,)))
    return lines


def _inference(cfg: PlatformConfig, book: PriceBook, mode: str, unpriced: set[str]) -> list[UsageLine]:
    u = cfg.report.usage
    price, keys, txt = _node_price(book, u.inference_vm_size, "Dedicated")
    if price is None:
        unpriced.add(u.inference_vm_size)
    lines = []
    for loc in cfg.hub_regions:
        serving = mode == "active-active" or loc == cfg.active_region
        n = u.inference_instances if serving else u.inference_standby_instances
        path = U + ("inference_instances" if serving else "inference_standby_instances")
        if n or serving:
            lines.append(UsageLine(f"Inference instances ({u.inference_vm_size})" + ("" if serving else ", standby"), loc,
                                   n * (price or 0.0) * HOURS_PER_MONTH, f"{n} x {txt} x {HOURS_PER_MONTH} h",
                                   keys, (path, U + "inference_vm_size")))
    return lines


def _data_lines(cfg: PlatformConfig, book: PriceBook, mode: str) -> list[UsageLine]:
    u = cfg.report.usage
    gb = training_data_gb(cfg) * u.training_data_passes_month
    readers = [cfg.active_region] if mode == "active-passive" else list(cfg.hub_regions)
    per_gb = book("private_endpoint.data_gb")
    lines = [UsageLine("Training data read through private endpoints", loc, gb / len(readers) * per_gb,
                       f"{u.training_data_passes_month:g} x {training_data_gb(cfg):,.0f} GB"
                       + (f" / {len(readers)} regions" if len(readers) > 1 else "") + f" x {unit_price(per_gb)}/GB "
                       "(inbound data processed)", ("private_endpoint.data_gb",), (U + "training_data_passes_month",))
             for loc in readers]
    replicas = len(cfg.secondary_regions) if cfg.registry.sku.value == "Premium" else 0
    if replicas:
        inter = book("bandwidth.inter_region_gb")
        pushed = u.images_pushed_gb_month
        lines.append(UsageLine("Image geo-replication transfer", cfg.regions.primary, pushed * replicas * inter,
                               f"{pushed:g} GB pushed x {replicas} replica{'s' * (replicas != 1)} x {unit_price(inter)}/GB",
                               ("bandwidth.inter_region_gb",), (U + "images_pushed_gb_month",)))
    return lines


def _after_failover(cfg: PlatformConfig, book: PriceBook, mode: str) -> dict[str, Any]:
    """A month of training on the failed-over account: reads from hubs outside the new primary cross regions."""
    u = cfg.report.usage
    pair = region(cfg.regions.primary).pair
    if mode == "active-passive":
        readers = [pair if pair in cfg.hub_regions else (cfg.secondary_regions or cfg.hub_regions)[0]]
    else:
        readers = list(cfg.hub_regions)
    far = [r for r in readers if r != pair]
    gb = training_data_gb(cfg) * u.training_data_passes_month * len(far) / len(readers)
    inter = book("bandwidth.inter_region_gb")
    return {
        "component": "Cross-region reads after a storage account failover",
        "monthly_usd": round(gb * inter, 2),
        "formula": (f"{gb:,.0f} GB read from {', '.join(far)} across regions x {unit_price(inter)}/GB" if far else
                    f"every reading hub is in {pair}, beside the data: no cross-region reads"),
        "price_keys": ["bandwidth.inter_region_gb"],
        "assumptions": [U + "training_data_passes_month"],
        "estimate": True,
        "when": f"each month the training data lives in {pair} after an account failover, until fail-back; training "
                + ("moves to the promoted region" if mode == "active-passive" else "stays spread over every hub region")
                + (f" ({readers[0]})" if mode == "active-passive" else "") + "; not in the monthly total",
    }


def _mode(cfg: PlatformConfig, book: PriceBook, mode: str, unpriced: set[str]) -> dict[str, Any]:
    training, inference = _training(cfg, book, mode, unpriced), _inference(cfg, book, mode, unpriced)
    data = _data_lines(cfg, book, mode)
    return {"lines": training + inference + data,
            "training_usd": round(sum(x.monthly for x in training), 2),
            "inference_usd": round(sum(x.monthly for x in inference), 2),
            "data_usd": round(sum(x.monthly for x in data), 2),
            "total_usd": round(sum(x.monthly for x in training + inference + data), 2),
            "after_failover": _after_failover(cfg, book, mode)}


def usage(cfg: PlatformConfig, book: PriceBook) -> dict[str, Any]:
    """The usage estimate for the chosen mode, and both modes priced alike for the comparison."""
    unpriced: set[str] = set()
    chosen = cfg.regions.mode.value
    per_mode = {m: _mode(cfg, book, m, unpriced) for m in MODES}
    mine = per_mode[chosen]
    u = cfg.report.usage
    return {
        "mode": chosen,
        "assumptions": {U + k: v for k, v in u.model_dump().items()},
        "lines": [x.as_dict() for x in mine["lines"]],
        "total_monthly_usd": mine["total_usd"],
        "conditional": [mine["after_failover"]],
        "modes": {m: {k: v for k, v in per_mode[m].items() if k != "lines"} for m in MODES},
        "delta_active_active_usd": round(per_mode["active-active"]["total_usd"] - per_mode["active-passive"]["total_usd"], 2),
        "unpriced_vm_sizes": sorted(unpriced),
        "basis": "estimates from report.usage (defaults unless the config sets them): measure and override; priced "
                 "with app/prices.yaml like the cost section, and not part of its total",
    }


def blocks(u: dict[str, Any]) -> list[tuple]:
    """The usage section as document blocks (see :mod:`app.report.document`)."""
    out: list[tuple] = [("h", 3, "Usage estimate (report.usage)")]
    out.append(("p", f"What the work costs on top of the platform above, for {u['mode']}: {u['basis']}. Every line is an "
                     "estimate; the assumption it rests on is named beside it."))
    out.append(("table", ["component", "region", "per month", "how", "assumption"],
                [[x["component"] + " *", x["region"], money(x["monthly_usd"]), x["formula"], ", ".join(f"`{a}`" for a in x["assumptions"])]
                 for x in u["lines"]] + [["**total**", "", f"**{money(u['total_monthly_usd'])}**", "", ""]]))
    for c in u["conditional"]:
        out.append(("p", f"Conditional: {c['component']}, {money(c['monthly_usd'])} ({c['formula']}): {c['when']}."))
    out.append(("table", ["assumption", "value"], [[f"`{k}`", str(v)] for k, v in u["assumptions"].items()]))
    return out
