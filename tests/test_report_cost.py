"""The report's cost section: lines, totals, overrides and the prices behind them."""

from __future__ import annotations

import pytest

from app.errors import EXIT_USAGE, ConfigError
from tests.report_support import build, default_report, line, run_report, write_config  # noqa: F401


def test_cost_scales_with_size_and_redundancy(tmp_path):
    base = build(write_config(tmp_path, "a.yaml"))
    double = build(write_config(tmp_path, "b.yaml", **{"training_data.size_tb": 100}))
    gzrs = build(write_config(tmp_path, "c.yaml", **{"training_data.redundancy": "GZRS"}))
    grs_line = line(base, "Training data (GRS")
    assert grs_line["monthly_usd"] == pytest.approx(50 * 1000 * 0.0368, abs=0.01)
    assert line(double, "Training data (GRS")["monthly_usd"] == pytest.approx(2 * grs_line["monthly_usd"], abs=0.01)
    assert line(gzrs, "Training data (GZRS")["monthly_usd"] == pytest.approx(50 * 1000 * 0.0414, abs=0.01)
    assert double["cost"]["total_monthly_usd"] > base["cost"]["total_monthly_usd"]
    assert gzrs["cost"]["total_monthly_usd"] > base["cost"]["total_monthly_usd"]
    table = {row["redundancy"]: row for row in base["comparisons"]["storage_redundancy"]}
    assert table["LRS"]["monthly_usd"] < table["ZRS"]["monthly_usd"] < table["GRS"]["monthly_usd"] < table["GZRS"]["monthly_usd"]
    assert table["GRS"]["chosen"] and table["GRS"]["delta_vs_chosen_usd"] == 0
    assert not table["LRS"]["allowed_for_training_data"] and table["LRS"]["durability_nines"] == 11
    assert table["GZRS"]["durability_nines"] == 16


def test_totals_add_up_and_passive_compute_is_free(default_report):
    c = default_report["cost"]
    assert c["total_monthly_usd"] == pytest.approx(sum(ln["monthly_usd"] for ln in c["lines"]), abs=0.05)
    assert sum(c["by_region"].values()) == pytest.approx(c["total_monthly_usd"], abs=0.05)
    assert line(default_report, "Compute cpu-train", "westus")["monthly_usd"] == 0
    assert "passive" in line(default_report, "Compute cpu-train", "westus")["formula"]
    assert line(default_report, "Container registry (Premium)")["monthly_usd"] == pytest.approx(1.667 * 730 / 24, abs=0.01)
    assert line(default_report, "Private endpoints", stack="fraud-prod-eastus")["monthly_usd"] == pytest.approx(6 * 0.01 * 730)
    assert line(default_report, "Private endpoints", stack="fraud-prod-shared")["monthly_usd"] == pytest.approx(2 * 0.01 * 730)
    # the hub's managed network makes a private endpoint for its outbound rule to the training data
    rule = line(default_report, "Hub managed-network private endpoints", stack="fraud-prod-westus")
    assert rule["monthly_usd"] == pytest.approx(0.01 * 730) and rule["resources"] == [
        "fraud-prod-westus:azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint.hub_outbound_training_data_blob"]
    assert c["one_time"][0]["monthly_usd"] == pytest.approx(50 * 1000 * 0.02)
    registry = {r["option"].split(",")[0]: r for r in default_report["comparisons"]["registry_tier"]}
    assert registry["Premium"]["chosen"] and registry["Premium"]["monthly_usd"] == pytest.approx(2 * 1.667 * 730 / 24, abs=0.01)


def test_active_nodes_cost_hours_times_price(tmp_path):
    rep = build(write_config(tmp_path, **{"compute.clusters": [
        {"name": "cpu-train", "vm_size": "Standard_D4s_v3", "min_nodes": 2, "max_nodes": 8,
         "regions": {"westus": {"min_nodes": 0}}}]}))
    assert line(rep, "Compute cpu-train", "eastus")["monthly_usd"] == pytest.approx(2 * 0.192 * 730)
    assert line(rep, "Compute cpu-train", "westus")["monthly_usd"] == 0
    mode = rep["comparisons"]["mode"]
    assert mode["active_passive_monthly_compute_usd"] == pytest.approx(2 * 0.192 * 730)
    assert mode["delta_usd"] == pytest.approx(2 * 0.192 * 730)  # the same 2 nodes kept warm in westus


def test_price_override_changes_the_figure(tmp_path):
    rep = build(write_config(tmp_path, **{"report": {"price_overrides": {"storage.hot.grs.gb_month": 0.05,
                                                                         "assume.registry_gb": 800}}}))
    assert line(rep, "Training data (GRS")["monthly_usd"] == pytest.approx(50 * 1000 * 0.05, abs=0.01)
    used = {p["key"]: p for p in rep["cost"]["prices"]}
    assert used["storage.hot.grs.gb_month"]["overridden"] and used["storage.hot.grs.gb_month"]["value"] == 0.05
    assert used["storage.hot.grs.gb_month"]["source"] == "report.price_overrides"
    # 800 GB of images: 300 GB above Premium's 500, in the home registry and its one replica.
    assert line(rep, "Registry storage above")["monthly_usd"] == pytest.approx(300 * 0.10 * 2)


def test_unpriced_vm_size_is_warned_and_can_be_priced_by_override(tmp_path):
    cluster = [{"name": "gpu-train", "vm_size": "Standard_NC6s_v3", "min_nodes": 1, "max_nodes": 2,
                "regions": {"westus": {"min_nodes": 0}}}]
    rep = build(write_config(tmp_path, "a.yaml", **{"compute.clusters": cluster}))
    assert rep["cost"]["unpriced_vm_sizes"] == ["Standard_NC6s_v3"]
    assert any(w["code"] == "unpriced-vm-size" and "vm.standard_nc6s_v3" in w["message"] for w in rep["warnings"])
    priced = build(write_config(tmp_path, "b.yaml", **{"compute.clusters": cluster,
                                                       "report": {"price_overrides": {"vm.standard_nc6s_v3": 3.06}}}))
    assert line(priced, "Compute gpu-train", "eastus")["monthly_usd"] == pytest.approx(3.06 * 730)
    assert priced["cost"]["unpriced_vm_sizes"] == []


def test_unknown_override_key_is_a_config_error(tmp_path):
    path = write_config(tmp_path, **{"report": {"price_overrides": {"storage.hot.grs.gb_mnth": 0.05}}})
    with pytest.raises(ConfigError) as e:
        build(path)
    (problem,) = e.value.problems
    assert problem.path == "report.price_overrides.storage.hot.grs.gb_mnth" and problem.value == 0.05
    assert "storage.hot.grs.gb_month" in problem.allowed and "vm.standard_d4s_v3" in problem.allowed
    r = run_report("--config", str(path))
    assert r.returncode == EXIT_USAGE and "Traceback" not in r.stderr and r.stdout == ""
    assert "report.price_overrides.storage.hot.grs.gb_mnth: got 0.05; allowed:" in r.stderr
    assert "(did you mean storage.hot.grs.gb_month" in r.stderr


def test_config_errors_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("naming: {org: contoso, workload: fraud, environment: prod}\nregions: {primary: mars, secondaries: [westus]}\n")
    r = run_report("--config", str(bad), "--format", "json")
    assert r.returncode == EXIT_USAGE and "Traceback" not in r.stderr and r.stdout == ""
    assert "regions.primary: got 'mars'" in r.stderr
    assert run_report("--format", "pdf").returncode == EXIT_USAGE
