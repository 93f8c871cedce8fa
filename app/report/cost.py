"""The monthly cost estimate: one line per priced component, stack and region, read from the synthesized stacks.

Example::

    >>> section, unpriced = cost(cfg, PriceBook(load_prices(), {}), synthesize(cfg))
    >>> section["lines"][0]["component"], section["lines"][0]["resources"]
    ('Container registry (Premium)', ['fraud-prod-shared:azurerm_container_registry.registry'])

Every count comes from the output (metric alerts, private endpoints, DNS zones, keys,
nodes), and every line names the addresses it prices (``resources``). What Azure does
not bill is listed by :mod:`app.report.charges` with the reason; together they cover
every address of the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.report.charges import is_outbound_rule, not_charged
from app.report.common import ACR_INCLUDED_GB, DAYS_PER_MONTH, HOURS_PER_MONTH, hub_cmk, spelled, training_data_gb, \
    training_data_size, unit_price, vm_key
from app.report.inventory import _days, scopes
from app.report.prices import PriceBook, key_charges
from app.report.synthesized import Output, Resource

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig


@dataclass
class CostLine:
    component: str
    stack: str
    region: str
    monthly: float
    formula: str
    keys: tuple[str, ...]
    resources: tuple[str, ...] = ()

    def as_dict(self, book: PriceBook) -> dict[str, Any]:
        return {"component": self.component, "stack": self.stack, "region": self.region,
                "monthly_usd": round(self.monthly, 2), "formula": self.formula, "price_keys": list(self.keys),
                "estimate": any(book.estimate(k) for k in self.keys), "resources": list(self.resources)}


def _addr(rs: list[Resource]) -> tuple[str, ...]:
    return tuple(r.address for r in rs)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def registry_lines(book: PriceBook, out: Output, stack: str, home: str) -> list[CostLine]:
    lines: list[CostLine] = []
    for reg in out.resources(stack, "azurerm_container_registry"):
        sku = reg.body["sku"]
        day = f"acr.{sku.lower()}.registry_day"
        lines.append(CostLine(f"Container registry ({sku})", stack, home, book(day) * DAYS_PER_MONTH,
                              f"{unit_price(book(day))}/day x {DAYS_PER_MONTH:.2f} days", (day,), (reg.address,)))
        replicas = [g["location"] for g in reg.body.get("georeplications", [])]
        for loc in replicas:
            lines.append(CostLine("Registry geo-replica", stack, loc, book("acr.premium.replica_day") * DAYS_PER_MONTH,
                                  f"{unit_price(book('acr.premium.replica_day'))}/day x {DAYS_PER_MONTH:.2f} days",
                                  ("acr.premium.replica_day",), (reg.address,)))
        over = max(0.0, book("assume.registry_gb") - ACR_INCLUDED_GB[sku])
        if over:
            copies = 1 + len(replicas)
            lines.append(CostLine("Registry storage above the included", stack, home,
                                  over * book("acr.storage.gb_month") * copies,
                                  f"{over:g} GB x {unit_price(book('acr.storage.gb_month'))}/GB-month x {copies} copies",
                                  ("assume.registry_gb", "acr.storage.gb_month"), (reg.address,)))
        else:
            book("acr.storage.gb_month")
    return lines


def storage_monthly(book: PriceBook, redundancy: str, gb: float) -> float:
    return gb * book(f"storage.hot.{redundancy.lower()}.gb_month")


def training_data_lines(cfg: PlatformConfig, book: PriceBook, out: Output, stack: str,
                        home: str) -> tuple[list[CostLine], list[CostLine]]:
    """The training data account's capacity and geo-replication (monthly), and its first replication (one-time)."""
    lines, once = [], []
    gb = training_data_gb(cfg)
    for acc in out.resources(stack, "azurerm_storage_account"):
        red = acc.body["account_replication_type"]
        key = f"storage.hot.{red.lower()}.gb_month"
        lines.append(CostLine(f"Training data ({spelled(red)}, hot)", stack, home, storage_monthly(book, red, gb),
                              f"{training_data_size(cfg)} x {unit_price(book(key))}/GB-month",
                              (key,), (acc.address,)))
        if red in ("LRS", "ZRS"):
            continue
        churn = book("assume.data_change_fraction_month")
        lines.append(CostLine("Training data geo-replication transfer", stack, home,
                              gb * churn * book("storage.geo_replication.gb"),
                              f"{gb:,.0f} GB x {churn:g} rewritten/month x {unit_price(book('storage.geo_replication.gb'))}/GB",
                              ("assume.data_change_fraction_month", "storage.geo_replication.gb"), (acc.address,)))
        once.append(CostLine("Initial geo-replication of the training data", stack, home,
                             gb * book("storage.geo_replication.gb"),
                             f"{gb:,.0f} GB x {unit_price(book('storage.geo_replication.gb'))}/GB, once",
                             ("storage.geo_replication.gb",), (acc.address,)))
    return lines, once


def hub_storage_lines(book: PriceBook, out: Output, stack: str, loc: str) -> list[CostLine]:
    lines = []
    for acc in out.resources(stack, "azurerm_storage_account"):
        red = acc.body["account_replication_type"]
        hub_gb = book("assume.hub_storage_gb")
        key = f"storage.hot.{red.lower()}.gb_month"
        lines.append(CostLine(f"Hub default storage ({spelled(red)})", stack, loc, storage_monthly(book, red, hub_gb),
                              f"{hub_gb:g} GB x {unit_price(book(key))}/GB-month", ("assume.hub_storage_gb", key),
                              (acc.address,)))
    return lines


def key_vault_lines(book: PriceBook, out: Output, stack: str, loc: str, component: str,
                    ops_key: str = "key_vault.operations_10k") -> list[CostLine]:
    """Operations on each vault of the stack, the monthly charge of its HSM keys, and their automatic rotations.

    ``ops_key`` prices the operations: ``key_vault.advanced_operations_10k`` for the shared vault, which holds only the
    customer-managed keys (RSA-HSM 3072: every operation is a wrap/unwrap on an advanced key); a hub's vault is mostly
    read for secrets, so its operations stay at the standard price.
    """
    vaults, keys = out.resources(stack, "azurerm_key_vault"), out.resources(stack, "azurerm_key_vault_key")
    if not vaults:
        return []
    ops = book("assume.key_vault_10k_operations_month")
    amount = len(vaults) * ops * book(ops_key)
    formula = f"{_plural(len(vaults), 'vault')} x {ops:g} x 10k ops x {unit_price(book(ops_key))}"
    price_keys: tuple[str, ...] = ("assume.key_vault_10k_operations_month", ops_key)
    held, held_txt, held_keys = key_charges(book, [(k.body["key_type"], k.body.get("key_size")) for k in keys])
    if held_txt:
        amount += held
        formula += f" + {held_txt}"
        price_keys += held_keys
    rotating = [(k, _days(k.body)) for k in keys if _days(k.body)]
    if rotating:
        rot = sum(DAYS_PER_MONTH / days for _, days in rotating)
        amount += rot * book("key_vault.key_rotation")
        periods = sorted({d for _, d in rotating})
        formula += (f" + {_plural(len(rotating), 'key')} rotated every {'/'.join(map(str, periods))} d = {rot:.3f} "
                    f"rotations/month x {unit_price(book('key_vault.key_rotation'))}")
        price_keys += ("key_vault.key_rotation",)
    return [CostLine(component, stack, loc, amount, formula, price_keys, _addr(vaults) + _addr(keys))]


def workspace_lines(cfg: PlatformConfig, book: PriceBook, out: Output, stack: str, loc: str) -> list[CostLine]:
    """Each Log Analytics workspace's ingestion and retention; workspace-based Application Insights ingests into it."""
    lines = []
    insights = out.resources(stack, "azurerm_application_insights")
    for ws in out.resources(stack, "azurerm_log_analytics_workspace"):
        gb_day = book("assume.log_gb_per_day_per_workspace")
        extra_days = max(0, int(ws.body.get("retention_in_days", 30)) - 31)
        ingest = gb_day * DAYS_PER_MONTH * book("log_analytics.ingestion_gb")
        retain = gb_day * extra_days * book("log_analytics.retention_gb_month")
        lines.append(CostLine(
            "Log Analytics (ingestion and retention)" + (", with Application Insights" if insights else ""), stack, loc,
            ingest + retain,
            f"{gb_day:g} GB/day x {DAYS_PER_MONTH:.2f} d x {unit_price(book('log_analytics.ingestion_gb'))}/GB"
            f" + {gb_day:g} GB/day x {extra_days} d beyond 31 x {unit_price(book('log_analytics.retention_gb_month'))}/GB-month",
            ("assume.log_gb_per_day_per_workspace", "log_analytics.ingestion_gb", "log_analytics.retention_gb_month"),
            (ws.address,) + _addr(insights)))
        insights = []  # once per stack
    return lines


def alert_lines(book: PriceBook, out: Output, stack: str, loc: str) -> list[CostLine]:
    lines = []
    metric = out.resources(stack, "azurerm_monitor_metric_alert")
    if metric:
        lines.append(CostLine("Metric alerts", stack, loc, len(metric) * book("monitor.metric_alert_month"),
                              f"{_plural(len(metric), 'rule')} x {unit_price(book('monitor.metric_alert_month'))}",
                              ("monitor.metric_alert_month",), _addr(metric)))
    log = out.resources(stack, "azurerm_monitor_scheduled_query_rules_alert_v2")
    if log:
        lines.append(CostLine("Log search alerts", stack, loc, len(log) * book("monitor.log_alert_month"),
                              f"{_plural(len(log), 'rule')} x {unit_price(book('monitor.log_alert_month'))}",
                              ("monitor.log_alert_month",), _addr(log)))
    return lines


def network_lines(book: PriceBook, out: Output, stack: str, loc: str) -> list[CostLine]:
    lines = []
    pes = out.resources(stack, "azurerm_private_endpoint")
    if pes:
        hour = book("private_endpoint.hour")
        lines.append(CostLine("Private endpoints", stack, loc, len(pes) * hour * HOURS_PER_MONTH,
                              f"{len(pes)} x {unit_price(hour)}/h x {HOURS_PER_MONTH} h", ("private_endpoint.hour",),
                              _addr(pes)))
    rules = [r for r in out.resources(stack) if is_outbound_rule(r)]
    if rules:
        hour = book("private_endpoint.hour")
        lines.append(CostLine("Hub managed-network private endpoints (outbound rules)", stack, loc,
                              len(rules) * hour * HOURS_PER_MONTH,
                              f"{len(rules)} x {unit_price(hour)}/h x {HOURS_PER_MONTH} h (Azure creates a private "
                              "endpoint for each rule; the managed network itself is free)", ("private_endpoint.hour",),
                              _addr(rules)))
    zones = out.resources(stack, "azurerm_private_dns_zone")
    if zones:
        lines.append(CostLine("Private DNS zones", stack, loc, len(zones) * book("private_dns_zone.month"),
                              f"{len(zones)} x {unit_price(book('private_dns_zone.month'))}", ("private_dns_zone.month",),
                              _addr(zones)))
    return lines


def compute_lines(cfg: PlatformConfig, book: PriceBook, out: Output, stack: str, loc: str) -> tuple[list[CostLine], list[str]]:
    """Running-node cost of each cluster the stack builds (min nodes x hourly price x 730 h) and the sizes without a price."""
    lines, unpriced = [], []
    for c in out.resources(stack, "azurerm_machine_learning_compute_cluster"):
        b = c.body
        size, n, top = b["vm_size"], b["scale_settings"]["min_node_count"], b["scale_settings"]["max_node_count"]
        key = vm_key(size)
        name = f"Compute {b['name']} ({size})"
        if not book.has(key):
            unpriced.append(size)
            lines.append(CostLine(name, stack, loc, 0.0, f"{n} nodes x unknown price (set report.price_overrides.{key})",
                                  (), (c.address,)))
            continue
        keys: tuple[str, ...] = (key,)
        price = book(key)
        factor_txt = ""
        if b.get("vm_priority") == "LowPriority":
            price *= book("compute.low_priority_factor")
            keys += ("compute.low_priority_factor",)
            factor_txt = f" x {book('compute.low_priority_factor'):g} (LowPriority)"
        idle = f" (passive: holds quota for {top} nodes, runs none)" if cfg.is_passive(loc) and n == 0 else ""
        lines.append(CostLine(name, stack, loc, n * price * HOURS_PER_MONTH,
                              f"{n} min nodes x {unit_price(book(key))}/h{factor_txt} x {HOURS_PER_MONTH} h{idle}", keys,
                              (c.address,)))
    return lines, unpriced


def traffic_manager_lines(book: PriceBook, out: Output, stack: str) -> list[CostLine]:
    lines = []
    for profile in out.resources(stack, "azurerm_traffic_manager_profile"):
        endpoints = out.resources(stack, "azurerm_traffic_manager_external_endpoint")
        q, n = book("assume.tm_million_queries_month"), len(endpoints)
        amount = q * book("traffic_manager.million_queries") + n * book("traffic_manager.external_endpoint_month")
        formula = (f"{q:g} M queries x {unit_price(book('traffic_manager.million_queries'))} + {n} endpoints x "
                   f"{unit_price(book('traffic_manager.external_endpoint_month'))}")
        keys: tuple[str, ...] = ("assume.tm_million_queries_month", "traffic_manager.million_queries",
                                 "traffic_manager.external_endpoint_month")
        if profile.body.get("monitor_config", {}).get("interval_in_seconds") == 10:
            amount += n * book("traffic_manager.fast_interval_endpoint_month")
            formula += f" + {n} x {unit_price(book('traffic_manager.fast_interval_endpoint_month'))} (10 s probes)"
            keys += ("traffic_manager.fast_interval_endpoint_month",)
        lines.append(CostLine("Traffic Manager", stack, "global", amount, formula, keys,
                              (profile.address,) + _addr(endpoints)))
    return lines


def cost(cfg: PlatformConfig, book: PriceBook, out: Output) -> tuple[dict[str, Any], list[str]]:
    lines: list[CostLine] = []
    one_time: list[CostLine] = []
    unpriced: list[str] = []
    for stack, (scope, loc) in scopes(cfg).items():
        if scope == "shared":
            lines += registry_lines(book, out, stack, loc)
            monthly, once = training_data_lines(cfg, book, out, stack, loc)
            lines += monthly
            one_time += once
            lines += key_vault_lines(book, out, stack, loc, "Key vault for customer-managed keys",
                                     "key_vault.advanced_operations_10k")
        elif scope == "region":
            c_lines, missing = compute_lines(cfg, book, out, stack, loc)
            lines += c_lines
            unpriced += missing
            lines += hub_storage_lines(book, out, stack, loc)
            lines += key_vault_lines(book, out, stack, loc, "Hub key vault")
        else:
            lines += traffic_manager_lines(book, out, stack)
        lines += workspace_lines(cfg, book, out, stack, loc)
        lines += alert_lines(book, out, stack, loc)
        lines += network_lines(book, out, stack, loc)

    priced = {a for line in lines + one_time for a in line.resources}
    charges = not_charged(out, priced)
    order = [*cfg.hub_regions, "global"]
    by_region = {r: round(sum(line.monthly for line in lines if line.region == r), 2) for r in order}
    by_region = {r: v for r, v in by_region.items() if r != "global" or cfg.routing is not None}
    by_stack = {s: round(sum(line.monthly for line in lines if line.stack == s), 2) for s in scopes(cfg)}
    return {
        "currency": book.meta["currency"],
        "price_region": book.meta["region"],
        "prices_checked": book.meta["checked"],
        # hub regions whose lines use the book's region prices (the book holds one region's)
        "regions_priced_at_book_region": [loc for loc in cfg.hub_regions if loc != book.meta["region"]],
        "hours_per_month": HOURS_PER_MONTH,
        "lines": [line.as_dict(book) for line in lines],
        "by_region": by_region,
        "by_stack": by_stack,
        "total_monthly_usd": round(sum(line.monthly for line in lines), 2),
        "one_time": [line.as_dict(book) for line in one_time],
        "unpriced_vm_sizes": sorted(set(unpriced)),
        "not_priced": not_priced(cfg),
        "not_charged": charges["not_charged"],
        "unclassified": charges["unclassified"],
        "not_included": "Data transfer, private endpoint data processing, storage transactions, DNS queries to the "
                        "private zones, notifications and inference endpoints are not included.",
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
