"""Every figure the report quotes carries its source and the date it was checked; the audit's corrections hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app.report.figures import SLAS, load_figures
from app.report.prices import PriceBook, key_charges, load_prices
from tests.report_support import ROOT, build, line, write_config

DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def test_every_price_has_an_https_source_and_a_checked_date():
    doc = yaml.safe_load((ROOT / "app" / "prices.yaml").read_text())
    assert DATE.match(doc["checked"])
    for key, e in doc["prices"].items():
        assert DATE.match(str(e["checked"])), key
        assert isinstance(e["estimate"], bool) and e["unit"] and e["note"], key
        if key.startswith("assume."):  # usage assumptions are ours, and say so
            assert e["source"] == "assumption" and e["estimate"], key
        else:
            assert e["source"].startswith("https://") and " " not in e["source"], key


def test_every_sla_durability_and_timing_has_a_source_a_date_and_a_basis():
    doc = yaml.safe_load((ROOT / "app" / "slas.yaml").read_text())
    defaults = doc["durability_defaults"]
    rows = [*doc["slas"].items(), *doc["timings"].items(), *((k, {**defaults, **e}) for k, e in doc["durability"].items())]
    assert len(rows) >= 20
    for key, e in rows:
        assert e["source"].startswith("https://") and DATE.match(str(e["checked"])), key
        assert e["basis"] in ("microsoft", "unverified", "seed"), key
        assert ("seed" in e) == (e["basis"] == "seed"), key
    # the figure the seeds gave and Microsoft does not publish is labelled as the seed's
    acr = doc["timings"]["registry.replication_minutes"]
    assert acr["basis"] == "seed" and "5-15 minutes" in acr["seed"] and "no time" in acr["note"]
    assert doc["timings"]["storage.account_failover_minutes"]["basis"] == "microsoft"
    # unverified SLAs say so in the words the report shows
    for key, s in SLAS.items():
        assert (s.label == "unverified") == s.basis.startswith("unverified"), key


def test_the_loader_refuses_a_figure_without_a_source(tmp_path):
    doc = yaml.safe_load((ROOT / "app" / "slas.yaml").read_text())
    del doc["timings"]["storage.geo_rpo_minutes"]["source"]
    bad = tmp_path / "slas.yaml"
    bad.write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError, match="storage.geo_rpo_minutes"):
        load_figures(bad)


@pytest.fixture(scope="module")
def rep(tmp_path_factory):
    return build(write_config(tmp_path_factory.mktemp("sources"), **{"encryption.customer_managed_keys": True}))


def test_json_lists_every_figure_it_used_with_source_and_date(rep):
    sources = {x["id"]: x for x in rep["sources"]}
    for p in rep["cost"]["prices"]:
        row = sources[f"price:{p['key']}"]
        assert row["source"] == p["source"] and row["checked"] == p["checked"] and row["value"] == p["value"]
    for ln in rep["cost"]["lines"]:
        assert all(f"price:{k}" in sources for k in ln["price_keys"]), ln["component"]
    for c in rep["availability"]["components"]:
        row = sources[f"sla:{c['key']}"]
        assert row["value"] == c["percent"] and row["source"] == c["source"]
        assert c["checked"] == row["checked"]
    for path in rep["rpo_rto"]:
        assert all(i in sources for i in path.get("sources", [])), path["path"]
    assert sources["timing:registry.replication_minutes"]["basis"] == "seed"
    assert {x["kind"] for x in rep["sources"]} == {"price", "assumption", "sla", "durability", "timing"}
    for x in rep["sources"]:
        assert x["source"] and (x["basis"] == "config" or DATE.match(x["checked"])), x["id"]
    assert sources["price:assume.registry_gb"]["basis"] == "assumption"


def test_registry_replication_time_is_labelled_as_the_seeds(rep):
    registry = next(p for p in rep["rpo_rto"] if p["path"].startswith("model images"))
    assert "seed" in registry["rpo"] and "Microsoft gives no replication time" in registry["rpo"]
    assert registry["sources"] == ["timing:registry.replication_minutes"]


# --------------------------------------------------------------------------- the corrections


def test_fast_probing_costs_two_dollars_per_external_endpoint(tmp_path):
    slow = build(write_config(tmp_path, "slow.yaml"))
    fast = build(write_config(tmp_path, "fast.yaml", **{"routing.probe.interval_seconds": 10,
                                                         "routing.probe.timeout_seconds": 5}))
    n = len(fast["meta"]["secondaries"]) + 1
    delta = line(fast, "Traffic Manager")["monthly_usd"] - line(slow, "Traffic Manager")["monthly_usd"]
    assert delta == pytest.approx(n * 2.00, abs=0.01)
    assert "traffic_manager.fast_interval_endpoint_month" in line(fast, "Traffic Manager")["price_keys"]
    # the stacks build external endpoints, the kind the $2.00 rate is for
    assert any(r["kind"] == "External endpoint" for s in fast["stacks"] for r in s["resources"])


def test_hsm_keys_are_priced_per_key_and_size(tmp_path, default_synth):
    book = PriceBook(load_prices(), {})
    assert key_charges(book, [("RSA-HSM", 3072)])[0] == 5.00
    assert key_charges(book, [("RSA-HSM", 2048)])[0] == 1.00
    assert key_charges(book, [("RSA", 3072)])[0] == 0.0
    # the keys the report prices are the keys the stacks create (type and size read from the synth)
    written = [(k["key_type"], k["key_size"]) for stack in default_synth.stacks
               for k in default_synth.resources(stack, "azurerm_key_vault_key").values()]
    assert written and set(written) == {("RSA-HSM", 3072)}
    off = build(write_config(tmp_path, "off.yaml", **{"encryption.customer_managed_keys": True}))
    on = build(write_config(tmp_path, "on.yaml", **{"encryption.customer_managed_keys": True,
                                                     "encryption.hub_customer_managed_key": True}))
    hub_off, hub_on = line(off, "Hub key vault", region="eastus"), line(on, "Hub key vault", region="eastus")
    rot = (730 / 24) / 365 * 1.00  # each key rotated once a year
    assert hub_off["monthly_usd"] == pytest.approx(10 * 0.03 + 5.00 + rot, abs=0.01)  # the hub storage key, RSA-HSM 3072
    assert hub_on["monthly_usd"] - hub_off["monthly_usd"] == pytest.approx(1.00 + rot, abs=0.01)  # + the hub's 2048 key
    assert "key_vault.hsm_key_month" in hub_on["price_keys"] and "RSA-HSM 2048" in hub_on["formula"]
    shared = line(off, "Key vault for customer-managed keys")
    assert "key_vault.hsm_advanced_key_month" in shared["price_keys"] and "1 RSA-HSM 3072 key" in shared["formula"]


def test_hub_key_is_rsa_hsm_2048_in_the_synth(tmp_path):
    from conftest import synth_config

    synth = synth_config(ROOT / "config" / "default.yaml", tmp_path / "out",
                         **{"encryption.hub_customer_managed_key": True})
    region = synth.resources("fraud-prod-eastus", "azurerm_key_vault_key")
    assert sorted((k["key_type"], k["key_size"]) for k in region.values()) == [("RSA-HSM", 2048), ("RSA-HSM", 3072)]


def test_log_alert_is_priced_and_labelled_at_the_frequency_the_stacks_build(rep, default_synth):
    rules = default_synth.resources("fraud-prod-shared", "azurerm_monitor_scheduled_query_rules_alert_v2")
    assert rules and {r["evaluation_frequency"] for r in rules.values()} == {"PT5M"}
    price = next(p for p in rep["cost"]["prices"] if p["key"] == "monitor.log_alert_month")
    assert price["value"] == 1.50 and "every 5 minutes" in price["unit"] and "15-minute frequency" not in price["unit"]


def test_storage_is_decimal_by_default_and_says_so(tmp_path):
    decimal = build(write_config(tmp_path, "d.yaml"))
    binary = build(write_config(tmp_path, "b.yaml", **{"report.storage_unit": "binary"}))
    d, b = line(decimal, "Training data (GRS"), line(binary, "Training data (GRS")
    assert d["monthly_usd"] == pytest.approx(50_000 * 0.0368, abs=0.01)
    assert "50 TB = 50,000 GB (decimal, 1 TB = 1,000 GB)" in d["formula"]
    assert b["monthly_usd"] == pytest.approx(51_200 * 0.0368, abs=0.01)
    assert "50 TiB = 51,200 GiB (binary" in b["formula"]
    grs = next(s for s in decimal["comparisons"]["storage_redundancy"] if s["redundancy"] == "GRS")
    assert grs["monthly_usd"] == pytest.approx(50_000 * 0.0368, abs=0.01)


def test_bad_storage_unit_is_a_config_error(tmp_path):
    from test_report import run_report

    r = run_report("--config", str(write_config(tmp_path, **{"report.storage_unit": "TB"})))
    assert r.returncode == 2 and "report.storage_unit" in r.stderr and "Traceback" not in r.stderr


def test_registry_tier_comparison_no_longer_sells_zone_redundancy(rep):
    standard = [r for r in rep["comparisons"]["registry_tier"] if r["option"].startswith("Standard")]
    assert standard
    assert all("no zone redundancy" not in r["loses"] for r in standard)
    assert "zone redundancy stays" in standard[0]["loses"]


def test_timings_come_from_the_table(tmp_path, monkeypatch):
    """Change the geo-replication RPO in the table and the report's RPO check, text and sources follow."""
    import copy

    import app.report.figures as figures

    doc = copy.deepcopy(load_figures())
    doc["timings"]["storage.geo_rpo_minutes"]["value"] = 40
    monkeypatch.setattr(figures, "load_figures", lambda path=None: doc)
    rep = build(write_config(tmp_path))  # targets.rpo_minutes 30
    data = next(p for p in rep["rpo_rto"] if p["path"] == "training data")
    assert data["rpo_minutes_typical"] == 40 and data["meets_rpo_target"] is False
    assert "typically under 40 minutes" in data["rpo"]
    assert any("typically < 40 min" in d["tradeoff"] for d in rep["decisions"])
    assert next(x for x in rep["sources"] if x["id"] == "timing:storage.geo_rpo_minutes")["value"] == 40


def test_a_price_read_only_in_a_third_party_copy_says_so(rep):
    for row in rep["sources"]:
        if row["kind"] == "price" and row["basis"].startswith("price"):
            microsoft = any(h in row["source"] for h in ("://azure.microsoft.com", "://learn.microsoft.com",
                                                           "://prices.azure.com", "://www.microsoft.com"))
            assert (row["basis"] == "price") == microsoft, row
