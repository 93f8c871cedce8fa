"""report.usage: the costs that follow from use are priced from the config's assumptions, in both modes alike."""

from __future__ import annotations

import pytest

from tests.report_support import build, run_report, write_config

D4 = 0.192  # vm.standard_d4s_v3, app/prices.yaml


def lines(rep, component):
    return [x for x in rep["usage"]["lines"] if x["component"].startswith(component)]


def test_defaults_are_priced_and_shown_as_estimates(tmp_path):
    rep = build(write_config(tmp_path))
    u = rep["usage"]
    assert u["assumptions"]["report.usage.training_node_hours_month"] == 200
    train, = lines(rep, "Training jobs cpu-train")
    assert train["region"] == "eastus" and train["monthly_usd"] == pytest.approx(200 * D4, abs=0.01)
    # a full pass over 50 TB (decimal) through private endpoints at $0.01/GB
    read, = lines(rep, "Training data read")
    assert read["monthly_usd"] == pytest.approx(500.00, abs=0.01) and "50,000 GB" in read["formula"]
    inference, = lines(rep, "Inference instances")
    assert inference["monthly_usd"] == pytest.approx(2 * D4 * 730, abs=0.01)
    images, = lines(rep, "Image geo-replication")
    assert images["monthly_usd"] == pytest.approx(50 * 1 * 0.02, abs=0.01)
    assert all(x["estimate"] and x["assumptions"] for x in u["lines"])
    assert u["total_monthly_usd"] == pytest.approx(sum(x["monthly_usd"] for x in u["lines"]), abs=0.02)
    # the prices it used are listed with their sources
    ids = {x["id"] for x in rep["sources"]}
    assert {"price:private_endpoint.data_gb", "price:bandwidth.inter_region_gb"} <= ids


def test_figures_follow_the_config(tmp_path):
    rep = build(write_config(tmp_path, **{
        "training_data.size_tb": 20,
        "report.usage": {"training_node_hours_month": 100, "training_node_hours_by_cluster": {"cpu-train": 1000},
                         "training_data_passes_month": 2.5, "inference_instances": 3, "inference_standby_instances": 1,
                         "images_pushed_gb_month": 400},
    }))
    assert lines(rep, "Training jobs")[0]["monthly_usd"] == pytest.approx(1000 * D4, abs=0.01)
    assert lines(rep, "Training data read")[0]["monthly_usd"] == pytest.approx(2.5 * 20_000 * 0.01, abs=0.01)
    serving, standby = lines(rep, "Inference instances")
    assert (serving["region"], standby["region"]) == ("eastus", "westus")
    assert serving["monthly_usd"] == pytest.approx(3 * D4 * 730, abs=0.01)
    assert standby["monthly_usd"] == pytest.approx(1 * D4 * 730, abs=0.01) and "standby" in standby["component"]
    assert lines(rep, "Image geo-replication")[0]["monthly_usd"] == pytest.approx(400 * 0.02, abs=0.01)


def test_images_cross_to_every_replica(tmp_path):
    three = build(write_config(tmp_path, **{
        "regions.secondaries": ["westus2", "westus"],
        "network.address_spaces": {"eastus": "10.10.0.0/16", "westus": "10.20.0.0/16", "westus2": "10.30.0.0/16"},
        "routing.endpoints": {"eastus": "a.contoso.com", "westus": "b.contoso.com", "westus2": "c.contoso.com"}}))
    assert lines(three, "Image geo-replication")[0]["monthly_usd"] == pytest.approx(50 * 2 * 0.02, abs=0.01)


def test_the_modes_no_longer_compare_zero_with_zero(tmp_path):
    ap = build(write_config(tmp_path, "ap.yaml"))
    aa = build(write_config(tmp_path, "aa.yaml", **{"regions.mode": "active-active"}))
    for rep in (ap, aa):
        modes = rep["usage"]["modes"]
        # the same training work either way; active-active serves from both regions
        assert modes["active-passive"]["training_usd"] == modes["active-active"]["training_usd"] > 0
        assert modes["active-active"]["inference_usd"] == pytest.approx(2 * modes["active-passive"]["inference_usd"], abs=0.01)
        assert modes["active-active"]["total_usd"] > modes["active-passive"]["total_usd"] > 0
    # active-active spreads the training over every hub region
    assert {x["region"] for x in lines(aa, "Training jobs")} == {"eastus", "westus"}
    assert aa["usage"]["total_monthly_usd"] == aa["usage"]["modes"]["active-active"]["total_usd"]
    assert ap["usage"]["total_monthly_usd"] == ap["usage"]["modes"]["active-passive"]["total_usd"]
    page = run_report("--config", str(write_config(tmp_path, "ap2.yaml"))).stdout
    table = page[page.index("### Active-passive vs active-active"):]
    assert "| active-passive (chosen) | $0.00 | $38.40 | $280.32 |" in table
    assert "| active-active | $0.00 | $38.40 | $560.64 |" in table


def test_cross_region_reads_after_a_storage_failover(tmp_path):
    # eastus's pair westus is a hub region: active-passive trains beside the data after the failover
    ap = build(write_config(tmp_path, "ap.yaml"))
    after, = ap["usage"]["conditional"]
    assert after["monthly_usd"] == 0 and "westus" in after["when"]
    # active-active keeps eastus training too: its half of the reads crosses regions
    aa = build(write_config(tmp_path, "aa.yaml", **{"regions.mode": "active-active"}))
    assert aa["usage"]["conditional"][0]["monthly_usd"] == pytest.approx(50_000 / 2 * 0.02, abs=0.01)
    # the pair is not a hub region: every read crosses regions
    far = build(write_config(tmp_path, "far.yaml", **{
        "regions.secondaries": ["westus2"], "network.address_spaces": {"eastus": "10.10.0.0/16", "westus2": "10.30.0.0/16"},
        "routing.endpoints": {"eastus": "a.contoso.com", "westus2": "c.contoso.com"}}))
    assert far["usage"]["conditional"][0]["monthly_usd"] == pytest.approx(50_000 * 0.02, abs=0.01)
    assert far["usage"]["total_monthly_usd"] == ap["usage"]["total_monthly_usd"]  # conditional: not in the total


def test_unknown_cluster_and_unpriced_inference_size(tmp_path):
    r = run_report("--config", str(write_config(tmp_path, "bad.yaml", **{
        "report.usage": {"training_node_hours_by_cluster": {"gpu": 10}}})))
    assert r.returncode == 2 and "report.usage.training_node_hours_by_cluster.gpu" in r.stderr
    assert "Traceback" not in r.stderr
    rep = build(write_config(tmp_path, "nc.yaml", **{"report.usage": {"inference_vm_size": "Standard_NC24ads_A100_v4"}}))
    assert any(w["code"] == "unpriced-vm-size" and "Standard_NC24ads_A100_v4" in w["message"] for w in rep["warnings"])
    priced = build(write_config(tmp_path, "nc2.yaml", **{
        "report.usage": {"inference_vm_size": "Standard_NC24ads_A100_v4"},
        "report.price_overrides": {"vm.standard_nc24ads_a100_v4": 3.67}}))
    assert lines(priced, "Inference instances")[0]["monthly_usd"] == pytest.approx(2 * 3.67 * 730, abs=0.01)
