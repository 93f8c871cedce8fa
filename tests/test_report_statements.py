"""Sentences of the report that depend on the config: rendered for each variant, checked against it."""

from __future__ import annotations

from typing import Any

import pytest

from app import report
from tests.report_support import build, europe, three_region, write_config

COLD = [{"name": "cpu-train", "vm_size": "Standard_D4s_v3", "min_nodes": 0, "max_nodes": 8}]
WARM = [{"name": "cpu-train", "vm_size": "Standard_D4s_v3", "min_nodes": 1, "max_nodes": 8}]


def rendered(tmp_path, name: str = "c.yaml", **changes: Any) -> tuple[dict[str, Any], str]:
    rep = build(write_config(tmp_path, name, **changes))
    return rep, report.render(rep, "markdown")


def decision(rep: dict[str, Any], topic: str) -> dict[str, Any]:
    return next(d for d in rep["decisions"] if d["topic"].startswith(topic))


def test_active_active_with_no_nodes_does_not_claim_running_nodes(tmp_path):
    rep, md = rendered(tmp_path, **{"regions.mode": "active-active", "compute.clusters": COLD})
    d = decision(rep, "Regions: active-active")
    assert "keeps nodes running" not in md and "$0.00/month of compute" not in md
    assert "westus keeps 0 nodes (min_nodes 0)" in d["choice"]
    assert "still waits for a scale-out from zero" in d["tradeoff"]


def test_active_active_with_nodes_names_them_and_their_cost(tmp_path):
    rep, md = rendered(tmp_path, **{"regions.mode": "active-active", "compute.clusters": WARM})
    d = decision(rep, "Regions: active-active")
    assert "keeps nodes running: eastus cpu-train 1; westus cpu-train 1." in d["choice"]
    assert "Failover is a routing change" in d["tradeoff"]


@pytest.mark.parametrize("mode", ["active-passive", "active-active"])
def test_the_failover_note_follows_the_mode(tmp_path, mode):
    rep, md = rendered(tmp_path, **{"regions.mode": mode, "compute.clusters": WARM if mode == "active-active" else COLD})
    said = "Active-passive failover takes time" in md
    assert said is (mode == "active-passive")
    if mode == "active-active":
        assert "serving fails over by routing alone" in md


@pytest.mark.parametrize("registry_key", [False, True])
def test_the_cmk_vault_role_names_what_it_holds(tmp_path, registry_key):
    rep, md = rendered(tmp_path, **{"encryption.customer_managed_keys": True,
                                    "encryption.registry_customer_managed_key": registry_key})
    (vault,) = [c for c in rep["availability"]["components"] if c["key"] == "cmk_key_vault"]
    assert vault["role"].startswith("key of the training data" + (" and the registry" if registry_key else ";"))
    assert "the hubs' keys live in each region's own vault" in vault["role"]
    assert "the registry, the training data and the hub storage" not in md
    d = decision(rep, "Encryption: customer-managed keys")
    assert "each hub's storage with keys in its own region's vault" in d["choice"]
    # the keys are priced where they are: the shared vault holds the data's (and the registry's) key
    shared_vault = next(ln for ln in rep["cost"]["lines"] if ln["component"] == "Key vault for customer-managed keys")
    keys = [a for a in shared_vault["resources"] if ":azurerm_key_vault_key." in a]
    assert len(keys) == 1 + int(registry_key)


@pytest.mark.parametrize("make, others", [(three_region, ["westus2", "westus"]),
                                          (europe, ["northeurope", "westeurope"])], ids=["us", "europe"])
def test_regional_prices_are_named_not_waved_away(tmp_path, make, others):
    rep = build(make(tmp_path))
    md = report.render(rep, "markdown")
    assert "differ by a few percent" not in md
    assert rep["cost"]["regions_priced_at_book_region"] == others
    assert f"the book holds eastus prices only: {', '.join(others)} may be priced differently" in md


def test_three_regions_show_the_parallel_figure_with_its_digits(tmp_path):
    rep = build(three_region(tmp_path))
    md = report.render(rep, "markdown")
    a = rep["availability"]
    u = (1 - 0.999 * 0.9999 * 0.999 * 0.999 * 0.9999) ** 3  # three regions, each 99.68%
    assert a["parallel_regions_unavailability_percent"] == pytest.approx(100 * u, rel=1e-2)
    assert a["parallel_regions_downtime_seconds_per_month"] == pytest.approx(u * 730 * 3600, rel=1e-2)
    assert "| any region (parallel) |  | 100.0000% |" not in md
    assert "| any region (parallel) |  | 99.9999967% | 0.086 s |" in md


def test_eight_regions_write_the_gap_out(tmp_path):
    regions = ["westus", "eastus2", "centralus", "westus2", "westus3", "southcentralus", "northcentralus"]
    rep = build(write_config(tmp_path, **{
        "regions.secondaries": regions, "network.address_spaces": {},
        "routing.endpoints": {r: f"scoring-{r}.fraud.contoso.com" for r in ["eastus", *regions]}}))
    md = report.render(rep, "markdown")
    assert "| any region (parallel) |  | 100% - 1.1e-18% |" in md
