"""The monthly cost estimate: one line per priced component, stack and region, with its formula.

Example::

    >>> section, unpriced = cost(cfg, PriceBook(load_prices(), {}))
    >>> section["lines"][0]["component"]
    'Container registry (Premium)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from app.report.common import DAYS_PER_MONTH, HOURS_PER_MONTH, ACR_INCLUDED_GB, hub_cmk, \
    hub_storage_redundancy, registry_cmk, spelled, training_data_gb, training_data_size, unit_price, vm_key
from app.report.inventory import PRIVATE_DNS_ZONES, REGION_METRIC_ALERTS, SHARED_LOG_ALERTS, SHARED_METRIC_ALERTS, \
    region_endpoints, shared_endpoints
from app.report.prices import PriceBook, key_charges

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

# The keys the stacks create, as (key_type, key_size): constructs/foundry_constructs/encryption.py makes every CMK key
# RSA-HSM 3072 except a hub's, which is RSA-HSM 2048 (hub.py); test_report_sources checks these against a synth.
SHARED_KEYS = [("RSA-HSM", 3072)]  # the training data's (and the registry's, with registry_customer_managed_key)
REGION_KEYS = [("RSA-HSM", 3072)]  # each hub's storage, in its region's vault
HUB_KEYS = [("RSA-HSM", 2048)]  # each hub's metadata (hub_customer_managed_key)


@dataclass
class CostLine:
    component: str
    stack: str
    region: str
    monthly: float
    formula: str
    keys: tuple[str, ...]

    def as_dict(self, book: PriceBook) -> dict[str, Any]:
        return {"component": self.component, "stack": self.stack, "region": self.region,
                "monthly_usd": round(self.monthly, 2), "formula": self.formula, "price_keys": list(self.keys),
                "estimate": any(book.estimate(k) for k in self.keys)}



def _registry_lines(cfg: PlatformConfig, book: PriceBook, stack: str) -> list[CostLine]:
    sku = cfg.registry.sku.value
    day = f"acr.{sku.lower()}.registry_day"
    home = cfg.regions.primary
    lines = [CostLine(f"Container registry ({sku})", stack, home, book(day) * DAYS_PER_MONTH,
                      f"{unit_price(book(day))}/day x {DAYS_PER_MONTH:.2f} days", (day,))]
    if sku == "Premium":
        for loc in cfg.secondary_regions:
            lines.append(CostLine("Registry geo-replica", stack, loc, book("acr.premium.replica_day") * DAYS_PER_MONTH,
                                  f"{unit_price(book('acr.premium.replica_day'))}/day x {DAYS_PER_MONTH:.2f} days",
                                  ("acr.premium.replica_day",)))
    over = max(0.0, book("assume.registry_gb") - ACR_INCLUDED_GB[sku])
    if over:
        copies = 1 + (len(cfg.secondary_regions) if sku == "Premium" else 0)
        lines.append(CostLine("Registry storage above the included", stack, home,
                              over * book("acr.storage.gb_month") * copies,
                              f"{over:g} GB x {unit_price(book('acr.storage.gb_month'))}/GB-month x {copies} copies",
                              ("assume.registry_gb", "acr.storage.gb_month")))
    else:
        book("acr.storage.gb_month")
    return lines


def _alert_lines(book: PriceBook, stack: str, loc: str, metric: int, log: int = 0) -> list[CostLine]:
    out = [CostLine("Metric alerts", stack, loc, metric * book("monitor.metric_alert_month"),
                    f"{metric} rule{'s' * (metric != 1)} x {unit_price(book('monitor.metric_alert_month'))}",
                    ("monitor.metric_alert_month",))]
    if log:
        out.append(CostLine("Log search alerts", stack, loc, log * book("monitor.log_alert_month"),
                            f"{log} rule{'s' * (log != 1)} x {unit_price(book('monitor.log_alert_month'))}",
                            ("monitor.log_alert_month",)))
    return out


def _network_lines(cfg: PlatformConfig, book: PriceBook, stack: str, loc: str, endpoints: int) -> list[CostLine]:
    if not cfg.network.private:
        return []
    n_dns = len(PRIVATE_DNS_ZONES)
    return [CostLine("Private endpoints", stack, loc, endpoints * book("private_endpoint.hour") * HOURS_PER_MONTH,
                     f"{endpoints} x {unit_price(book('private_endpoint.hour'))}/h x {HOURS_PER_MONTH} h", ("private_endpoint.hour",)),
            CostLine("Private DNS zones", stack, loc, n_dns * book("private_dns_zone.month"),
                     f"{n_dns} x {unit_price(book('private_dns_zone.month'))}", ("private_dns_zone.month",))]


def storage_monthly(book: PriceBook, redundancy: str, gb: float) -> float:
    return gb * book(f"storage.hot.{redundancy.lower()}.gb_month")


def _workspace_line(cfg: PlatformConfig, book: PriceBook, stack: str, loc: str) -> CostLine:
    gb_day = book("assume.log_gb_per_day_per_workspace")
    extra_days = max(0, cfg.monitoring.log_retention_days - 31)
    ingest = gb_day * DAYS_PER_MONTH * book("log_analytics.ingestion_gb")
    retain = gb_day * extra_days * book("log_analytics.retention_gb_month")
    return CostLine("Log Analytics (ingestion and retention)", stack, loc, ingest + retain,
                    f"{gb_day:g} GB/day x {DAYS_PER_MONTH:.2f} d x {unit_price(book('log_analytics.ingestion_gb'))}/GB"
                    f" + {gb_day:g} GB/day x {extra_days} d beyond 31 x {unit_price(book('log_analytics.retention_gb_month'))}/GB-month",
                    ("assume.log_gb_per_day_per_workspace", "log_analytics.ingestion_gb", "log_analytics.retention_gb_month"))


def compute_lines(cfg: PlatformConfig, book: PriceBook, loc: str, stack: str,
                  min_nodes: Callable[[Any], int] | None = None) -> tuple[list[CostLine], list[str]]:
    """Running-node cost of each cluster in ``loc`` (min_nodes x hourly price x 730 h) and the sizes without a price."""
    lines, unpriced = [], []
    for s in cfg.clusters(loc):
        n = s.min_nodes if min_nodes is None else min_nodes(s)
        key = vm_key(s.vm_size)
        if not book.has(key):
            unpriced.append(s.vm_size)
            lines.append(CostLine(f"Compute {s.name} ({s.vm_size})", stack, loc, 0.0,
                                  f"{n} nodes x unknown price (set report.price_overrides.{key})", ()))
            continue
        keys: tuple[str, ...] = (key,)
        price = book(key)
        factor_txt = ""
        if s.vm_priority == "LowPriority":
            price *= book("compute.low_priority_factor")
            keys += ("compute.low_priority_factor",)
            factor_txt = f" x {book('compute.low_priority_factor'):g} (LowPriority)"
        idle = " (passive: holds quota for " + str(s.max_nodes) + " nodes, runs none)" if cfg.is_passive(loc) else ""
        lines.append(CostLine(f"Compute {s.name} ({s.vm_size})", stack, loc, n * price * HOURS_PER_MONTH,
                              f"{n} min nodes x {unit_price(book(key))}/h{factor_txt} x {HOURS_PER_MONTH} h{idle}", keys))
    return lines, unpriced


def cost(cfg: PlatformConfig, book: PriceBook) -> tuple[dict[str, Any], list[str]]:
    namer, td = cfg.namer, cfg.training_data
    shared = namer.stack("shared")
    home = cfg.regions.primary
    lines: list[CostLine] = _registry_lines(cfg, book, shared)
    gb = training_data_gb(cfg)
    red = td.redundancy.value
    key = f"storage.hot.{red.lower()}.gb_month"
    lines.append(CostLine(f"Training data ({spelled(red)}, hot)", shared, home, storage_monthly(book, red, gb),
                          f"{training_data_size(cfg)} x {unit_price(book(key))}/GB-month", (key,)))
    churn = book("assume.data_change_fraction_month")
    lines.append(CostLine("Training data geo-replication transfer", shared, home,
                          gb * churn * book("storage.geo_replication.gb"),
                          f"{gb:,.0f} GB x {churn:g} rewritten/month x {unit_price(book('storage.geo_replication.gb'))}/GB",
                          ("assume.data_change_fraction_month", "storage.geo_replication.gb")))
    one_time = [CostLine("Initial geo-replication of the training data", shared, home, gb * book("storage.geo_replication.gb"),
                         f"{gb:,.0f} GB x {unit_price(book('storage.geo_replication.gb'))}/GB, once", ("storage.geo_replication.gb",))]
    if cfg.encryption.customer_managed_keys:
        # training data (+ registry), each hub's storage (+ each hub's metadata)
        keys_n = 1 + int(registry_cmk(cfg)) + len(cfg.hub_regions) * (1 + int(hub_cmk(cfg)))
        rot = keys_n * DAYS_PER_MONTH / cfg.encryption.key_rotation_days
        ops = book("assume.key_vault_10k_operations_month")
        held, held_txt, held_keys = key_charges(book, SHARED_KEYS * (1 + int(registry_cmk(cfg))))
        lines.append(CostLine("Key vault for customer-managed keys", shared, home,
                              ops * book("key_vault.advanced_operations_10k") + rot * book("key_vault.key_rotation") + held,
                              f"{ops:g} x 10k ops x {unit_price(book('key_vault.advanced_operations_10k'))} + {keys_n} keys x "
                              f"{DAYS_PER_MONTH:.2f}/{cfg.encryption.key_rotation_days} d = {rot:.3f} rotations/month x "
                              f"{unit_price(book('key_vault.key_rotation'))} + {held_txt}",
                              ("assume.key_vault_10k_operations_month", "key_vault.advanced_operations_10k",
                               "key_vault.key_rotation") + held_keys))
    lines.append(_workspace_line(cfg, book, shared, home))
    lines += _alert_lines(book, shared, home, metric=len(SHARED_METRIC_ALERTS), log=len(SHARED_LOG_ALERTS))
    lines += _network_lines(cfg, book, shared, home, len(shared_endpoints(cfg)))

    unpriced: list[str] = []
    for loc in cfg.hub_regions:
        stack = namer.stack(loc)
        c_lines, missing = compute_lines(cfg, book, loc, stack)
        lines += c_lines
        unpriced += missing
        hs = hub_storage_redundancy(loc)
        hub_gb = book("assume.hub_storage_gb")
        skey = f"storage.hot.{hs.lower()}.gb_month"
        lines.append(CostLine(f"Hub default storage ({hs})", stack, loc, storage_monthly(book, hs, hub_gb),
                              f"{hub_gb:g} GB x {unit_price(book(skey))}/GB-month", ("assume.hub_storage_gb", skey)))
        ops = book("assume.key_vault_10k_operations_month")
        held, held_txt, held_keys = key_charges(book, (REGION_KEYS + HUB_KEYS * int(hub_cmk(cfg))) * int(cfg.encryption.customer_managed_keys))
        lines.append(CostLine("Hub key vault", stack, loc, ops * book("key_vault.operations_10k") + held,
                              f"{ops:g} x 10k ops x {unit_price(book('key_vault.operations_10k'))}" + (f" + {held_txt}" if held_txt else ""),
                              ("assume.key_vault_10k_operations_month", "key_vault.operations_10k") + held_keys))
        lines.append(_workspace_line(cfg, book, stack, loc))
        lines += _alert_lines(book, stack, loc, metric=len(REGION_METRIC_ALERTS))
        lines += _network_lines(cfg, book, stack, loc, len(region_endpoints(cfg)))
    if cfg.routing is not None:
        stack = namer.stack("routing")
        q = book("assume.tm_million_queries_month")
        n = len(cfg.hub_regions)
        amount = q * book("traffic_manager.million_queries") + n * book("traffic_manager.external_endpoint_month")
        formula = (f"{q:g} M queries x {unit_price(book('traffic_manager.million_queries'))} + {n} endpoints x "
                   f"{unit_price(book('traffic_manager.external_endpoint_month'))}")
        keys: tuple[str, ...] = ("assume.tm_million_queries_month", "traffic_manager.million_queries",
                                 "traffic_manager.external_endpoint_month")
        if cfg.routing.probe.interval_seconds == 10:
            amount += n * book("traffic_manager.fast_interval_endpoint_month")
            formula += f" + {n} x {unit_price(book('traffic_manager.fast_interval_endpoint_month'))} (10 s probes)"
            keys += ("traffic_manager.fast_interval_endpoint_month",)
        lines.append(CostLine("Traffic Manager", stack, "global", amount, formula, keys))
        lines += _alert_lines(book, stack, "global", metric=n)

    order = [*cfg.hub_regions, "global"]
    by_region = {r: round(sum(line.monthly for line in lines if line.region == r), 2) for r in order}
    by_region = {r: v for r, v in by_region.items() if r != "global" or cfg.routing is not None}
    stack_names = [shared, *(namer.stack(loc) for loc in cfg.hub_regions)] + ([namer.stack("routing")] if cfg.routing else [])
    by_stack = {s: round(sum(line.monthly for line in lines if line.stack == s), 2) for s in stack_names}
    return {
        "currency": book.meta["currency"],
        "price_region": book.meta["region"],
        "prices_checked": book.meta["checked"],
        "hours_per_month": HOURS_PER_MONTH,
        "lines": [line.as_dict(book) for line in lines],
        "by_region": by_region,
        "by_stack": by_stack,
        "total_monthly_usd": round(sum(line.monthly for line in lines), 2),
        "one_time": [line.as_dict(book) for line in one_time],
        "unpriced_vm_sizes": sorted(set(unpriced)),
        "not_priced": not_priced(cfg),
        "not_charged": "Foundry hubs and projects, resource groups, VNets and subnets, identities, role assignments, locks, "
                       "diagnostic settings, action groups and activity-log alerts have no charge of their own; data "
                       "transfer, storage transactions and inference endpoints are not included.",
        "prices": book.table(),
    }, sorted(set(unpriced))


HUB_CMK_COST_SOURCE = ("Microsoft, \"Customer-managed keys for Azure Machine Learning\" "
                       "(https://learn.microsoft.com/azure/machine-learning/concept-customer-managed-keys)")


def not_priced(cfg: PlatformConfig) -> list[dict[str, str]]:
    """What the stacks cause Azure to bill that no price can be put on: listed with the reason, never a guess."""
    if not hub_cmk(cfg):
        return []
    return [{
        "component": "Hub customer-managed key: Cosmos DB, AI Search and storage in a Microsoft-managed resource group",
        "stack": cfg.namer.stack(loc),
        "region": loc,
        "reason": "Azure creates these for a hub with a customer-managed key (resource group azureml-rg-"
                  f"{cfg.namer.hub(loc)}_<GUID>) and bills them to this subscription: \"the costs for your subscription "
                  "are higher\". Microsoft publishes no figure (Cosmos DB request units \"automatically scale as needed\", "
                  "no AI Search tier is named), so none is estimated here: read Cost Management after the first apply, "
                  "or set encryption.hub_customer_managed_key: false before the hubs exist.",
        "source": HUB_CMK_COST_SOURCE,
    } for loc in cfg.hub_regions]

